"""What the scripted debugger sessions share (gdb_session.py, gdb_linux.py, lldb_session.py):
named checks that read the debugger's own output, and rewind started with a gdb server."""
import re
import subprocess

failures = []


def check(name, ok, detail="", limit=None):
    """Prints "ok   NAME" or "FAIL NAME" (with the detail, its last `limit` characters)."""
    print(("ok   " if ok else "FAIL ") + name)
    if not ok:
        failures.append(name)
        if detail:
            shown = detail if limit is None else detail[-limit:]
            print("     " + shown.replace("\n", "\n     "))


def start_stub(args, stdin=subprocess.DEVNULL):
    """Starts rewind with a gdb server (port 0: a free one); returns (process, port)."""
    proc = subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    for line in proc.stderr:
        m = re.search(r"waiting for gdb on [^:]+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.wait()
    raise SystemExit("rewind did not start its gdb server: " + proc.stdout.read())


def printed(expr, name):
    """A gdb command printing `name=VALUE` (unsigned) for values() to find."""
    return f'printf "{name}=%lu\\n", {expr}'


def values(output, name):
    """Every value printed as `name=VALUE` on a line of its own, in order."""
    return re.findall(rf"^{name}=(.*)$", output, re.M)
