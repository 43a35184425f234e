#!/usr/bin/env python3
"""Run one bare-metal test ELF on a full-system emulator and check it.

    run_baremetal.py --emulator "qemu-system-riscv64" --elf traps.elf --expect traps.expected
    run_baremetal.py --emulator "build/bin/rewind run --tier=jit" --elf traps.elf --expect traps.expected

The emulator is started as
    EMULATOR -M MACHINE -m 128M -nographic -bios none -kernel ELF [EXTRA...]
with stdin from /dev/null. The test reports its verdict through the sifive_test
finisher (or HTIF tohost), which becomes the emulator's exit status; the
runner checks that status (--status, default 0) and, with --expect, that the
console output (carriage returns dropped) equals the file exactly.

--qemu-arg ARG is passed only when the emulator is QEMU (e.g. to select what
Rewind's machine does by default). For QEMU on `virt` the runner always adds
`-global virtio-mmio.force-legacy=false`: QEMU 7.2's virtio-mmio transports
are legacy (version 1) by default, Rewind's (and the tests') are version 2.
"""
import argparse
import difflib
import os
import shlex
import subprocess
import sys


def is_qemu(argv):
    return os.path.basename(argv[0]).startswith("qemu")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emulator", required=True, help="emulator command, split shell-style")
    ap.add_argument("--elf", required=True)
    ap.add_argument("--expect", help="file with the exact expected console output")
    ap.add_argument("--status", type=int, default=0, help="expected exit status (default 0)")
    ap.add_argument("--machine", default="virt")
    ap.add_argument("--memory", default="128M")
    ap.add_argument("--extra", action="append", default=[],
                    help="extra emulator argument (repeatable), e.g. --extra=-device --extra=virtio-rng-device")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    help="extra argument passed only to QEMU (repeatable)")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()

    argv = shlex.split(opts.emulator)
    argv += ["-M", opts.machine, "-m", opts.memory, "-nographic", "-bios", "none",
             "-kernel", os.path.abspath(opts.elf)]
    argv += opts.extra
    if is_qemu(argv):
        if opts.machine == "virt":
            argv += ["-global", "virtio-mmio.force-legacy=false"]
        argv += opts.qemu_arg
    cmdline = " ".join(shlex.quote(a) for a in argv)
    if opts.verbose:
        print("run: " + cmdline)

    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=opts.timeout)
        status, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        status, out, err = None, e.stdout or b"", e.stderr or b""
    text = out.decode(errors="replace").replace("\r", "")

    problems = []
    if status is None:
        problems.append("timed out after %gs (no finisher/tohost write?)" % opts.timeout)
    elif status != opts.status:
        problems.append("exit status %d, expected %d" % (status, opts.status))
    if opts.expect:
        with open(opts.expect, encoding="utf-8") as fh:
            want = fh.read()
        if text != want:
            diff = difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                        "expected", "console")
            problems.append("console output differs from %s:\n%s" % (opts.expect, "".join(list(diff)[:200])))

    if problems:
        print("ran: " + cmdline)
        for p in problems:
            print("FAIL: " + p)
        print("---- console ----")
        print(text, end="" if text.endswith("\n") or not text else "\n")
        if err:
            print("---- stderr (last 2000 bytes) ----")
            print(err[-2000:].decode(errors="replace"))
        return 1
    print("PASS %s (status %d)" % (os.path.basename(opts.elf), status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
