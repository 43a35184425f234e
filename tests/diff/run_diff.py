#!/usr/bin/env python3
"""Differential tester: random RV64GC sequences under qemu-riscv64 vs an emulator.

Sequences seed .. seed+count-1 (see gen_diff.py) are packed into static ELFs
of --per-elf sequences each, run under the reference and under the emulator,
and the printed register/memory state after every sequence is compared.

Reproduce one failing sequence exactly:
  tests/diff/run_diff.py --seed 123456 --count 1 --emulator "build/bin/rewind user" --tier interp

On a mismatch it prints the sequence's seed, its index in the run, its
instruction listing and every differing register.
"""
import argparse
import concurrent.futures
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "guest"))
import gen_diff  # noqa: E402
import emulator as emu  # noqa: E402

MAX_REPORTED = 3


def build_elf(workdir, first_seed, count, cc):
    src = os.path.join(workdir, "diff_%d_%d.S" % (first_seed, count))
    elf = src[:-2]
    with open(src, "w") as fh:
        fh.write(gen_diff.build_program(first_seed, count))
    # --no-relax: gp is a random test register, so no gp-relative relaxation.
    subprocess.run([cc, "-nostdlib", "-static", "-Wl,--no-relax", "-march=rv64gc", "-mabi=lp64d",
                    src, os.path.join(HERE, "diff_runtime.S"), "-o", elf], check=True)
    return elf


def parse(line):
    words = line.split()
    if len(words) != len(gen_diff.STATE_LAYOUT):
        return None
    return dict(zip(gen_diff.STATE_LAYOUT, words))


def compare_chunk(first_seed, count, ref_out, emu_out, ref_status, emu_status, how=""):
    """Returns a list of human-readable problem reports (empty = all equal)."""
    problems = []
    ref_lines = ref_out.decode(errors="replace").splitlines()
    emu_lines = emu_out.decode(errors="replace").splitlines()
    if ref_status != 0 or len(ref_lines) != count:
        problems.append("reference itself failed on seeds %d..%d: %s, %d/%d lines (generator bug?)"
                        % (first_seed, first_seed + count - 1, emu.describe_status(ref_status),
                           len(ref_lines), count))
        return problems
    for i in range(count):
        seed = first_seed + i
        if i >= len(emu_lines):
            problems.append(report(how, seed, None, "emulator stopped before finishing this sequence (%s)"
                                   % emu.describe_status(emu_status)))
            break
        want, got = parse(ref_lines[i]), parse(emu_lines[i])
        if got is None:
            problems.append(report(how, seed, None, "malformed output line: %r" % emu_lines[i][:200]))
            break
        diffs = [(k, want[k], got[k]) for k in gen_diff.STATE_LAYOUT
                 if k not in gen_diff.UNCOMPARED and want[k] != got[k]]
        if diffs:
            problems.append(report(how, seed, diffs, None))
        if len(problems) >= MAX_REPORTED:
            break
    if not problems and emu_status != 0:
        problems.append("all sequences matched but the emulator ended with %s" % emu.describe_status(emu_status))
    return problems


def report(how, seed, diffs, note):
    seq = gen_diff.Sequence(seed)
    out = ["MISMATCH in sequence seed %d" % seed,
           "  reproduce: tests/diff/run_diff.py --seed %d --count 1 %s" % (seed, how)]
    if note:
        out.append("  " + note)
    out.append("  initial fcsr=0x%02x, s1(x9)=scratch+%d; listing:" % (seq.fcsr_init, gen_diff.BUF_HALF))
    out.append(seq.listing())
    if diffs:
        out.append("  %-10s %-18s %-18s" % ("register", "reference", "emulator"))
        for name, want, got in diffs:
            out.append("  %-10s %s   %s" % (name, want, got))
    return "\n".join(out)


def run_chunk(opts, workdir, first_seed, count):
    elf = build_elf(workdir, first_seed, count, opts.cc)
    ref = emu.run(emu.command(opts.reference, "", elf, sysroot=""), cwd=workdir, timeout=opts.timeout)
    test = emu.run(emu.command(opts.emulator, opts.tier, elf, sysroot="",
                               extra=emu.TEST_TIER_OPTIONS.get(opts.tier, [])),
                   cwd=workdir, timeout=opts.timeout)
    how = "--emulator %s" % shlex.quote(opts.emulator) + (" --tier " + opts.tier if opts.tier else "")
    problems = compare_chunk(first_seed, count, ref[1], test[1], ref[0], test[0], how)
    if problems and test[2]:
        problems.append("emulator stderr (tail): " + test[2][-1500:].decode(errors="replace"))
    if not opts.keep:
        for path in (elf, elf + ".S"):
            if os.path.exists(path):
                os.unlink(path)
    return first_seed, count, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1, help="first sequence seed")
    ap.add_argument("--count", type=int, default=100, help="number of sequences")
    ap.add_argument("--emulator", required=True, help="emulator under test, e.g. 'build/bin/rewind user'")
    ap.add_argument("--tier", default="", help="rewind tier (--tier=T; ignored for qemu)")
    ap.add_argument("--reference", default="qemu-riscv64")
    ap.add_argument("--per-elf", type=int, default=100, help="sequences per generated program")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cc", default="riscv64-linux-gnu-gcc")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--workdir", help="keep generated sources/ELFs here (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep generated files (implies a workdir)")
    opts = ap.parse_args()

    tmp = None
    workdir = opts.workdir
    if not workdir:
        if opts.keep:
            workdir = tempfile.mkdtemp(prefix="rewind-diff-")
        else:
            tmp = tempfile.TemporaryDirectory(prefix="rewind-diff-")
            workdir = tmp.name
    os.makedirs(workdir, exist_ok=True)

    chunks = [(s, min(opts.per_elf, opts.seed + opts.count - s))
              for s in range(opts.seed, opts.seed + opts.count, opts.per_elf)]
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        for first, count, problems in pool.map(lambda c: run_chunk(opts, workdir, *c), chunks):
            if problems:
                failed += 1
                print("chunk seeds %d..%d: FAILED" % (first, first + count - 1))
                for p in problems:
                    print(p)
    if opts.keep:
        print("generated files kept in " + workdir)
    print("diff: %d sequences in %d programs, %d programs with mismatches (seeds %d..%d, emulator %r%s)"
          % (opts.count, len(chunks), failed, opts.seed, opts.seed + opts.count - 1, opts.emulator,
             ", tier " + opts.tier if opts.tier else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
