#!/usr/bin/env python3
"""Bad input to `rewind` must give a one-line error naming the problem and a non-zero exit,
never a crash or a hang. Each case: arguments, expected exit status, a word the message must
contain."""
import os
import subprocess
import sys
import tempfile

rewind = sys.argv[1]
x86_binary = "/bin/true"

with tempfile.TemporaryDirectory() as tmp:
    def make(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    text_file = make("notes.txt", b"just text\n")
    empty = make("empty", b"")
    truncated = make("truncated", b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x02\x00\xf3\x00")
    # A riscv64 ELF whose PT_INTERP names an interpreter that does not exist under the prefix.
    real = os.path.join(tmp, "dyn")
    subprocess.run(["riscv64-linux-gnu-gcc", "-o", real, "-x", "c", "-"],
                   input=b"int main(void){return 0;}", check=True)

    cases = [
        ([text_file], 1, "ELF"),
        ([empty], 1, "empty"),
        ([truncated], 1, "truncated"),
        ([x86_binary], 1, "RISC-V"),
        ([os.path.join(tmp, "missing")], 1, "no such file"),
        (["-L", os.path.join(tmp, "nowhere"), real], 1, "interpreter"),
        ([], 2, "program"),
    ]
    failures = 0
    for args, want_status, word in cases:
        cmd = [rewind, "user"] + args
        r = subprocess.run(cmd, capture_output=True, timeout=30)
        err = r.stderr.decode(errors="replace")
        lines = [l for l in err.splitlines() if l.strip()]
        ok = (r.returncode == want_status and len(lines) == 1
              and word.lower() in lines[0].lower())
        print(("ok   " if ok else "FAIL ") + " ".join(args or ["(no program)"]) +
              f" -> status {r.returncode}: {err.strip()}")
        failures += not ok
    # Unknown options and tiers are rejected by the argument parser, also without a crash.
    for args in (["user", "--tier=warp", text_file], ["frobnicate"], ["user", "--bogus"]):
        r = subprocess.run([rewind] + args, capture_output=True, timeout=30)
        ok = r.returncode in (1, 2) and len(r.stderr.decode().strip().splitlines()) <= 2
        print(("ok   " if ok else "FAIL ") + " ".join(args) + f" -> status {r.returncode}")
        failures += not ok
    # Rewind's own messages survive a guest that closes its stderr (guest fds are host fds).
    closer = os.path.join(tmp, "closer")
    subprocess.run(["riscv64-linux-gnu-gcc", "-static", "-o", closer, "-x", "c", "-"],
                   input=b"#include <unistd.h>\nint main(void){close(2);close(1000);return 5;}",
                   check=True)
    r = subprocess.run([rewind, "user", "--stats", closer], capture_output=True, timeout=30)
    ok = r.returncode == 5 and b"guest instructions retired" in r.stderr
    print(("ok   " if ok else "FAIL ") + f"--stats after the guest closed stderr -> status "
          f"{r.returncode}: {r.stderr.decode(errors='replace').strip()}")
    failures += not ok
    print(f"{len(cases) + 4 - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)
