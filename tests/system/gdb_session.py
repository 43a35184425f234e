#!/usr/bin/env python3
"""Scripted real-gdb sessions against Rewind's stub (bare metal).

Records tests/baremetal/gdb_target.elf, replays it under `rewind replay -gdb tcp::0` and drives
gdb-multiarch in batch mode through breakpoints, stepping, registers and memory, a watchpoint,
every reverse command, the start and end of the history and the monitor commands; then live
`rewind run -S -gdb` sessions, with the in-memory history and without it. Each check reads gdb's own output.

Usage: gdb_session.py REWIND ELF
Exit status 0 when every check passes; 77 (skip) without gdb-multiarch.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from stub_harness import check, failures, start_stub, values
from stub_harness import printed as p

GDB = shutil.which("gdb-multiarch")


def gdb(elf, port, commands, timeout=120):
    argv = [GDB, "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", f"file {elf}", "-ex", f"target remote 127.0.0.1:{port}"]
    for c in commands:
        argv += ["-ex", c]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return out.stdout + out.stderr


def main():
    if GDB is None:
        print("gdb-multiarch not installed: skipped")
        return 77
    rewind, elf = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="rewind-gdb-")
    try:
        trace = os.path.join(work, "t.rwd")
        rec = subprocess.run([rewind, "record", "-o", trace, "-bios", "none", "-kernel", elf,
                              "-nographic"], capture_output=True, text=True, timeout=60)
        check("record the program", rec.returncode == 0, rec.stderr)
        expected_console = rec.stdout

        proc, port = start_stub([rewind, "replay", trace, "-gdb", "tcp::0"])
        out = gdb(elf, port, [
            p("$pc", "reset_pc"),
            "break bump",
            "continue", p("step", "step1"), p("counter", "counter1"),
            "continue", "continue", p("step", "step3"),
            "monitor when",
            # stepping, registers, memory
            "stepi", "stepi", p("$pc", "pc_after_2"), "reverse-stepi", p("$pc", "pc_back_1"),
            p("$priv", "priv"), p("$mstatus != 0", "mstatus_read"), p("$sp != 0", "sp"),
            p("trail[1]", "trail1"),
            # back to the previous call, then the one before
            "reverse-continue", p("step", "rc_step"),
            "reverse-continue", p("step", "rc_step2"),
            # reverse-finish back into main, reverse-next / reverse-step in main
            "reverse-finish", p("$pc >= (unsigned long)&main", "in_main"),
            "next", "reverse-next", p("$pc >= (unsigned long)&main", "still_main"),
            "reverse-step", p("$pc != 0", "rs_ok"),
            "delete",
            # watchpoint, forward then backward
            "watch counter", "continue", p("counter", "w_fwd"),
            "reverse-continue", p("counter", "w_back"),
            "delete",
            # monitor commands
            "monitor help", "monitor reg mstatus", "monitor xp 0x80000000 8",
            # gdb does not evaluate monitor arguments: eval puts the address in.
            'eval "monitor last-write %lu 8", &counter', "maint flush register-cache",
            p("counter", "lw_counter"),
            "monitor checkpoint", "monitor stats",
            # to the end of the history and back to the start
            "continue", "reverse-continue", p("$pc", "begin_pc"), "monitor when",
            "reverse-stepi",
            "monitor seek 500", "maint flush register-cache", "monitor when",
            "detach",
        ])
        proc.wait(timeout=60)
        stub_err = proc.stderr.read()
        log = out + "\n--- stub stderr ---\n" + stub_err
        v = lambda name: values(out, name)
        check("gdb connected and starts at the reset vector", v("reset_pc") == ["4096"], log)
        check("breakpoint on bump: first call has step 1", v("step1") == ["1"], log)
        check("counter read through memory before the first add", v("counter1") == ["0"], log)
        check("continue twice more: third call", v("step3") == ["3"], log)
        check("monitor when prints the instruction count",
              re.search(r"instruction \d+ \(virtual time \d+ ns\), pc 0x[0-9a-f]+, at a breakpoint",
                        out) is not None, log)
        pc2, pcb = v("pc_after_2"), v("pc_back_1")
        check("stepi twice then reverse-stepi lands between",
              len(pc2) == 1 and len(pcb) == 1 and pc2 != pcb, log)
        check("priv register reads machine mode", v("priv") == ["3"], log)
        check("CSRs and sp read", v("mstatus_read") == ["1"] and v("sp") == ["1"], log)
        # One instruction into the third call: going back first meets that call's own entry.
        check("reverse-continue stops at this call's breakpoint (step 3)", v("rc_step") == ["3"],
              log)
        check("reverse-continue again: the previous call (step 2)", v("rc_step2") == ["2"], log)
        check("reverse-finish returns to main", v("in_main") == ["1"], log)
        check("next / reverse-next stay in main", v("still_main") == ["1"], log)
        check("reverse-step stops at a source line", v("rs_ok") == ["1"], log)
        check("write watchpoint forward: counter changes", len(v("w_fwd")) == 1, log)
        wf, wb = v("w_fwd"), v("w_back")
        check("write watchpoint backward: the value before the write",
              len(wb) == 1 and len(wf) == 1 and int(wb[0]) < int(wf[0]), log)
        check("gdb shows Old value/New value for the watchpoint",
              "Old value" in out and "New value" in out, log)
        check("monitor help lists the commands", "last-write ADDR" in out, log)
        check("monitor reg names a CSR", re.search(r"mstatus = 0x[0-9a-f]{16}", out) is not None,
              log)
        check("monitor xp dumps physical memory",
              re.search(r"0x0000000080000000:( [0-9a-f]{2}){8}", out) is not None, log)
        check("monitor last-write finds the store",
              re.search(r"last write to 0x[0-9a-f]+: the instruction at pc", out) is not None, log)
        check("monitor checkpoint", "checkpoint at instruction" in out, log)
        check("continue to the end of the recording reports the end",
              "end of the recording (power-off)" in stub_err, log)
        check("reverse-continue without breakpoints reaches the start (replaylog:begin)",
              v("begin_pc") == ["4096"] and out.count("No more reverse-execution history") >= 2,
              log)
        check("monitor seek moves to the instruction asked for",
              re.search(r"at instruction 500 \(", out) is not None, log)
        check("console output shown once despite re-execution",
              proc.stdout.read() == expected_console, log)
        check("session ended by detach", "gdb session ended (detached)" in stub_err, log)

        # Live: wait for gdb at the first instruction, break, go back through the in-memory
        # recording, detach; the run finishes with the same output.
        proc, port = start_stub([rewind, "run", "-bios", "none", "-kernel", elf, "-nographic",
                                 "-S", "-gdb", "tcp::0"])
        out = gdb(elf, port, ["break bump", "continue", "continue", p("step", "live_step"),
                              "reverse-continue", p("step", "live_back"),
                              "reverse-stepi", p("counter", "live_counter"),
                              "delete", "watch counter", "continue", "continue",
                              p("counter", "live_w1"), "reverse-continue",
                              p("counter", "live_w0"), "delete", "set var counter = 77",
                              "detach"])
        proc.wait(timeout=60)
        live_out = proc.stdout.read()
        live_err = proc.stderr.read()
        check("live: breakpoint hit", values(out, "live_step") == ["2"], out)
        check("live: reverse-continue to the previous call", values(out, "live_back") == ["1"],
              out)
        check("live: reverse-stepi before the first call", values(out, "live_counter") == ["0"],
              out)
        check("live: watchpoint forward past the frontier and back",
              values(out, "live_w1") == ["3"] and values(out, "live_w0") == ["1"], out)
        check("live with history: writes are refused, saying why",
              "Cannot access memory" in out and
              "read-only while the run keeps a history" in live_err, out + live_err)
        check("live: after detach the run completes, output shown once",
              live_out == expected_console, live_out + live_err)
        check("live: exit status of the guest", proc.returncode == 0)

        # --checkpoint-mib 0 keeps no history: reverse commands are refused.
        proc, port = start_stub([rewind, "run", "-bios", "none", "-kernel", elf, "-nographic",
                                 "-S", "-gdb", "tcp::0", "--checkpoint-mib", "0"])
        out = gdb(elf, port, ["break bump", "continue", "reverse-stepi", "set var counter = 100",
                              p("counter", "nohist_counter"), "delete", "continue"])
        proc.wait(timeout=60)
        check("live without history: reverse commands are refused",
              "does not support this command" in out, out)
        # Stopped before the first add: counter ends at 155, so the program's own check fails.
        check("live without history: a write changes the machine",
              values(out, "nohist_counter") == ["100"] and proc.returncode != 0, out)

        # A bad device is one line and a non-zero exit.
        bad = subprocess.run([rewind, "replay", trace, "-gdb", "udp::1"], capture_output=True,
                             text=True, timeout=30)
        check("bad -gdb device: one line, exit 1",
              bad.returncode == 1 and bad.stderr.count("\n") == 1, bad.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
