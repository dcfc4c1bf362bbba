#!/usr/bin/env python3
"""A master configured with the wrong outstation address is told why it gets no data.

`dnp3 outstation --address 10`; masters that poll outstation 11 on the same connection:
  - `dnp3 poll --address 11` fails (exit 6, no DNP3 answer) and its error stream names the address the
    outstation spoke from: "fragment from outstation 10 for master 1: no association with
    outstation 10 on this connection (this master talks to outstation 11): is 10 the
    outstation's link address?", before "no answer to the integrity poll in time"; its
    output is empty (no table header over no rows);
  - `dnp3 master --address 11` logs the same line at WARN once (the outstation's retries of
    its null unsolicited response within 10 s are counted, not repeated);
  - the outstation, for its part, logs the frames for address 11 as foreign;
  - with the right address (10) neither line appears and the poll succeeds.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation  # noqa: E402
from e2elib import BIN, dnp3, require_bin  # noqa: E402

HINT = ("fragment from outstation 10 for master 1: no association with outstation 10 on this "
        "connection (this master talks to outstation 11): is 10 the outstation's link address?")


def check_poll(target):
    rc, out, err = dnp3("poll", target, "--address", "11", "--timeout", "2s")
    assert rc == 6, (rc, out, err)  # 6: no DNP3 answer in time
    assert out == "", out
    lines = err.strip().split("\n")
    assert lines[0] == "dnp3 poll: %s/11: %s" % (target, HINT), err
    assert "no answer to the integrity poll in time" in err, err


def check_right_address(target):
    rc, out, err = dnp3("poll", target, "--address", "10", "--timeout", "2s")
    assert rc == 0, (rc, err)
    assert out.startswith("type ") and "binary_input" in out, out
    assert "no association" not in err, err


def check_master(target):
    p = subprocess.Popen([BIN, "master", target, "--address", "11"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(7)  # the outstation's null unsolicited response, and its retry 5 s later
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=15)
    hits = [x for x in err.split("\n") if HINT in x]
    assert len(hits) == 1, err
    assert " WARN " in hits[0] and "%s/11: " % target in hits[0], hits


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--address", "10"], tmp)
        try:
            target = "127.0.0.1:%d" % o.port
            check_poll(target)
            check_master(target)  # before a right poll confirms the null unsolicited response
            check_right_address(target)
            o.wait_log(r"frame for address 11 from 1: this outstation is 10")
        finally:
            status = o.stop()
        assert status == 0, o.log()
    print("ok")


if __name__ == "__main__":
    main()
