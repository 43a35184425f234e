#!/usr/bin/env python3
"""Reverse-debugging benchmark: gdb-multiarch on a replay of a long Linux boot.

  python3 tools/bench/bench-gdb.py [--runs 3] [--work 200] [--rewind build/bin/rewind]

Records the boot (OpenSBI + test kernel + initramfs /init workload at scale --work, to
power-off; --work 200 makes a recording of ~10 s on the 2-core development machine), then for
each run starts `rewind replay -gdb tcp::0` and drives gdb-multiarch (timings taken inside gdb
with its Python, so they include gdb's own work and the remote protocol round trips):
  * `continue` from the start to the end of the recording (checkpoints taken on the way);
  * 20 x `reverse-stepi` at the end of the history: median and worst latency;
  * `reverse-continue` from the end to a breakpoint on start_kernel, across the whole boot;
  * checkpoint count and host memory (`monitor stats`) after all that.
Prints a Markdown table for docs/PERFORMANCE.md with the medians over --runs.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

GDB_SCRIPT = r'''
import time
def timed(command):
    t0 = time.monotonic()
    gdb.execute(command, to_string=True)
    return time.monotonic() - t0
print("BENCH continue_s=%.4f" % timed("continue"))
steps = [timed("reverse-stepi") for _ in range(20)]
print("BENCH rstepi_s=" + ",".join("%.5f" % s for s in steps))
gdb.execute("break start_kernel", to_string=True)
print("BENCH rcontinue_s=%.4f" % timed("reverse-continue"))
print("BENCH at=" + gdb.execute("monitor when", to_string=True).strip())
print("BENCH stats=" + gdb.execute("monitor stats", to_string=True).replace("\n", " | "))
gdb.execute("detach", to_string=True)
'''


def cached(script):
    p = subprocess.run(["bash", os.path.join(ROOT, "tools", "system", script)],
                       capture_output=True, text=True, check=True)
    return p.stdout.strip().splitlines()[-1]


def one_session(rewind, trace, vmlinux, script):
    proc = subprocess.Popen([rewind, "replay", trace, "-gdb", "tcp::0"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = None
    for line in proc.stderr:
        m = re.search(r"waiting for gdb on [^:]+:(\d+)", line)
        if m:
            port = m.group(1)
            break
    if port is None:
        sys.exit("bench-gdb: rewind did not start its gdb server")
    out = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-ex", "set pagination off",
                          "-ex", f"file {vmlinux}", "-ex", f"target remote 127.0.0.1:{port}",
                          "-x", script], capture_output=True, text=True, timeout=3600)
    proc.wait(timeout=120)
    text = out.stdout + out.stderr
    found = dict(re.findall(r"^BENCH (\w+)=(.*)$", text, re.M))
    if len(found) != 5 or "start_kernel" not in text:
        sys.exit(f"bench-gdb: the gdb session did not complete:\n{text[-3000:]}")
    steps = [float(s) for s in found["rstepi_s"].split(",")]
    stats = found["stats"]
    mib = re.search(r"([\d.]+) MiB", stats)
    count = re.search(r"(\d+) checkpoints", stats)
    return {
        "continue": float(found["continue_s"]),
        "rstepi_median": statistics.median(steps),
        "rstepi_max": max(steps),
        "rcontinue": float(found["rcontinue_s"]),
        "checkpoint_mib": float(mib.group(1)) if mib else float("nan"),
        "checkpoints": int(count.group(1)) if count else -1,
        "stats": stats,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=int, default=200)
    ap.add_argument("--rewind", default=os.path.join(ROOT, "build", "bin", "rewind"))
    args = ap.parse_args()
    if shutil.which("gdb-multiarch") is None:
        sys.exit("bench-gdb: gdb-multiarch is not installed (tools/install-deps.sh)")
    image = cached("build-linux.sh")
    vmlinux = os.path.join(os.path.dirname(image), "vmlinux")
    initramfs = cached("build-initramfs.sh")
    work = tempfile.mkdtemp(prefix="rewind-bench-gdb-")
    try:
        trace = os.path.join(work, "boot.rwd")
        t0 = time.monotonic()
        rec = subprocess.run([args.rewind, "record", "-o", trace, "-M", "virt", "-m", "256M",
                              "-nographic", "-bios", FIRMWARE, "-kernel", image, "-initrd",
                              initramfs, "-append",
                              f"console=ttyS0 rewind.test=work rewind.work={args.work}"],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True)
        record_s = time.monotonic() - t0
        m = re.search(r"recorded (\d+) instructions", rec.stderr)
        if rec.returncode != 0 or not m:
            sys.exit(f"bench-gdb: recording failed: {rec.stderr.strip()}")
        instructions = int(m.group(1))
        script = os.path.join(work, "bench.py")
        with open(script, "w") as f:
            f.write(GDB_SCRIPT)
        results = []
        for i in range(args.runs):
            r = one_session(args.rewind, trace, vmlinux, script)
            print(f"run {i + 1}: continue {r['continue']:.2f} s, reverse-stepi median "
                  f"{r['rstepi_median'] * 1000:.1f} ms (max {r['rstepi_max'] * 1000:.1f}), "
                  f"reverse-continue {r['rcontinue']:.2f} s; {r['stats']}", file=sys.stderr)
            results.append(r)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = lambda key: statistics.median(r[key] for r in results)
    print(f"| what | figure | note |\n|---|---|---|")
    print(f"| recording | {record_s:.1f} s | {instructions / 1e9:.2f} G instructions, "
          f"work scale {args.work} |")
    print(f"| `continue` start to end under gdb | {med('continue'):.1f} s | replay with "
          f"checkpoints on the way |")
    print(f"| `reverse-stepi` at the end of the history | {med('rstepi_median') * 1000:.1f} ms "
          f"| median of 20 per run; worst {med('rstepi_max') * 1000:.1f} ms |")
    print(f"| `reverse-continue` end to start_kernel | {med('rcontinue'):.1f} s | across the "
          f"whole boot |")
    print(f"| checkpoint memory | {med('checkpoint_mib'):.0f} MiB | "
          f"{int(med('checkpoints'))} checkpoints, budget 512 MiB |")
    print(f"\n{args.runs} runs, medians.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
