#!/usr/bin/env python3
"""Boot tests of the riscv64 `virt` machine: OpenSBI + Linux, and OpenSBI + U-Boot.

  run_boot.py linux    boots the test kernel + initramfs (+ ext2 disk, + virtio-rng), types a
                       line into the guest console and checks everything /init reports
                       (tests/system/init.c), then that the machine powers itself off.
  run_boot.py uboot    boots U-Boot (S-mode, under OpenSBI), stops autoboot, runs `version`,
                       checks its output, then `poweroff`: the machine must power itself off.

The emulator is a parameter (--emulator, split shell-style, default qemu-system-riscv64); the
options after it are QEMU's spellings, the same for every emulator, e.g.
  qemu-system-riscv64 -M virt -m 256M -nographic -bios FW -kernel Image
      -initrd initramfs.cpio.gz -append "console=ttyS0 ..."
      -drive file=disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
      -device virtio-rng-device
Kernel, initramfs and disk come from tools/system/build-*.sh (cached) unless given.

Exit status 0 and a line "run_boot: PASS ..." on success; otherwise non-zero and one line
"run_boot: FAIL <test>: <reason>" (the console output is saved; the line says where).
--runs N repeats the boot and reports each wall time and the median.
"""
import argparse
import os
import re
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SYSTEM_TOOLS = os.path.join(ROOT, "tools", "system")
DEBIAN_OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
ECHO_LINE = "hello from the host 4711"
MARK = "REWIND-INIT: "


class Fail(Exception):
    pass


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def build(script, what):
    """Runs tools/system/<script> and returns the path it prints."""
    path = os.path.join(SYSTEM_TOOLS, script)
    p = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise Fail(f"building the {what} failed ({script} exited {p.returncode})")
    return p.stdout.strip().splitlines()[-1]


class Machine:
    """An emulator process with the console on its stdin/stdout."""

    def __init__(self, argv, log_path, cwd):
        self.argv = argv
        self.log = open(log_path, "wb")
        self.out = bytearray()
        self.t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
        except OSError as e:
            raise Fail(f"cannot start {argv[0]}: {e.strerror}")

    def text(self, start=0):
        return self.out[start:].decode("utf-8", "replace")

    def _pump(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], max(0.0, timeout))
        if not r:
            return True
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            return False
        self.out += chunk
        self.log.write(chunk)
        self.log.flush()
        return True

    def expect(self, pattern, deadline, start=0, what=None):
        """Waits until regex PATTERN matches the output from offset START; returns the match."""
        rx = re.compile(pattern.encode())
        while True:
            m = rx.search(self.out, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"timed out waiting for {what or pattern!r}")
            if not self._pump(min(left, 0.5)):
                self.proc.wait()
                m = rx.search(self.out, start)
                if m:
                    return m
                raise Fail(f"emulator exited (status {self.proc.returncode}) before {what or pattern!r}")

    def send(self, s):
        try:
            self.proc.stdin.write(s.encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise Fail("emulator closed its console input")

    def wait_exit(self, deadline, what):
        """Reads until the emulator exits by itself; returns (status, wall seconds)."""
        while self._pump(min(max(deadline - time.monotonic(), 0), 0.5)):
            if time.monotonic() >= deadline:
                raise Fail(f"{what}: did not exit by itself within the timeout")
        try:
            self.proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
        except subprocess.TimeoutExpired:
            raise Fail(f"{what}: closed its output but did not exit")
        return self.proc.returncode, time.monotonic() - self.t0

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc.stdout.close()
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.log.close()


def base_argv(args):
    smp = ["-smp", str(args.smp)] if args.smp else []
    return shlex.split(args.emulator) + ["-M", "virt", "-m", args.memory] + smp + [
        "-nographic", "-bios", args.bios]


def run_linux(args, workdir, log_path):
    kernel = args.kernel or build("build-linux.sh", "kernel")
    initrd = args.initrd or build("build-initramfs.sh", "initramfs")
    disk = None if args.no_disk else (args.disk or build("build-disk.sh", "disk image"))
    for p in (kernel, initrd, disk):
        if p and not os.path.isfile(p):
            raise Fail(f"{p}: no such file")
    steps = ["echo", "work"] + ([] if args.no_disk else ["disk"]) + ([] if args.no_rng else ["rng"])
    if args.tests:
        steps = [] if args.tests == "none" else args.tests.split(",")

    # What the guest must print. The workload checksum comes from the same /init binary run
    # under qemu-riscv64 (user mode); disk expectations from the tree the image was built from.
    expect = []
    init_elf = os.path.join(os.path.dirname(initrd), "init")
    if "work" in steps:
        checksum = "[0-9a-f]{16}"
        if os.path.isfile(init_elf) and shutil.which("qemu-riscv64"):
            p = subprocess.run(["qemu-riscv64", init_elf, "--workload", str(args.work)],
                               stdout=subprocess.PIPE, text=True, env=dict(os.environ, TMPDIR=workdir))
            m = re.search(r"checksum=([0-9a-f]{16})", p.stdout)
            if p.returncode != 0 or not m:
                raise Fail(f"qemu-riscv64 {init_elf} --workload failed: {p.stdout.strip()!r}")
            checksum = m.group(1)
        expect.append(("workload checksum", "work:", rf" scale={args.work} checksum={checksum}\r?\n"))
    if "disk" in steps and disk:
        files = os.path.join(os.path.dirname(disk), "files")
        hello, data = os.path.join(files, "hello.txt"), os.path.join(files, "data.bin")
        if os.path.isfile(hello) and os.path.isfile(data):
            with open(hello) as f:
                line = f.readline().rstrip("\n")
            with open(data, "rb") as f:
                blob = f.read()
            expect.append(("disk hello.txt", "disk: hello.txt:", rf" {re.escape(line)}\r?\n"))
            expect.append(("disk data.bin", "disk: data.bin", rf" bytes={len(blob)} fnv={fnv1a(blob):08x}\r?\n"))
        else:
            expect.append(("disk hello.txt", "disk: hello.txt:", r" .+\r?\n"))
            expect.append(("disk data.bin", "disk: data.bin", r" bytes=\d+ fnv=[0-9a-f]{8}\r?\n"))
    if "rng" in steps and not args.no_rng:
        expect.append(("hwrng read", "hwrng:", r" read 16 bytes\r?\n"))

    append = f"console=ttyS0 rewind.test={','.join(steps) or 'none'} rewind.work={args.work}"
    if args.append:
        append += " " + args.append
    argv = base_argv(args) + ["-kernel", kernel, "-initrd", initrd, "-append", append]
    if disk:
        # A private copy: the emulator may lock or write the image; parallel runs stay apart.
        disk_copy = os.path.join(workdir, "disk.img")
        shutil.copyfile(disk, disk_copy)
        argv += ["-drive", f"file={disk_copy},format=raw,if=none,id=d0",
                 "-device", "virtio-blk-device,drive=d0"]
    if not args.no_rng:
        argv += ["-device", "virtio-rng-device"]
    if args.verbose:
        print("run_boot: " + shlex.join(argv), file=sys.stderr)

    m = Machine(argv, log_path, workdir)
    try:
        deadline = m.t0 + args.timeout
        start = m.expect(MARK + r"start\r?\n", deadline, what="the /init start marker").start()
        t_init = time.monotonic() - m.t0
        if "echo" in steps:
            m.expect(MARK + r"ready: type a line", deadline, start, what="the /init console prompt")
            m.send(ECHO_LINE + "\n")
            m.expect(MARK + "echo: " + re.escape(ECHO_LINE) + r"\r?\n", deadline, start,
                     what="the echoed line")
        end = m.expect(MARK + r"end status=(\w+)\r?\n", deadline, start, what="the /init end marker")
        status, wall = m.wait_exit(deadline, "after the /init end marker, the machine")
    finally:
        m.close()
    out = m.text(start)
    fails = re.findall(MARK + r"FAIL ([^\r\n]*)", out)
    if fails:
        raise Fail(f"/init reported: {fails[0]}")
    if end.group(1) != b"ok":
        raise Fail(f"/init ended with status={end.group(1).decode()}")
    for what, prefix, rx in expect:
        if not re.search(MARK + re.escape(prefix) + rx, out):
            got = re.search(MARK + re.escape(prefix) + r"[^\r\n]*", out)
            want = prefix + rx.replace("\\r?\\n", "")
            raise Fail(f"{what}: want /{want}/, got {got.group(0) if got else 'nothing'!r}")
    if status != 0:
        raise Fail(f"emulator exit status {status} after power-off (want 0)")
    return wall, f"/init at {t_init:.2f} s"


def run_uboot(args, workdir, log_path):
    uboot = args.uboot
    if not os.path.isfile(uboot):
        raise Fail(f"{uboot}: no such file (install u-boot-qemu: tools/install-deps.sh)")
    argv = base_argv(args) + ["-kernel", uboot]
    if args.verbose:
        print("run_boot: " + shlex.join(argv), file=sys.stderr)
    m = Machine(argv, log_path, workdir)
    try:
        deadline = m.t0 + args.timeout
        m.expect(r"U-Boot \d{4}\.\d{2}", deadline, what="the U-Boot banner")
        # Stop autoboot if we catch it; if it already ran (slow host), the prompt comes anyway.
        hit = m.expect(r"Hit any key to stop autoboot|=> ", deadline, what="U-Boot autoboot or prompt")
        if hit.group(0).startswith(b"Hit"):
            m.send(" ")
        prompt = m.expect(r"=> ", deadline, hit.end(), what="the U-Boot prompt")
        t_prompt = time.monotonic() - m.t0
        m.send("version\n")
        m.expect(r"=>\s*version\s*\r?\nU-Boot \d{4}\.\d{2}[^\r\n]*\r?\n(\r?\n)?[^\r\n]*gcc[^\r\n]*\r?\n"
                 r"[^\r\n]*\bld\b[^\r\n]*\r?\n=> ", deadline, prompt.start(),
                 what="the output of `version` and a new prompt")
        m.send("poweroff\n")
        status, wall = m.wait_exit(deadline, "after `poweroff`, the machine")
    finally:
        m.close()
    if status != 0:
        raise Fail(f"emulator exit status {status} after poweroff (want 0)")
    return wall, f"prompt at {t_prompt:.2f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("test", choices=["linux", "uboot", "all"], help="which boot (all: both)")
    ap.add_argument("--emulator", default="qemu-system-riscv64",
                    help='emulator command, split shell-style (e.g. "build/bin/rewind run")')
    ap.add_argument("--bios", default=DEBIAN_OPENSBI,
                    help=f"firmware for -bios (default: Debian's OpenSBI, {DEBIAN_OPENSBI}; "
                         "'default' = the emulator's own)")
    ap.add_argument("--memory", default="256M", help="-m (default 256M)")
    ap.add_argument("--smp", type=int, help="harts (-smp; not passed unless given)")
    ap.add_argument("--kernel", help="Linux Image (default: tools/system/build-linux.sh)")
    ap.add_argument("--initrd", help="initramfs (default: tools/system/build-initramfs.sh); "
                                     "the workload checksum is checked if `init` is beside it")
    ap.add_argument("--disk", help="ext2 image (default: tools/system/build-disk.sh)")
    ap.add_argument("--no-disk", action="store_true", help="no virtio-blk device")
    ap.add_argument("--no-rng", action="store_true", help="no virtio-rng device")
    ap.add_argument("--tests", help="rewind.test= steps for /init (default: all that apply: "
                                    "echo,work,disk,rng; 'none' = boot and power off)")
    ap.add_argument("--work", type=int, default=1, help="workload scale (rewind.work=)")
    ap.add_argument("--append", help="extra kernel command line words (choose /init steps "
                                     "with --tests/--work, not rewind.* words here)")
    ap.add_argument("--uboot", default=UBOOT, help=f"U-Boot image (default {UBOOT})")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per boot (default 120)")
    ap.add_argument("--runs", type=int, default=1, help="boot N times, report the median time")
    ap.add_argument("--log", help="save the console output here (default: a temporary file, "
                                  "kept only on failure)")
    ap.add_argument("--workdir", help="run in this directory and keep it (the disk copy stays "
                    "there, e.g. for replaying a recording); default: a temporary one")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the emulator command")
    args = ap.parse_args()
    if args.tests and args.tests != "none":
        bad = set(args.tests.split(",")) - {"echo", "work", "disk", "rng"}
        if bad:
            ap.error(f"--tests: unknown step(s) {','.join(sorted(bad))}")

    tests = ["linux", "uboot"] if args.test == "all" else [args.test]
    failed = 0
    for test in tests:
        walls = []
        for i in range(args.runs):
            workdir = args.workdir or tempfile.mkdtemp(prefix=f"rewind-boot-{test}-")
            if args.workdir:
                os.makedirs(workdir, exist_ok=True)
            log_path = args.log or os.path.join(workdir, "console.log")
            if args.log and len(tests) > 1:
                log_path = f"{args.log}.{test}"
            try:
                wall, note = (run_linux if test == "linux" else run_uboot)(args, workdir, log_path)
                walls.append(wall)
                if args.runs > 1:
                    print(f"run_boot: {test} run {i + 1}/{args.runs}: {wall:.2f} s ({note})")
            except Fail as e:
                saved = log_path if os.path.exists(log_path) else None
                if saved and not args.log:
                    fd, saved = tempfile.mkstemp(prefix=f"rewind-boot-{test}-", suffix=".log")
                    os.close(fd)
                    shutil.copyfile(log_path, saved)
                where = f" (console log: {saved})" if saved else ""
                print(f"run_boot: FAIL {test}: {e}{where}")
                failed += 1
                break
            finally:
                if not args.workdir:
                    shutil.rmtree(workdir, ignore_errors=True)
        else:
            med = statistics.median(walls)
            if len(walls) > 1:
                detail = f"median {med:.2f} s of {len(walls)} boots"
            else:
                detail = f"{med:.2f} s, {note}"
            print(f"run_boot: PASS {test} ({detail}; emulator: {args.emulator})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
