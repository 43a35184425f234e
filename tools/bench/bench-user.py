#!/usr/bin/env python3
"""User-mode benchmark: native vs qemu-riscv64 vs rewind (per tier).

Workloads: the real programs of tests/real (xz, sqlite3, mawk; inputs scaled
up with --scale) and two C benchmarks from this folder (nbody: FP, intloop:
integer), built natively and for riscv64. Each configuration runs --runs
times (default 5); the table shows the median wall time, rewind/qemu and
rewind/native ratios and guest instructions per second (from `rewind user
--stats`, which prints the retired instruction count to stderr; "n/a" while
rewind does not).

Output: a Markdown table (stdout, and --output FILE) for docs/PERFORMANCE.md.

  tools/bench/bench-user.py                       # rewind at build/bin/rewind, tier interp
  tools/bench/bench-user.py --tiers interp,jit --runs 3 --output bench.md
  tools/bench/bench-user.py --tiers "jit,auto,auto:--llvm-compile-share=100" --only xz
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "guest"))
sys.path.insert(0, os.path.join(ROOT, "tests", "real"))
import emulator as emu  # noqa: E402
import run_real  # noqa: E402
import workloads  # noqa: E402

# Accepted --stats forms, most specific first: "683 guest instructions retired",
# "instructions retired: 683", "instret=683", "683 instructions".
STATS_PATTERNS = [re.compile(r"(\d+)\s+(?:guest\s+)?(?:instructions|insns)\s+retired", re.I),
                  re.compile(r"(?:instructions\s+retired|instret)\s*[:=]\s*(\d+)", re.I),
                  re.compile(r"(\d+)\s+(?:guest\s+)?(?:instructions|insns)\b", re.I)]
C_BENCHMARKS = {"nbody": ("nbody.c", ["300000"]), "intloop": ("intloop.c", ["2000"])}


def build_c_benchmarks(outdir):
    os.makedirs(outdir, exist_ok=True)
    built = {}
    for name, (src, _) in C_BENCHMARKS.items():
        path = os.path.join(HERE, src)
        native, guest = os.path.join(outdir, name + ".native"), os.path.join(outdir, name + ".riscv64")
        subprocess.run(["gcc", "-O2", path, "-o", native, "-lm"], check=True)
        subprocess.run(["riscv64-linux-gnu-gcc", "-O2", "-static", path, "-o", guest, "-lm"], check=True)
        built[name] = (native, guest)
    return built


def parse_instret(stderr):
    text = stderr.decode(errors="replace")
    for pat in STATS_PATTERNS:
        m = pat.search(text)
        if m:
            return int(m.group(1))
    return None


class Case:
    """One benchmark: run(argv_for) executes it once and returns seconds."""

    def __init__(self, name, workload=None, c_bench=None):
        self.name, self.workload, self.c_bench = name, workload, c_bench

    def run(self, argv_for, timeout):
        """argv_for(prog_path_or_name, args) -> argv, or None if unavailable."""
        with tempfile.TemporaryDirectory(prefix="rewind-bench-") as tmp:
            if self.c_bench:
                argv = argv_for(self.c_bench[0], self.c_bench[1])
                if argv is None:
                    return None, None
                start = time.monotonic()
                status, _, err = emu.run(argv, cwd=tmp, timeout=timeout)
                elapsed = time.monotonic() - start
                return (elapsed if status == 0 else None), parse_instret(err)
            run_real.prepare(self.workload, tmp)
            total, instret = 0.0, 0
            for step in self.workload["steps"]:
                argv = argv_for(step["prog"], step["args"])
                if argv is None:
                    return None, None
                stdin = os.path.join(tmp, step["stdin"]) if step.get("stdin") else None
                start = time.monotonic()
                status, out, err = emu.run(argv, cwd=tmp, stdin_path=stdin, timeout=timeout)
                total += time.monotonic() - start
                if status != 0:
                    return None, None
                if step.get("stdout"):
                    with open(os.path.join(tmp, step["stdout"]), "wb") as fh:
                        fh.write(out)
                n = parse_instret(err)
                instret = instret + n if (n is not None and instret is not None) else None
            return total, instret


def median_time(case, argv_for, runs, timeout):
    times, instret = [], None
    for _ in range(runs):
        t, n = case.run(argv_for, timeout)
        if t is None:
            return None, None
        times.append(t)
        instret = n
    return statistics.median(times), instret


def fmt_time(t):
    return "n/a" if t is None else "%.3f" % t


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else "%.2fx" % (a / b)


def fmt_rate(n, t):
    if n is None or t is None or t == 0:
        return "n/a"
    return "%.1f M/s" % (n / t / 1e6)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rewind", default=os.path.join(ROOT, "build", "bin", "rewind"))
    ap.add_argument("--tiers", default="interp",
                    help="comma-separated rewind tiers, each optionally TIER:OPTIONS "
                         "(e.g. auto:--llvm-compile-share=100)")
    ap.add_argument("--qemu", default="qemu-riscv64")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scale", type=int, default=4, help="input scale of the real-program workloads")
    ap.add_argument("--only", help="comma-separated subset of benchmarks")
    ap.add_argument("--bindir", help="real-program binaries (default: run build-real-programs.sh)")
    ap.add_argument("--sysroot", default=emu.DEFAULT_SYSROOT)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--output", help="also write the Markdown table here")
    opts = ap.parse_args()

    cache = os.environ.get("REWIND_CACHE", os.path.expanduser("~/.cache/rewind"))
    bench_dir = os.path.join(cache, "bench")
    bindir = opts.bindir
    if not bindir:
        bindir = os.path.join(bench_dir, "real")
        subprocess.run([os.path.join(ROOT, "tests", "real", "build-real-programs.sh"), bindir], check=True)
    c_bins = build_c_benchmarks(os.path.join(bench_dir, "c"))

    cases = [Case(name, workload=fn(opts.scale)) for name, fn in sorted(workloads.WORKLOADS.items())]
    cases += [Case(name, c_bench=(name, args)) for name, (_, args) in C_BENCHMARKS.items()]
    if opts.only:
        keep = set(opts.only.split(","))
        cases = [c for c in cases if c.name in keep]

    def guest_path(prog):
        return c_bins[prog][1] if prog in c_bins else os.path.join(bindir, prog)

    def native_argv(prog, args):
        if prog in c_bins:
            return [c_bins[prog][0]] + list(args)
        host = shutil.which(prog)   # the host's Debian build of the same program, if installed
        return [host] + list(args) if host else None

    def qemu_argv(prog, args):
        return emu.command(opts.qemu, "", guest_path(prog), args, opts.sysroot)

    tiers = [t for t in opts.tiers.split(",") if t]
    have_rewind = os.access(opts.rewind, os.X_OK)

    def rewind_argv_for(spec, stats=False):
        # A tier spec is a tier name, optionally with rewind options after a colon:
        # "auto:--hot-threshold=20000 --llvm-compile-share=100".
        tier, _, options = spec.partition(":")
        def argv_for(prog, args):
            if not have_rewind:
                return None
            return emu.command(opts.rewind + " user", tier, guest_path(prog), args, opts.sysroot,
                               extra=options.split() + (["--stats"] if stats else []))
        return argv_for

    header = ["benchmark", "native (s)", "qemu (s)"]
    for t in tiers:
        header += ["rewind %s (s)" % t, "%s / qemu" % t, "%s / native" % t, "%s guest insn/s" % t]
    rows = []
    for case in cases:
        print("running %s ..." % case.name, file=sys.stderr)
        native, _ = median_time(case, native_argv, opts.runs, opts.timeout)
        qemu, _ = median_time(case, qemu_argv, opts.runs, opts.timeout)
        row = [case.name, fmt_time(native), fmt_time(qemu)]
        for t in tiers:
            # Timed runs without --stats; one extra run with it for the count.
            rt, _ = median_time(case, rewind_argv_for(t), opts.runs, opts.timeout)
            instret = case.run(rewind_argv_for(t, stats=True), opts.timeout)[1] if rt is not None else None
            row += [fmt_time(rt), fmt_ratio(rt, qemu), fmt_ratio(rt, native), fmt_rate(instret, rt)]
        rows.append(row)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    notes = ["", "Median of %d runs; real-program inputs at scale %d; host: %s, %d cores; %s."
             % (opts.runs, opts.scale, platform.processor() or platform.machine(), os.cpu_count() or 0,
                time.strftime("%Y-%m-%d")),
             "native xz/mawk/sqlite3 are the host's Debian builds when installed (else n/a); "
             "rewind n/a = not built or the run failed."]
    if not have_rewind:
        notes.append("rewind not found at %s." % opts.rewind)
    table = "\n".join(lines + notes) + "\n"
    sys.stdout.write(table)
    if opts.output:
        with open(opts.output, "w") as fh:
            fh.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
