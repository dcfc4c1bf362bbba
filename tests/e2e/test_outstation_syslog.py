#!/usr/bin/env python3
"""`dnp3 outstation --syslog` never logs into the void.

syslog(3) drops every line without a word when nothing listens on /dev/log (a container, a
machine without a syslog daemon). At start the outstation looks:
  - no /dev/log (CI's containers): one line on the error stream says so, with the reason
    ("dnp3 outstation: --syslog: /dev/log: No such file or directory (no syslog daemon?):
    logging to the error stream instead"), and its log lines (listening, a master's
    connection, the stop) then come on the error stream, timestamped as without --syslog;
    a poll against it works;
  - /dev/log there: no such line, and the log lines are not on the error stream (they went to
    syslog); a poll against it works.
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation  # noqa: E402
from e2elib import BIN, free_port, require_bin  # noqa: E402

FALLBACK = ("dnp3 outstation: --syslog: /dev/log: No such file or directory (no syslog "
            "daemon?): logging to the error stream instead")


def poll(port):
    p = subprocess.run([BIN, "poll", "127.0.0.1:%d" % port, "--timeout", "5s"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, (p.returncode, p.stderr)


def without_dev_log(tmp):
    o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--syslog"], tmp)
    try:
        poll(o.port)
        o.wait_log(r"INFO  tcp 127\.0\.0\.1:%d: accepted connection" % o.port)
    finally:
        status = o.stop()
    assert status == 0, o.log()
    lines = o.log().split("\n")
    assert lines[0] == FALLBACK, lines[:3]
    assert sum(1 for x in lines if "--syslog" in x) == 1, o.log()
    assert any(x.endswith("INFO  stopped") for x in lines), o.log()


def with_dev_log(tmp):
    port = free_port()
    o = Outstation(BIN, ["--listen", "127.0.0.1:%d" % port, "--syslog"], tmp, wait_listen=False)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                poll(port)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        status = o.stop()
    assert status == 0, o.log()
    assert "--syslog" not in o.log() and "listening on" not in o.log(), o.log()


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        if os.path.exists("/dev/log"):
            with_dev_log(tmp)
        else:
            without_dev_log(tmp)
    print("ok")


if __name__ == "__main__":
    main()
