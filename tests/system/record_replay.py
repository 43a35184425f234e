#!/usr/bin/env python3
"""Record/replay and snapshots of the Linux boot, end to end with the `rewind` binary.

  record_replay.py REWIND

1. records the boot (OpenSBI + Linux + initramfs /init with the ext2 disk and virtio-rng)
   with `rewind record`, typing a line into the console when /init asks (run_boot.py);
2. replays it with no input on the interpreter and on the JIT: the console bytes must equal
   the recording's and the replay must end with "final state hash ... matches";
3. replays to the middle with --save-at, then resumes a replay from that snapshot with --from:
   the resumed run prints exactly the rest of the console output and matches again;
4. `rewind run --save-at` / `--load`: a snapshot of a live boot resumes to a clean power-off;
5. a copy of the trace cut off at 60% replays up to its last complete chunk and says so;
   one with a flipped byte in a chunk is refused with a one-line error.
Prints "record_replay: PASS ..." or "record_replay: FAIL <what>" and exits non-zero.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_BOOT = os.path.join(HERE, "run_boot.py")


class Fail(Exception):
    pass


def run(argv, timeout=300, stdin=subprocess.DEVNULL):
    p = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def replay(rewind, trace, *extra):
    # --tier=llvm compiles each of the boot's ~25,000 blocks with LLVM before it first runs.
    timeout = 900 if "--tier=llvm" in extra else 300
    rc, out, err = run([rewind, "replay", trace, *extra], timeout=timeout)
    if rc != 0 or "matches the recording" not in err:
        raise Fail(f"replay {' '.join(extra)}: exit {rc}: {err.strip()[-400:]}")
    return out, err


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rewind = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="rewind-rr-")
    try:
        trace = os.path.join(work, "boot.rwd")
        log = os.path.join(work, "record.log")
        # 1. Record, with typed input (run_boot's echo step) and a state hash every 20M.
        p = subprocess.run([sys.executable, RUN_BOOT, "linux", "--workdir", work, "--log", log,
                            "--emulator", f"{rewind} record -o {trace} --hash-interval 20000000"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            raise Fail(f"recording the boot: {p.stdout.strip()}")
        with open(log, "rb") as f:
            recorded = f.read()
        m = re.search(rb"rewind: recorded (\d+) instructions", recorded)
        if not m:
            raise Fail("the recording did not report its instruction count")
        total = int(m.group(1))
        console = recorded[:m.start()]  # run_boot merges stderr: the summary follows the console
        if b"hello from the host 4711" not in console:
            raise Fail("the typed line is not in the recorded console output")

        # 2. Replays without input, on every tier. The recording ran the default tier (auto:
        # template code plus LLVM code for hot blocks); interp and jit replay it with LLVM off,
        # llvm with every block compiled by LLVM.
        for tier in ("interp", "jit", "llvm", "auto"):
            out, err = replay(rewind, trace, f"--tier={tier}")
            if out != console:
                raise Fail(f"replay on {tier}: console output differs from the recording "
                           f"({len(out)} vs {len(console)} bytes)")
            if f"replayed {total} instructions" not in err:
                raise Fail(f"replay on {tier}: wrong instruction count: {err.strip()}")

        # 2b. The reverse direction: recorded with LLVM off, replayed with it on.
        trace_jit = os.path.join(work, "boot-jit.rwd")
        p = subprocess.run([sys.executable, RUN_BOOT, "linux", "--workdir", work,
                            "--log", os.path.join(work, "record-jit.log"), "--emulator",
                            f"{rewind} record --tier=jit -o {trace_jit} --hash-interval 20000000"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            raise Fail(f"recording the boot with --tier=jit: {p.stdout.strip()}")
        replay(rewind, trace_jit, "--tier=auto", "--hot-threshold=50", "--llvm-compile-share=100")

        # 3. Snapshot in the middle of a replay, and a replay resumed from it.
        mid = total // 2
        snap = os.path.join(work, "mid.rws")
        out_full, _ = replay(rewind, trace, "--tier=jit", "--save-at", str(mid), snap)
        if out_full != console or not os.path.isfile(snap):
            raise Fail("replay with --save-at: output differs or no snapshot written")
        out_rest, err = replay(rewind, trace, "--tier=interp", "--from", snap)
        if not out_rest or not console.endswith(out_rest):
            raise Fail(f"replay --from the snapshot: its output ({len(out_rest)} bytes) is not "
                       f"the rest of the recording's")

        # 4. Live run: snapshot mid-boot, load it, run on to power-off.
        live_snap = os.path.join(work, "live.rws")
        args = ["-M", "virt", "-m", "256M", "-nographic"] + recorded_machine_args(rewind, trace)
        rc, out1, err = run([rewind, "run", "--save-at", "50000000", live_snap] + args)
        if rc != 0 or not os.path.isfile(live_snap):
            raise Fail(f"run --save-at: exit {rc}: {err.strip()}")
        rc, out2, err = run([rewind, "run", "--load", live_snap])
        if rc != 0 or b"REWIND-INIT: end status=ok" not in out2:
            raise Fail(f"run --load: exit {rc}, /init did not end ok: {err.strip()}")

        # 5. Damaged traces.
        cut = os.path.join(work, "cut.rwd")
        shutil.copyfile(trace, cut)
        os.truncate(cut, os.path.getsize(trace) * 6 // 10)
        rc, out, err = run([rewind, "replay", cut])
        if rc != 0 or "last complete chunk" not in err or not console.startswith(out):
            raise Fail(f"replay of a cut-off trace: exit {rc}: {err.strip()}")
        bad = os.path.join(work, "bad.rwd")
        data = bytearray(open(trace, "rb").read())
        data[len(data) // 2] ^= 0x40
        open(bad, "wb").write(data)
        rc, out, err = run([rewind, "replay", bad])
        if rc == 0 or len(err.strip().splitlines()) != 1 or "corrupt" not in err:
            raise Fail(f"replay of a corrupted trace: exit {rc}: {err.strip()}")
        print(f"record_replay: PASS ({total} instructions; replays on both tiers, snapshot "
              f"resume, live snapshot, cut-off and corrupt traces)")
        return 0
    except (Fail, subprocess.TimeoutExpired) as e:
        print(f"record_replay: FAIL {e}")
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def recorded_machine_args(rewind, trace):
    """The firmware, kernel, initrd and command line of the recording, with /init doing only
    its workload (no one types, no disk or rng attached)."""
    rc, out, err = run([rewind, "trace", "info", trace])
    m = re.search(r"run args:\s*(.*)", out.decode())
    if rc != 0 or not m:
        raise Fail(f"trace info: exit {rc}: {err.strip()}")
    words = shlex.split(m.group(1))
    keep = []
    i = 0
    while i < len(words):
        if words[i] in ("-bios", "-kernel", "-initrd"):
            keep += words[i:i + 2]
        elif words[i] == "-append":
            keep += ["-append", re.sub(r"rewind\.test=\S+", "rewind.test=work", words[i + 1])]
        i += 2 if words[i].startswith("-") and words[i] != "-nographic" else 1
    return keep


if __name__ == "__main__":
    sys.exit(main())
