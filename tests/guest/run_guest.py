#!/usr/bin/env python3
"""Run one guest program under an emulator and check it.

Checks stdout against an .expected file and the exit status against
--status (a number or a signal name: the guest dying by SIGILL must make the
emulator die by SIGILL, as qemu-riscv64 does). With --reference, the program
is also run under the reference emulator and both runs must agree.

  run_guest.py --emulator "build/bin/rewind user" --tier interp \\
      --expected rv64i.expected --status 0 build/tests/guest/rv64i
"""
import argparse
import difflib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulator as emu  # noqa: E402


def show_diff(label_a, a, label_b, b):
    lines = difflib.unified_diff(a.decode(errors="replace").splitlines(True),
                                 b.decode(errors="replace").splitlines(True), label_a, label_b)
    sys.stdout.writelines(list(lines)[:200])
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emulator", required=True, help="emulator command, e.g. 'build/bin/rewind user'")
    ap.add_argument("--tier", default="", help="rewind execution tier (ignored for qemu)")
    ap.add_argument("--sysroot", default=emu.DEFAULT_SYSROOT, help="-L prefix for dynamic guests")
    ap.add_argument("--expected", help="file with the exact expected stdout")
    ap.add_argument("--status", default="0", help="expected exit code or signal name")
    ap.add_argument("--reference", help="also run under this emulator and require identical results")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("prog")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    opts = ap.parse_args()

    opts.prog = os.path.abspath(opts.prog)  # the guest runs in its own temporary directory
    argv = emu.command(opts.emulator, opts.tier, opts.prog, opts.args, opts.sysroot,
                       extra=emu.TEST_TIER_OPTIONS.get(opts.tier, []))
    status, out, err = emu.run(argv, timeout=opts.timeout)
    ok = True
    print("ran: " + " ".join(argv))
    print("status: " + emu.describe_status(status))

    if opts.expected:
        with open(opts.expected, "rb") as fh:
            want = fh.read()
        if out != want:
            ok = False
            print("FAIL: stdout differs from " + opts.expected)
            show_diff("expected", want, "actual", out)
        want_status = emu.parse_status(opts.status)
        if status != want_status:
            ok = False
            print("FAIL: expected %s, got %s" % (emu.describe_status(want_status), emu.describe_status(status)))

    if opts.reference:
        ref_argv = emu.command(opts.reference, "", opts.prog, opts.args, opts.sysroot)
        ref_status, ref_out, _ = emu.run(ref_argv, timeout=opts.timeout)
        if ref_out != out:
            ok = False
            print("FAIL: stdout differs from the reference (%s)" % opts.reference)
            show_diff("reference", ref_out, "emulator", out)
        if ref_status != status:
            ok = False
            print("FAIL: reference gave %s, emulator %s" % (emu.describe_status(ref_status),
                                                          emu.describe_status(status)))

    if not ok and err:
        print("emulator stderr (last 2000 bytes):")
        print(err[-2000:].decode(errors="replace"))
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
