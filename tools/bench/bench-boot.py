#!/usr/bin/env python3
"""Linux boot benchmark: OpenSBI + the test kernel + initramfs (with a userspace workload) to
power-off, wall time on qemu-system-riscv64 -M virt and on `rewind run` (each tier asked for),
interleaved in one run so the machine's load affects all alike; medians and ratios.

  python3 tools/bench/bench-boot.py [--runs 5] [--tiers jit,interp] [--work 3] [--output f.md]

Boots go through tests/system/run_boot.py (same kernel, initramfs, disk and checks as the boot
tests), so a run that does not reach power-off correctly is an error, not a figure. One extra
`rewind run --stats` boot per tier reports where the time goes: instructions, translation
time and the soft MMU's slow-path counts.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RUN_BOOT = os.path.join(ROOT, "tests", "system", "run_boot.py")


def boot_once(emulator, work):
    p = subprocess.run([sys.executable, RUN_BOOT, "linux", "--emulator", emulator,
                        "--work", str(work)], capture_output=True, text=True)
    m = re.search(r"run_boot: PASS linux \(([0-9.]+) s", p.stdout)
    if p.returncode != 0 or not m:
        sys.exit(f"bench-boot: boot failed on {emulator}: {p.stdout.strip()} {p.stderr.strip()}")
    return float(m.group(1))


def cached(script):
    p = subprocess.run(["bash", os.path.join(ROOT, "tools", "system", script)],
                       capture_output=True, text=True, check=True)
    return p.stdout.strip().splitlines()[-1]


def stats_boot(rewind, tier, work):
    kernel, initrd = cached("build-linux.sh"), cached("build-initramfs.sh")
    p = subprocess.run([rewind, "run", "--tier", tier, "-m", "256M", "-kernel", kernel,
                        "-initrd", initrd, "--stats", "-append",
                        f"console=ttyS0 rewind.test=work rewind.work={work}"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    return [l.removeprefix("rewind: ") for l in p.stderr.splitlines() if l.startswith("rewind: ")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tiers", default="jit")
    ap.add_argument("--work", type=int, default=3, help="rewind.work: size of /init's workload")
    ap.add_argument("--rewind", default=os.path.join(ROOT, "build", "bin", "rewind"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--output")
    args = ap.parse_args()
    emulators = {"qemu": args.qemu}
    for tier in args.tiers.split(","):
        emulators[tier] = f"{args.rewind} run --tier={tier}"
    times = {name: [] for name in emulators}
    for i in range(args.runs):
        for name, cmd in emulators.items():
            times[name].append(boot_once(cmd, args.work))
        print(f"bench-boot: run {i + 1}/{args.runs}: " +
              ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()), file=sys.stderr)
    med = {n: statistics.median(t) for n, t in times.items()}
    lines = [f"| emulator | median boot-to-power-off (s) | runs (s) | / qemu |", "|---|---|---|---|"]
    for name, t in times.items():
        lines.append(f"| {name} | {med[name]:.2f} | {' '.join(f'{x:.2f}' for x in t)} | "
                     f"{med[name] / med['qemu']:.2f}x |")
    for tier in args.tiers.split(","):
        lines.append("")
        lines.append(f"`rewind run --tier={tier} --stats`, one more boot:")
        lines.append("```")
        lines.extend(stats_boot(args.rewind, tier, args.work))
        lines.append("```")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
