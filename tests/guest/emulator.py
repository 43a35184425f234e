"""How the test runners start a guest program under an emulator.

Shared by tests/guest, tests/diff, tests/real and tools/bench (they add this
folder to sys.path). An "emulator" is a command string split shell-style:
    "build/bin/rewind user"   -> rewind's user mode
    "qemu-riscv64"            -> the reference
A tier (interp, jit, ...) is passed to rewind as --tier=T; it is dropped for
qemu so the harness can check itself with qemu against qemu.
"""
import os
import resource
import shlex
import signal
import subprocess
import tempfile

DEFAULT_SYSROOT = "/usr/riscv64-linux-gnu"

# Guests see the same small environment under every emulator, so output that
# depends on the environment is reproducible.
GUEST_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C",
    "LC_ALL": "C",
    "TZ": "UTC",
    "HOME": "/tmp",
    "REWIND_TEST_VAR": "hello from the runner",
}


def is_qemu(emulator):
    words = shlex.split(emulator)
    return bool(words) and os.path.basename(words[0]).startswith("qemu")


# The test suites run the auto tier with LLVM compiling as soon as blocks are hot (no compile
# share), so LLVM code is swapped in within short test programs too; cli.llvm_policy covers the
# default share. The benchmarks run every tier as users get it.
TEST_TIER_OPTIONS = {"auto": ["--llvm-compile-share=100"]}


def command(emulator, tier, prog, args=(), sysroot=DEFAULT_SYSROOT, extra=()):
    """The argv that runs PROG ARGS under EMULATOR."""
    argv = shlex.split(emulator)
    if "/" in argv[0]:
        # guests run in their own temporary directory
        argv[0] = os.path.abspath(argv[0])
    if tier and not is_qemu(emulator):
        argv.append("--tier=" + tier)
    argv += list(extra)
    if sysroot:
        argv += ["-L", sysroot]
    return argv + [prog] + list(args)


def _no_core_dumps():
    # Trap tests kill the guest with SIGSEGV/SIGILL; qemu re-raises the signal
    # on itself and must not leave core files around.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(argv, cwd=None, stdin_path=None, timeout=120, env=None):
    """Run argv; returns (status, stdout bytes, stderr bytes).

    status follows subprocess: exit code, or -SIGNUM if killed by a signal.
    A timeout is reported as status 'timeout'."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    own_cwd = None
    if cwd is None:
        own_cwd = tempfile.TemporaryDirectory(prefix="rewind-guest-")
        cwd = own_cwd.name
    try:
        proc = subprocess.run(argv, cwd=cwd, stdin=stdin, capture_output=True,
                              timeout=timeout, env=env if env is not None else GUEST_ENV,
                              preexec_fn=_no_core_dumps)
        return proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        return "timeout", exc.stdout or b"", exc.stderr or b""
    finally:
        if stdin_path:
            stdin.close()
        if own_cwd:
            own_cwd.cleanup()


def describe_status(status):
    if status == "timeout":
        return "timed out"
    if isinstance(status, int) and status < 0:
        try:
            return "killed by " + signal.Signals(-status).name
        except ValueError:
            return "killed by signal %d" % -status
    return "exit code %s" % status


def parse_status(text):
    """'0', '42' or a signal name such as 'SIGILL' -> subprocess-style status."""
    text = text.strip()
    if text.upper().startswith("SIG"):
        return -int(signal.Signals[text.upper()])
    return int(text)
