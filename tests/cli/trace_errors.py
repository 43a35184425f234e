#!/usr/bin/env python3
"""Damaged or mismatched traces and snapshots, and bad record/replay options, must give a
one-line error naming the problem and a non-zero exit — never a crash or a hang. A tiny
bare-metal kernel (built here with the riscv64 cross compiler) is recorded first, so every
case starts from a real trace and snapshot."""
import os
import subprocess
import sys
import tempfile

rewind = sys.argv[1]

KERNEL_S = b"""
.globl _start
_start:
  li t2, 3000000          # some work, so the run spans several polls
1: addi t2, t2, -1
  bnez t2, 1b
  li t0, 0x100000         # sifive_test: power off
  li t1, 0x5555
  sw t1, 0(t0)
2: j 2b
"""

failures = 0


def check(name, args, want_status, word, stdin=None):
    global failures
    r = subprocess.run([rewind] + args, capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    err = r.stderr.decode(errors="replace")
    lines = [l for l in err.splitlines() if l.strip()]
    # Usage errors (status 2) come from the argument parser, which adds a "--help" hint line.
    one_line = len(lines) == 1 or (want_status == 2 and len(lines) == 2 and "--help" in lines[1])
    ok = (r.returncode == want_status and one_line and lines and word.lower() in lines[0].lower())
    print(("ok   " if ok else "FAIL ") + f"{name} -> status {r.returncode}: {err.strip()}")
    failures += not ok


with tempfile.TemporaryDirectory() as tmp:
    def path(name):
        return os.path.join(tmp, name)

    def write(name, data):
        with open(path(name), "wb") as f:
            f.write(data)
        return path(name)

    src = write("k.S", KERNEL_S)
    elf, kernel = path("kernel.elf"), path("kernel.bin")
    subprocess.run(["riscv64-linux-gnu-gcc", "-nostdlib", "-static", "-Wl,-Ttext=0x80000000",
                    "-o", elf, src], check=True)
    # Raw: with -bios none it is loaded at the start of RAM.
    subprocess.run(["riscv64-linux-gnu-objcopy", "-O", "binary", "-j", ".text", elf, kernel], check=True)
    trace = path("run.rwd")
    r = subprocess.run([rewind, "record", "-o", trace, "-bios", "none", "-kernel", kernel,
                        "--hash-interval", "2000000"], capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(f"FAIL recording the test kernel: {r.stderr.decode()}")
    r = subprocess.run([rewind, "replay", trace, "--save-at", "4000000", path("mid.rws")],
                       capture_output=True, timeout=60)
    if r.returncode != 0 or b"matches the recording" not in r.stderr:
        sys.exit(f"FAIL replaying the test kernel: {r.stderr.decode()}")
    r = subprocess.run([rewind, "run", "-bios", "none", "-kernel", kernel, "--save-at", "1000",
                        path("live.rws")], capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(f"FAIL run --save-at on the test kernel: {r.stderr.decode()}")
    good = open(trace, "rb").read()
    snap = open(path("mid.rws"), "rb").read()

    # Traces.
    check("replay: missing file", ["replay", path("missing.rwd")], 1, "missing.rwd")
    check("replay: not a trace", ["replay", write("text.rwd", b"hello, world\n" * 10)], 1,
          "not a Rewind trace")
    check("replay: empty file", ["replay", write("empty.rwd", b"")], 1, "empty.rwd")
    check("replay: cut inside the header", ["replay", write("short.rwd", good[:30])], 1,
          "short.rwd")
    newer = bytearray(good)
    newer[8] = 99  # format version
    check("replay: unsupported version", ["replay", write("v99.rwd", bytes(newer))], 1,
          "version")
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x10
    check("replay: corrupt chunk", ["replay", write("flip.rwd", bytes(flipped))], 1, "corrupt")
    check("trace info: not a trace", ["trace", "info", path("text.rwd")], 1, "not a Rewind trace")
    check("trace dump: corrupt", ["trace", "dump", path("short.rwd")], 1, "short.rwd")

    check("replay --from: missing", ["replay", trace, "--from", path("nope.rws")], 1, "nope.rws")
    check("replay --from: a live-run snapshot", ["replay", trace, "--from", path("live.rws")],
          1, "not taken during a replay")

    # Images that changed or vanished since the recording.
    with open(kernel, "ab") as f:
        f.write(b"\0")
    check("replay: changed kernel", ["replay", trace], 1, "differs from the recorded")
    check("run --load: changed kernel", ["run", "--load", path("mid.rws")], 1,
          "differs from the recorded")
    os.remove(kernel)
    check("replay: missing kernel", ["replay", trace], 1, "not readable")

    # Snapshots.
    check("run --load: missing", ["run", "--load", path("nope.rws")], 1, "nope.rws")
    check("run --load: a trace is not a snapshot", ["run", "--load", trace], 1,
          "not a Rewind snapshot")
    check("run --load: truncated", ["run", "--load", write("cut.rws", snap[:len(snap) // 2])],
          1, "cut.rws")
    bad_snap = bytearray(snap)
    bad_snap[len(snap) // 3] ^= 0x01
    check("run --load: corrupt", ["run", "--load", write("bad.rws", bytes(bad_snap))], 1,
          "bad.rws")

    # Options and outputs.
    check("record: unwritable output", ["record", "-o", path("no/such/dir/x.rwd"), "-bios",
                                        "none", "-kernel", path("k.S")], 1, "x.rwd")
    check("record: no -o", ["record", "-bios", "none"], 2, "output")
    check("replay: --save-at not a number", ["replay", trace, "--save-at", "soon",
                                             path("x.rws")], 2, "instruction count")

print("trace_errors: " + ("PASS" if failures == 0 else f"{failures} FAILED"))
sys.exit(1 if failures else 0)
