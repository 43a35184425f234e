#!/usr/bin/env bash
# Runs a libFuzzer target for a while and keeps what it finds as regression inputs.
#   tools/fuzz.sh TARGET [SECONDS]      e.g.  tools/fuzz.sh elf 300
# Builds with clang + ASan/UBSan into build-fuzz/. New crashing inputs are copied into
# tests/fuzz/corpus/TARGET/, where the ordinary test suite replays them from then on.
set -euo pipefail
target=${1:?usage: tools/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DREWIND_SANITIZE=ON -DREWIND_FUZZ=ON >/dev/null
cmake --build "$build" --target "${target}_fuzzer" fuzz_seeds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/crashes"
cp -r "$root/tests/fuzz/corpus/$target/." "$build/tests/fuzz/seeds/$target/." "$work/corpus/" 2>/dev/null || true
set +e
"$build/bin/${target}_fuzzer" "$work/corpus" -max_total_time="$seconds" \
  -artifact_prefix="$work/crashes/" -print_final_stats=1
status=$?
set -e
found=$(find "$work/crashes" -type f | wc -l)
if [ "$found" -gt 0 ]; then
  cp "$work"/crashes/* "$root/tests/fuzz/corpus/$target/"
  echo "fuzz: $found crashing input(s) copied to tests/fuzz/corpus/$target/ — fix, then commit them"
fi
exit $status
