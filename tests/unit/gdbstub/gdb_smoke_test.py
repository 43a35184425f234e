#!/usr/bin/env python3
"""Connects a real gdb to fake_server and checks that it takes the target description (register
names, sizes and numbers), reads and writes registers and memory, stops at breakpoints,
single-steps, runs backwards, passes monitor commands, and detaches.

usage: gdb_smoke_test.py FAKE_SERVER GDB
"""
import re
import subprocess
import sys

COMMANDS = """
set architecture riscv:rv64
set confirm off
target remote {address}
info threads
p/x $priv
p/x $mstatus
p/x $fflags
p $ft0
p $pc
x/2xw 0x80000000
break *0x80000040
continue
stepi
p $pc
set var $a0 = 5
p $a0
reverse-stepi
p $pc
reverse-continue
monitor hello
detach
"""

EXPECT = [
    "Thread 2 (hart 1)",
    "= 0x3",                      # priv
    "= 0x300",                    # mstatus, regnum 65 + 0x300
    "= 0x1",                      # fflags, 32-bit in the fpu feature
    "double = 1",                 # ft0, the riscv_double union
    "0x80000000",
    "0x00000013\t0x00000013",
    "hit Breakpoint 1, 0x0000000080000040",
    "= (void (*)()) 0x80000044",  # after stepi
    "= 5",
    "= (void (*)()) 0x80000040",  # after reverse-stepi
    "No more reverse-execution history.",
    "ran hello",
    "detached",
]


def main():
    server_path, gdb = sys.argv[1], sys.argv[2]
    server = subprocess.Popen([server_path, "tcp::0"], stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        match = re.search(r"waiting for gdb on (127\.0\.0\.1:\d+)", line)
        if not match:
            print(f"FAIL: no listening line from fake_server: {line!r}")
            return 1
        result = subprocess.run(
            [gdb, "-batch", "-nx", "-ex", "set pagination off"] +
            sum((["-ex", c] for c in COMMANDS.format(address=match.group(1)).split("\n")
                 if c.strip()), []),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        output = result.stdout
        server_rest = server.communicate(timeout=30)[1]
    finally:
        if server.poll() is None:
            server.kill()
    failed = False
    position = 0
    for expected in EXPECT:
        found = output.find(expected, position)
        if found < 0:
            print(f"FAIL: expected {expected!r} (in order) in gdb's output")
            failed = True
        else:
            position = found + len(expected)
    if "end: detached" not in server_rest:
        print(f"FAIL: server did not end with a detach: {server_rest!r}")
        failed = True
    for bad in ("Remote failure reply", "Protocol error", "warning: Architecture rejected",
                "Truncated register", "Remote 'g' packet reply is too long"):
        if bad in output:
            print(f"FAIL: gdb said {bad!r}")
            failed = True
    if failed:
        print("---- gdb output ----")
        print(output)
        return 1
    print("gdb smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
