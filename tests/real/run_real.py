#!/usr/bin/env python3
"""Run a real-program workload (see workloads.py) under the reference
emulator and the emulator under test, and compare every step's exit status
and every produced file byte for byte. Roundtrip pairs (e.g. xz -d of xz's
output equals the original) are checked in both runs too.

  run_real.py --emulator "build/bin/rewind user" --tier interp \\
      --bindir build/tests/real/bin xz
"""
import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "guest"))
import emulator as emu  # noqa: E402
import workloads  # noqa: E402


def prepare(workload, workdir):
    for name, data in workload["inputs"].items():
        with open(os.path.join(workdir, name), "wb") as fh:
            fh.write(data)


def run_steps(workload, argv_for, workdir, timeout):
    """Runs every step in workdir. argv_for(prog, args) -> argv.
    Returns a list of (step, status, stderr, seconds)."""
    results = []
    for step in workload["steps"]:
        argv = argv_for(step["prog"], step["args"])
        stdin = os.path.join(workdir, step["stdin"]) if step.get("stdin") else None
        start = time.monotonic()
        status, out, err = emu.run(argv, cwd=workdir, stdin_path=stdin, timeout=timeout)
        seconds = time.monotonic() - start
        if step.get("stdout"):
            with open(os.path.join(workdir, step["stdout"]), "wb") as fh:
                fh.write(out)
        results.append((step, status, err, seconds))
        if status != 0:
            break
    return results


def file_bytes(path):
    with open(path, "rb") as fh:
        return fh.read()


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def check_same_pairs(workload, workdir, label):
    problems = []
    for a, b in workload["same"]:
        pa, pb = os.path.join(workdir, a), os.path.join(workdir, b)
        if not (os.path.exists(pa) and os.path.exists(pb)) or file_bytes(pa) != file_bytes(pb):
            problems.append("%s: %s and %s differ (roundtrip broken)" % (label, a, b))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--tier", default="")
    ap.add_argument("--reference", default="qemu-riscv64")
    ap.add_argument("--bindir", required=True, help="directory with the cross-built xz, sqlite3, mawk")
    ap.add_argument("--sysroot", default=emu.DEFAULT_SYSROOT)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    opts = ap.parse_args()

    workload = workloads.WORKLOADS[opts.workload](opts.scale)
    bindir = os.path.abspath(opts.bindir)
    problems = []
    with tempfile.TemporaryDirectory(prefix="rewind-real-") as tmp:
        ref_dir, emu_dir = os.path.join(tmp, "reference"), os.path.join(tmp, "emulator")
        os.mkdir(ref_dir)
        os.mkdir(emu_dir)
        prepare(workload, ref_dir)
        prepare(workload, emu_dir)

        def ref_argv(prog, args):
            return emu.command(opts.reference, "", os.path.join(bindir, prog), args, opts.sysroot)

        def emu_argv(prog, args):
            return emu.command(opts.emulator, opts.tier, os.path.join(bindir, prog), args, opts.sysroot,
                               extra=emu.TEST_TIER_OPTIONS.get(opts.tier, []))

        ref_results = run_steps(workload, ref_argv, ref_dir, opts.timeout)
        emu_results = run_steps(workload, emu_argv, emu_dir, opts.timeout)
        for (step, rs, rerr, rsec), (_, es, eerr, esec) in zip(ref_results, emu_results):
            line = "%s %s" % (step["prog"], " ".join(step["args"]))[:100]
            print("step: %-70s reference %s (%.2fs), emulator %s (%.2fs)"
                  % (line, emu.describe_status(rs), rsec, emu.describe_status(es), esec))
            if rs != 0:
                problems.append("reference failed on step %r: %s" % (line, rerr[-1000:].decode(errors="replace")))
            if es != rs:
                problems.append("step %r: reference %s, emulator %s\nemulator stderr: %s"
                                % (line, emu.describe_status(rs), emu.describe_status(es),
                                   eerr[-1500:].decode(errors="replace")))
        if len(emu_results) < len(ref_results):
            problems.append("emulator run stopped after %d of %d steps" % (len(emu_results), len(ref_results)))

        problems += check_same_pairs(workload, ref_dir, "reference")
        problems += check_same_pairs(workload, emu_dir, "emulator")
        names = sorted(set(os.listdir(ref_dir)) | set(os.listdir(emu_dir)))
        for name in names:
            pr, pe = os.path.join(ref_dir, name), os.path.join(emu_dir, name)
            if not os.path.exists(pe):
                problems.append("file %s missing in the emulator run" % name)
            elif not os.path.exists(pr):
                problems.append("file %s only produced by the emulator" % name)
            else:
                a, b = file_bytes(pr), file_bytes(pe)
                if a != b:
                    off = first_difference(a, b)
                    problems.append("file %s differs: %d vs %d bytes, first difference at offset %d\n"
                                    "  reference: %r\n  emulator:  %r" % (name, len(a), len(b), off,
                                                                         a[off:off + 60], b[off:off + 60]))
                else:
                    print("same: %s (%d bytes)" % (name, len(a)))

    for p in problems:
        print("FAIL: " + p)
    print("%s: %s" % (opts.workload, "PASS" if not problems else "FAILED (%d problems)" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
