#!/usr/bin/env python3
"""`rewind user --perf-map` writes /tmp/perf-PID.map, which Linux perf reads to name JIT code:
one "START SIZE NAME" line (hex start and size) per piece of translated code. Template code is
named guest:PC+INSNS, LLVM code llvm:PC+INSNS (the region's entry and its instruction count).
Checked for each tier that has code of its own: well-formed lines, non-zero sizes, no two
pieces of code overlapping, and the hot loop's pc among the names."""
import os
import re
import subprocess
import sys
import tempfile

rewind = sys.argv[1]
LINE = re.compile(r"^([0-9a-f]+) ([0-9a-f]+) (guest|llvm):([0-9a-f]+)\+(\d+)$")

PROGRAM = b"""
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char** argv) {
  const unsigned long n = strtoul(argv[1], 0, 0);
  volatile unsigned long sum = 0;
  for (unsigned long i = 0; i < n; ++i) sum += i * i;
  printf("%lu\\n", sum);
  return 0;
}
"""


def run(tier, program, extra, iterations):
    proc = subprocess.Popen([rewind, "user", "--perf-map", "--tier=" + tier] + extra +
                            [program, str(iterations)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=300)
    path = f"/tmp/perf-{proc.pid}.map"
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        return proc.returncode, out, [f"no map: {e}"], []
    finally:
        if os.path.exists(path):
            os.unlink(path)
    bad = [l for l in lines if not LINE.match(l)]
    entries = []
    for l in lines:
        m = LINE.match(l)
        if m:
            entries.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3), int(m.group(4), 16)))
    return proc.returncode, out, bad, entries


def overlaps(entries):
    spans = sorted((start, start + size) for start, size, _, _ in entries)
    return [(a, b) for a, b in zip(spans, spans[1:]) if a[1] > b[0]]


with tempfile.TemporaryDirectory() as tmp:
    program = os.path.join(tmp, "loop")
    subprocess.run(["riscv64-linux-gnu-gcc", "-O1", "-static", "-o", program, "-x", "c", "-"],
                   input=PROGRAM, check=True)
    nm = subprocess.run(["riscv64-linux-gnu-nm", program], capture_output=True, text=True, check=True)
    main_pc = next(int(l.split()[0], 16) for l in nm.stdout.splitlines() if l.endswith(" T main"))

    failures = 0
    # (tier, extra options, the kind of code whose names must include the loop, iterations).
    # The auto tier installs LLVM code when its background compile is done, so its loop runs
    # for a second or so, well past the compile.
    for tier, extra, kind, n in (("jit", [], "guest", 200000), ("llvm", [], "llvm", 200000),
                                 ("auto", ["--hot-threshold=50", "--llvm-compile-share=100"], "llvm",
                                  300000000)):
        expected = str(n * (n - 1) * (2 * n - 1) // 6 % 2**64) + "\n"
        status, out, bad, entries = run(tier, program, extra, n)
        problems = []
        if status != 0 or out.decode() != expected:
            problems.append(f"status {status}, output {out!r}")
        if bad:
            problems.append(f"malformed lines: {bad[:3]}")
        if not any(k == kind for _, _, k, _ in entries):
            problems.append(f"no {kind}: lines")
        if any(size == 0 for _, size, _, _ in entries):
            problems.append("a zero size")
        if overlaps(entries):
            problems.append(f"overlapping code: {overlaps(entries)[:2]}")
        # The loop lies inside main, within a few hundred bytes of its start.
        if not any(k == kind and main_pc <= pc < main_pc + 256 for _, _, k, pc in entries):
            problems.append(f"no {kind}: name inside main ({main_pc:#x})")
        print(("ok   " if not problems else "FAIL ") + f"--tier={tier}: {len(entries)} entries"
              + ("" if not problems else "; " + "; ".join(problems)))
        failures += bool(problems)
    sys.exit(1 if failures else 0)
