#!/usr/bin/env python3
"""The auto tier's policy for LLVM code, seen through `rewind user --stats`:

- a region entered from template code over and over, each stay retiring a few dozen
  instructions, goes back to template code once judged ("back to template code (short stays)");
- a region that is entered once and loops for long stays in LLVM code;
- under a 1% compile share a run of well under ten seconds queues and compiles nothing: its
  code would not be ready in time to pay for itself.

Every run's output must match the template tier's."""
import os
import re
import subprocess
import sys
import tempfile

rewind = sys.argv[1]

# Each iteration makes a system call, which ends the translated code's run: the block after
# it is entered from the dispatcher (through its LLVM entry once compiled) and leaves again
# after one iteration's few dozen instructions.
SHORT_STAYS = rb"""
#include <stdio.h>
#include <unistd.h>
__attribute__((noinline)) static unsigned long mix(unsigned long x) {
  for (int k = 0; k < 3; ++k) x = x * 2654435761u + (x >> 7);
  return x;
}
int main(void) {
  unsigned long acc = 1;
  for (int i = 0; i < 400000; ++i) acc = mix(acc + (unsigned long)getppid() * 0 + i);
  printf("%lu\n", acc);
  return 0;
}
"""

# One long loop, entered once.
LONG_STAY = rb"""
#include <stdio.h>
int main(void) {
  unsigned long acc = 1;
  for (unsigned long i = 0; i < 300000000; ++i) acc = acc * 6364136223846793005u + i;
  printf("%lu\n", acc);
  return 0;
}
"""


def reference_output(program):
    # The template tier's output, itself compared with qemu by the guest tests.
    r = subprocess.run([rewind, "user", "--tier=jit", program], capture_output=True, timeout=600)
    return r.stdout.decode(errors="replace")


def build(tmp, name, source):
    path = os.path.join(tmp, name)
    subprocess.run(["riscv64-linux-gnu-gcc", "-O2", "-static", "-o", path, "-x", "c", "-"],
                   input=source, check=True)
    return path


def stats_of(program, options):
    r = subprocess.run([rewind, "user", "--tier=auto", "--stats"] + options + [program],
                       capture_output=True, timeout=600)
    text = r.stderr.decode(errors="replace")
    m = re.search(r"llvm: (\d+) blocks queued .*?(\d+) installed, \d+ failed, \d+ discarded, "
                  r"(\d+) back to template code", text)
    counts = tuple(int(g) for g in m.groups()) if m else None
    return r.returncode, r.stdout.decode(errors="replace"), counts, text


with tempfile.TemporaryDirectory() as tmp:
    short = build(tmp, "short", SHORT_STAYS)
    long_ = build(tmp, "long", LONG_STAY)
    short_expected, long_expected = reference_output(short), reference_output(long_)
    failures = 0

    def check(label, ok, detail):
        global failures
        print(("ok   " if ok else "FAIL ") + label + ": " + detail)
        failures += not ok

    status, out, counts, text = stats_of(short, ["--hot-threshold=50", "--llvm-compile-share=100"])
    check("short stays go back to template code",
          status == 0 and out == short_expected and counts and counts[1] > 0 and counts[2] > 0,
          f"status {status}, output {out.strip()}, (queued, installed, back) = {counts}")

    status, out, counts, text = stats_of(long_, ["--hot-threshold=50", "--llvm-compile-share=100"])
    share = re.search(r"([\d.]+)% of guest instructions in LLVM code", text)
    check("a long stay keeps its LLVM code",
          status == 0 and out == long_expected and counts and counts[1] > 0
          and counts[2] == 0 and share and float(share.group(1)) > 50,
          f"status {status}, output {out.strip()}, (queued, installed, back) = {counts}, "
          f"LLVM share {share.group(1) if share else None}%")

    status, out, counts, text = stats_of(short, ["--hot-threshold=50", "--llvm-compile-share=1"])
    # The same program queues 16 regions under a full share: here not one.
    check("a short run under a 1% share queues and compiles nothing",
          status == 0 and out == short_expected and counts and counts[0] == 0 and counts[1] == 0,
          f"status {status}, output {out.strip()}, (queued, installed, back) = {counts}")
    sys.exit(1 if failures else 0)
