#!/usr/bin/env python3
"""Record/replay benchmark on the Linux boot (OpenSBI + test kernel + initramfs workload to
power-off, no disk, no rng, no typed input — a configuration QEMU's record/replay also takes).

  python3 tools/bench/bench-record.py [--runs 5] [--work 3] [--rewind build/bin/rewind]

Interleaved in one run, medians of --runs:
  * `rewind run` vs `rewind record` (recording overhead), `rewind replay` (replay speed);
  * trace size: Rewind's vs `qemu-system-riscv64 -icount shift=auto,rr=record` of the same boot
    (and QEMU's plain and rr-record wall times for reference);
  * snapshot save and load time of the booted 256 MiB guest (`run --save-at` / `--load`,
    timed inside rewind and printed with --stats), and the snapshot's size.
Prints a Markdown table for docs/PERFORMANCE.md.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"


def cached(script):
    p = subprocess.run(["bash", os.path.join(ROOT, "tools", "system", script)],
                       capture_output=True, text=True, check=True)
    return p.stdout.strip().splitlines()[-1]


def timed(argv, what):
    t0 = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.monotonic() - t0
    if p.returncode != 0 or b"REWIND-INIT: end status=ok" not in p.stdout:
        sys.exit(f"bench-record: {what} failed (exit {p.returncode}): "
                 f"{p.stderr.decode(errors='replace').strip()[-500:]}")
    return wall, p.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", type=int, default=3)
    ap.add_argument("--rewind", default=os.path.join(ROOT, "build", "bin", "rewind"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    args = ap.parse_args()
    kernel, initrd = cached("build-linux.sh"), cached("build-initramfs.sh")
    machine = ["-M", "virt", "-m", "256M", "-nographic", "-bios", FIRMWARE, "-kernel", kernel,
               "-initrd", initrd, "-append",
               f"console=ttyS0 rewind.test=work rewind.work={args.work}"]
    work = tempfile.mkdtemp(prefix="rewind-bench-rr-")
    trace, qrr = os.path.join(work, "boot.rwd"), os.path.join(work, "boot.qrr")
    times = {k: [] for k in ("run", "record", "replay", "qemu", "qemu-rr")}
    for i in range(args.runs):
        times["run"].append(timed([args.rewind, "run"] + machine, "rewind run")[0])
        times["record"].append(timed([args.rewind, "record", "-o", trace] + machine,
                                     "rewind record")[0])
        times["replay"].append(timed([args.rewind, "replay", trace], "rewind replay")[0])
        times["qemu"].append(timed([args.qemu] + machine, "qemu")[0])
        times["qemu-rr"].append(timed([args.qemu] + machine +
                                      ["-icount", f"shift=auto,rr=record,rrfile={qrr}"],
                                      "qemu rr=record")[0])
        print(f"bench-record: run {i + 1}/{args.runs}: " +
              ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), file=sys.stderr)
    med = {k: statistics.median(v) for k, v in times.items()}
    info = subprocess.run([args.rewind, "trace", "info", trace], capture_output=True, text=True)
    m = re.search(r"clock span:\s*\d+ \.\. (\d+)", info.stdout)
    span = int(m.group(1)) if m else 0

    # Snapshot of the booted guest: at 90% of the boot's instructions.
    snap = os.path.join(work, "booted.rws")
    rec = subprocess.run([args.rewind, "replay", trace, "--stats"], capture_output=True, text=True)
    m = re.search(r"replayed (\d+) instructions", rec.stderr)
    at = int(int(m.group(1)) * 0.9) if m else 100_000_000
    saves, loads = [], []
    for _ in range(args.runs):
        _, err = timed([args.rewind, "run", "--stats", "--save-at", str(at), snap] + machine,
                       "run --save-at")
        saves.append(float(re.search(r"snapshot: saved .* in ([0-9.]+) s", err).group(1)))
        _, err = timed([args.rewind, "run", "--stats", "--load", snap], "run --load")
        loads.append(float(re.search(r"snapshot: loaded .* in ([0-9.]+) s", err).group(1)))
    snap_size = os.path.getsize(snap)

    rows = [
        ("`rewind run` (jit), boot to power-off", f"{med['run']:.2f} s", ""),
        ("`rewind record` (jit), same boot", f"{med['record']:.2f} s",
         f"overhead {100 * (med['record'] / med['run'] - 1):+.1f}%"),
        ("`rewind replay` (jit)", f"{med['replay']:.2f} s",
         f"{med['replay'] / med['record']:.2f}x the recording's time"),
        ("qemu-system-riscv64, plain", f"{med['qemu']:.2f} s", ""),
        ("qemu-system-riscv64 -icount shift=auto,rr=record", f"{med['qemu-rr']:.2f} s", ""),
        ("trace size: rewind", f"{os.path.getsize(trace):,} bytes",
         f"{span:,} instructions of virtual time"),
        ("trace size: qemu rr", f"{os.path.getsize(qrr):,} bytes",
         f"{os.path.getsize(qrr) / max(os.path.getsize(trace), 1):.0f}x Rewind's"),
        ("snapshot save, booted 256 MiB guest", f"{statistics.median(saves) * 1000:.0f} ms",
         f"file {snap_size / 2**20:.1f} MiB"),
        ("snapshot load (read + restore)", f"{statistics.median(loads) * 1000:.0f} ms", ""),
    ]
    print(f"\nmedians of {args.runs} interleaved runs, rewind.work={args.work}\n")
    print("| what | figure | note |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
