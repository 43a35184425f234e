#!/usr/bin/env python3
"""Real gdb-multiarch on the Linux boot, with the test kernel's vmlinux symbols.

  gdb_linux.py REWIND

1. Replay: records the boot (OpenSBI + Linux + the initramfs /init running its workload),
   replays it under `rewind replay -gdb tcp::0` and drives gdb in batch mode: breakpoints on
   kernel functions, stepping into and over calls, registers (incl. priv and satp) and kernel
   memory, a watchpoint on jiffies forwards and backwards, reverse-step/-next/-finish/-stepi/
   -continue, `monitor last-write` to the tick that last wrote jiffies, reverse-continue across
   the boot to start_kernel and to the start of the history (replaylog:begin), and on to the
   end of the recording. The console must be shown once however often it was re-executed.
2. Live: `rewind run -S -gdb tcp::0` with /init waiting for a typed line: gdb continues,
   is interrupted with Ctrl-C (SIGINT to gdb, which sends 0x03) while the guest waits, goes
   back through the in-memory recording to start_kernel and forward again; the line typed
   meanwhile reaches the guest when the run passes the point it was waiting at, and the echo
   appears once.

Exit status 0 when every check passes, 1 otherwise, 77 (skip) without gdb-multiarch.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import stub_harness
from stub_harness import failures, start_stub, values
from stub_harness import printed as p

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SYSTEM_TOOLS = os.path.join(ROOT, "tools", "system")
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
GDB = shutil.which("gdb-multiarch")


def check(name, ok, detail=""):
    stub_harness.check(name, ok, detail, limit=6000)  # a boot log is long: its end says why


def built(script):
    p = subprocess.run([os.path.join(SYSTEM_TOOLS, script)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"gdb_linux: {script} failed:\n{p.stderr}")
    return p.stdout.strip().splitlines()[-1]


def gdb_argv(vmlinux, port, commands):
    argv = [GDB, "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", f"file {vmlinux}", "-ex", f"target remote 127.0.0.1:{port}"]
    for c in commands:
        argv += ["-ex", c]
    return argv


def icounts(output):
    return [int(n) for n in re.findall(r"^instruction (\d+) \(virtual time", output, re.M)]


def replay_session(rewind, vmlinux, machine_args, work):
    trace = os.path.join(work, "boot.rwd")
    rec = subprocess.run([rewind, "record", "-o", trace] + machine_args +
                         ["-append", "console=ttyS0 rewind.test=work"],
                         capture_output=True, text=True, timeout=300)
    check("record the boot", rec.returncode == 0 and "end status=ok" in rec.stdout,
          rec.stderr)
    console = rec.stdout
    proc, port = start_stub([rewind, "replay", trace, "-gdb", "tcp::0"])
    out = subprocess.run(gdb_argv(vmlinux, port, [
        "break start_kernel", "continue", "monitor when",
        p("$pc == (unsigned long)&start_kernel", "at_start_kernel"), p("$priv", "priv"),
        p("((unsigned long)$satp) >> 60", "satp_mode"), p("$sp != 0", "sp_set"),
        "x/s linux_banner",
        # into the first call that has a body, a line in it, back out
        "next", "step", "bt 2", "next", "reverse-finish", "bt 1",
        "reverse-step", "reverse-next", "bt 1", "monitor when",
        # much later in the boot: the first user process is about to start
        "break kernel_init", "continue", "bt 1", "info threads",
        "stepi", "stepi", p("$pc", "pc2"), "reverse-stepi", p("$pc", "pc1"),
        "delete",
        # a watchpoint on the timer tick, forwards then backwards
        p("jiffies", "j_before"), "watch jiffies", "continue", p("jiffies", "j_fwd"),
        "continue", p("jiffies", "j_fwd2"), "reverse-continue", p("jiffies", "j_back"),
        p("$pc", "rw_pc"),
        "delete",
        'eval "monitor last-write %lu 8", &jiffies', "maint flush register-cache",
        "bt 1", p("jiffies", "lw_old"), "stepi", p("jiffies", "lw_new"),
        # all the way back through the boot, with breakpoints, then to the start
        "break start_kernel", "reverse-continue", "monitor when", "delete",
        "reverse-continue", p("$pc", "begin_pc"), "monitor when",
        # and to the end
        "continue", "monitor when", "monitor stats",
        "detach",
    ]), capture_output=True, text=True, timeout=400)
    out = out.stdout + out.stderr
    proc.wait(timeout=60)
    stub_err = proc.stderr.read()
    log = out + "\n--- stub stderr ---\n" + stub_err
    v = lambda name: values(out, name)
    counts = icounts(out)
    check("break start_kernel: stops there in S-mode with paging on (Sv39/Sv48)",
          v("at_start_kernel") == ["1"] and v("priv") == ["1"] and v("satp_mode") in (["8"], ["9"])
          and v("sp_set") == ["1"], log)
    check("kernel memory through the MMU: linux_banner",
          re.search(r'<linux_banner>:\s+"Linux version 6\.1\.', out) is not None, log)
    frames = re.findall(r"^#0\s+(?:0x[0-9a-f]+ in )?(\w+) ", out, re.M)
    check("step enters a callee of start_kernel",
          re.search(r"^#1\s+0x[0-9a-f]+ in start_kernel \(\)", out, re.M) is not None, log)
    check("reverse-finish returns to start_kernel; reverse-step/next stay in it",
          len(frames) >= 3 and frames[1] == "start_kernel" and frames[2] == "start_kernel",
          log)
    check("the stepped lines went back: the instruction count fell",
          len(counts) >= 2 and 0 < counts[0] < counts[1] and counts[1] - counts[0] < 10000,
          log)
    check("break kernel_init, hart 0 as thread 1",
          "kernel_init (" in out and re.search(r"\* 1\s+Thread 1 \(hart 0\)", out), log)
    check("stepi twice, reverse-stepi once",
          len(v("pc1")) == 1 and len(v("pc2")) == 1 and v("pc1") != v("pc2"), log)
    jb, jf, jf2, jback = (v(n) for n in ("j_before", "j_fwd", "j_fwd2", "j_back"))
    check("watch jiffies forward: two ticks",
          len(jb) == 1 and jf == [str(int(jb[0]) + 1)] and jf2 == [str(int(jb[0]) + 2)], log)
    check("watch jiffies backward: the value before the last tick", jback == jf, log)
    check("gdb shows Old value/New value", out.count("Old value") >= 3, log)
    check("monitor last-write finds the store to jiffies",
          re.search(r"last write to 0x[0-9a-f]+: the instruction at pc 0x[0-9a-f]+", out)
          is not None, log)
    lo, ln = v("lw_old"), v("lw_new")
    m = re.search(r"the instruction at pc (0x[0-9a-f]+)", out)
    check("reverse watch stop is on the storing instruction (the one last-write names)",
          m is not None and v("rw_pc") == [str(int(m.group(1), 16))], log)
    check("stepping that instruction is the tick", len(lo) == 1 and ln == [str(int(lo[0]) + 1)],
          log)
    check("reverse-continue across the boot stops at start_kernel again",
          len(counts) >= 4 and counts[2] == counts[0], log)
    check("reverse-continue without breakpoints: start of the history (replaylog:begin)",
          v("begin_pc") == ["4096"] and "No more reverse-execution history" in out
          and len(counts) >= 4 and counts[3] == 0, log)
    check("continue runs to the end of the recording",
          "end of the recording (power-off)" in stub_err, log)
    check("the console is shown once despite re-execution", proc.stdout.read() == console, log)
    check("the session ends with the detach", "gdb session ended (detached)" in stub_err, log)


def live_session(rewind, vmlinux, machine_args):
    proc, port = start_stub([rewind, "run"] + machine_args +
                            ["-append", "console=ttyS0 rewind.test=echo", "-S", "-gdb", "tcp::0"],
                            stdin=subprocess.PIPE)
    g = subprocess.Popen(gdb_argv(vmlinux, port, [
        "break start_kernel", "continue", "monitor when", "delete",
        "continue",  # interrupted by the SIGINT below while /init waits for a line
        "bt 8", "monitor when", "reverse-stepi", "monitor when",
        "break start_kernel", "reverse-continue", "monitor when", "delete",
        "continue",  # forward to the prompt and past it: the line typed meanwhile arrives
        "info registers pc",
    ]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(6)
        g.send_signal(signal.SIGINT)
        time.sleep(1)
        proc.stdin.write("typed while stopped\n")
        proc.stdin.flush()
        out, _ = g.communicate(timeout=300)
        rewind_out, rewind_err = proc.communicate(timeout=120)
    finally:
        for x in (g, proc):
            if x.poll() is None:
                x.kill()
    log = out + "\n--- rewind stdout ---\n" + rewind_out[-3000:] + "\n--- stderr ---\n" + \
        rewind_err
    counts = icounts(out)
    check("live: Ctrl-C stops the running kernel",
          "Program received signal SIGINT" in out
          and re.search(r"^#0 .* at \S+:\d+$", out.split("SIGINT", 1)[-1], re.M), log)
    check("live: reverse-stepi after the interrupt",
          len(counts) >= 3 and counts[2] == counts[1] - 1, log)
    check("live: reverse-continue back across the boot to start_kernel",
          len(counts) >= 4 and counts[3] == counts[0], log)
    check("live: forward again, the typed line reaches the guest and it powers off",
          "end of the run (power-off)" in rewind_err and proc.returncode == 0, log)
    check("live: each console line shown once",
          rewind_out.count("REWIND-INIT: echo: typed while stopped") == 1
          and rewind_out.count("REWIND-INIT: start") == 1
          and rewind_out.count("Linux version") == 1, log)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if GDB is None:
        print("gdb-multiarch not installed: skipped")
        return 77
    rewind = os.path.abspath(sys.argv[1])
    image = built("build-linux.sh")
    vmlinux = os.path.join(os.path.dirname(image), "vmlinux")
    initramfs = built("build-initramfs.sh")
    machine_args = ["-M", "virt", "-m", "256M", "-nographic", "-bios", OPENSBI,
                    "-kernel", image, "-initrd", initramfs]
    work = tempfile.mkdtemp(prefix="rewind-gdb-linux-")
    try:
        replay_session(rewind, vmlinux, machine_args, work)
        live_session(rewind, vmlinux, machine_args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"gdb_linux: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
