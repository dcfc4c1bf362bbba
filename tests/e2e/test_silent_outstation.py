#!/usr/bin/env python3
"""A master that hears nothing at all on its connection says so, and what to check.

`dnp3 outstation --address 10`, whose null unsolicited response a first `dnp3 poll --address 10`
confirms (so that it sends nothing unasked on later connections):
  - `dnp3 poll --address 11 --timeout 2s` fails (exit 6) and its error line says that not one
    byte came back and names the addresses to check;
  - `dnp3 master --address 11 --timeout 2s` logs the same hint on the timeout's WARN line.
A peer that does send bytes (a REQUEST_LINK_STATUS from address 10 right after the connect) but
never answers the request: the poll still fails (exit 6), without the hint.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import LINK_REQUEST_STATUS, Outstation, frame  # noqa: E402
from e2elib import BIN, dnp3, require_bin  # noqa: E402

HINT = (r"nothing at all came back on this connection \((\d+) bytes sent, 0 received since it "
        r"opened\): check that the outstation's link address is 11 and that it accepts master "
        r"address 1")


def check_poll_silent(target):
    rc, out, err = dnp3("poll", target, "--address", "11", "--timeout", "2s")
    assert rc == 6, (rc, out, err)  # 6: no DNP3 answer in time
    lines = err.strip().split("\n")
    assert len(lines) == 1, err
    m = re.fullmatch(r"dnp3 poll: %s/11: no answer to the integrity poll in time; %s"
                     % (re.escape(target), HINT), lines[0])
    assert m and int(m.group(1)) > 0, err


def check_master_silent(target):
    p = subprocess.Popen([BIN, "master", target, "--address", "11", "--timeout", "2s"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.5)  # the start-up request (DISABLE_UNSOLICITED) times out at 2 s
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=15)
    hits = [x for x in err.split("\n") if re.search(HINT, x)]
    assert len(hits) == 1, err
    assert re.search(r" WARN  %s/11: assoc 1->11: no response to disable_unsol seq 0 within "
                     r"2000 ms; " % re.escape(target), hits[0]), hits


def talkative_peer(srv, stop):
    """Accepts, sends one REQUEST_LINK_STATUS (10 -> 1), reads and never answers."""
    conns = []
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        conns.append(c)
        c.sendall(frame(0x40 | LINK_REQUEST_STATUS, 1, 10))  # DIR=0, PRM=1: from an outstation
    for c in conns:
        c.close()


def check_poll_slow_peer():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    stop = threading.Event()
    t = threading.Thread(target=talkative_peer, args=(srv, stop), daemon=True)
    t.start()
    try:
        target = "127.0.0.1:%d" % srv.getsockname()[1]
        rc, out, err = dnp3("poll", target, "--address", "10", "--timeout", "2s")
        assert rc == 6, (rc, out, err)
        assert err == "dnp3 poll: %s/10: no answer to the integrity poll in time\n" % target, err
    finally:
        stop.set()
        t.join(5)
        srv.close()


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--address", "10"], tmp)
        try:
            target = "127.0.0.1:%d" % o.port
            rc, out, err = dnp3("poll", target, "--address", "10", "--timeout", "2s")
            assert rc == 0, (rc, err)  # and its null unsolicited response is confirmed
            check_poll_silent(target)
            check_master_silent(target)
        finally:
            status = o.stop()
        assert status == 0, o.log()
    check_poll_slow_peer()
    print("ok")


if __name__ == "__main__":
    main()
