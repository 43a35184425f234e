#!/usr/bin/env bash
# The README's first command: installs what Rewind needs, builds it, and runs the demo — a
# riscv64 program, statically and dynamically linked, under `rewind user`, then the same
# binary under qemu-riscv64 to show the output is identical.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "$(id -u)" -eq 0 ]; then bash tools/install-deps.sh; else sudo bash tools/install-deps.sh; fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target rewind
mkdir -p build/demo
riscv64-linux-gnu-gcc -O2 -static -o build/demo/mandelbrot-static tools/demo/mandelbrot.c
riscv64-linux-gnu-gcc -O2 -o build/demo/mandelbrot-dynamic tools/demo/mandelbrot.c

echo "== rewind user build/demo/mandelbrot-static (statically linked)"
build/bin/rewind user --stats build/demo/mandelbrot-static
echo "== rewind user build/demo/mandelbrot-dynamic (dynamically linked, libc from /usr/riscv64-linux-gnu)"
build/bin/rewind user build/demo/mandelbrot-dynamic > build/demo/rewind.out
tail -2 build/demo/rewind.out
qemu-riscv64 -L /usr/riscv64-linux-gnu build/demo/mandelbrot-dynamic > build/demo/qemu.out
if cmp -s build/demo/rewind.out build/demo/qemu.out; then
  echo "== output identical to qemu-riscv64's"
else
  echo "== output differs from qemu-riscv64's:"; diff build/demo/rewind.out build/demo/qemu.out; exit 1
fi
