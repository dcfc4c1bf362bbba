"""e2elib: what every end-to-end script needs around the `dnp3` binary under test.

    from e2elib import BIN, check, failures, skip, require_bin, run_groups
    require_bin()                      # exit 77 (skipped) without an executable DNP3_BIN
    rc, out, err = dnp3("decode", "05 64 ...")
    sys.exit(run_groups([test_a, test_b], "all checks passed"))

Raw frames come from dnp3wire (frame, crc); this module only adds the int form of the CRC.
Exit code 77 means skipped (ctest SKIP_RETURN_CODE); the script always prints why.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

from dnp3wire import TIME_SCALE, crc, frame, tshark_check  # noqa: F401 (frame re-exported)

BIN = os.environ.get("DNP3_BIN", "")
failures = []


def check(cond, what):
    """Record a failed check and go on, so one run shows every failure."""
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


def require_bin():
    if not BIN or not os.access(BIN, os.X_OK):
        skip("DNP3_BIN not set or not executable (%r)" % BIN)


def tshark_installed():
    return shutil.which("tshark") is not None


def require_tshark():
    if not tshark_installed():
        skip("tshark not installed")


def probe_capture_ok(pcap, port):
    """tshark_check, except for the one thing tshark 4.0.17 gets wrong in a probe: a READ with
    no object headers (valid, 4.4.1: the outstation answers with its IIN) is "malformed" to it.
    Every other packet must be clean, and every payload DNP3."""
    problems = tshark_check(pcap, port)
    if not problems:
        return True
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-d", "tcp.port==%d,dnp3" % port, "-Y",
                          "(_ws.malformed || _ws.expert.severity >= warning) && "
                          "!(dnp3.al.func == 1 && !dnp3.al.obj)"], capture_output=True, text=True)
    return not out.stdout.strip() and not any("not dissected" in p for p in problems)


def stop_sigint(proc, timeout=10):
    """SIGINT a running `dnp3` and wait for its exit status (killed if it does not exit)."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def crc_dnp(data):
    """CRC-16/DNP (IEEE 1815-2012 9.2.4.2) as an int."""
    return struct.unpack("<H", crc(data))[0]


def dnp3(*args, timeout=30):
    """Run `dnp3 ARGS...` to the end; (exit code, stdout, stderr) as text."""
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run(args, stdin=None, timeout=60):
    """Run `dnp3 ARGS` with bytes on stdin; (exit code, stdout, stderr) decoded, never raising
    on bad UTF-8 (the output under test may hold any byte)."""
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run_json(args, stdin=None):
    """run() with --json appended; the output's lines parsed (a line that is not JSON fails)."""
    rc, out, err = run(args + ["--json"], stdin)
    lines = []
    for ln in out.splitlines():
        if not ln.strip():
            continue
        try:
            lines.append(json.loads(ln))
        except ValueError as e:
            check(False, "not JSON (%s): %r" % (e, ln))
    return rc, lines, err


def wait_for(pred, timeout, what, detail=None):
    """Poll pred every 0.1 s until it returns something true (returned), else fail, with
    detail() (the logs that say why, say) in the message. The timeout is scaled by
    DNP3C_TIME_SCALE (dnp3wire.TIME_SCALE: longer under valgrind)."""
    deadline = time.monotonic() + timeout * TIME_SCALE
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what +
                         ("\n" + detail() if detail is not None else ""))


def free_port():
    """A loopback TCP port nothing listens on (just now)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_groups(tests, passed, width=40):
    """Run each test function, one line each; a crash in one must not hide the others.
    Returns the exit code: 1 if any check failed, else 0 (after printing `passed`)."""
    for t in tests:
        before = len(failures)
        try:
            t()
        except Exception as e:
            check(False, "%s raised %r" % (t.__name__, e))
        print("%-*s %s" % (width, t.__name__, "ok" if len(failures) == before else "FAILED"))
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print(passed)
    return 0
