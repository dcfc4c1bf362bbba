#!/usr/bin/env python3
"""Multi-drop: two outstations (addresses 20 and 21) behind ONE TCP connection, as a terminal
server in front of a serial bus would present them. `dnp3 outstation` hosts both addresses on
one port; `dnp3 master --config` puts two associations on one channel (`channel: bus`):

  - the outstation accepts exactly one connection, and attaches both outstation/master pairs
    on it;
  - each association runs its own start-up and integrity poll on the shared connection and
    reports its own points (JSON assoc "bus-20" and "bus-21", each with its static data);
  - tshark sees requests to both link addresses and responses from both on the one stream,
    nothing malformed; SIGINT exits 0;
  - with class polls every 100 ms on both, the two are polled in turn: each gets its READs
    (neither starves) and no more than 3 READs in a row go to one address.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation, tshark_check, tshark_fields  # noqa: E402
from e2elib import BIN, require_bin, tshark_installed  # noqa: E402


OUTSTATION = """listen: 127.0.0.1:0
outstations:
  - address: 20
    points:
      binary:
        count: 2
    associations:
      - master: 1
  - address: 21
    points:
      analog:
        count: 3
    associations:
      - master: 1
"""

MASTER = """defaults:
  integrity_period: 0ms
  class_poll: 100ms
associations:
  - name: bus-20
    channel: bus
    endpoints: [127.0.0.1:%d]
    address: 20
  - name: bus-21
    channel: bus
    endpoints: [127.0.0.1:%d]
    address: 21
"""


def check_in_turn(pcap, port):
    """The READs the master sent, in order: both addresses served, in turn."""
    reads = []
    for src, dst, func in tshark_fields(pcap, port, ["dnp3.src", "dnp3.dst", "dnp3.al.func"]):
        s, d, f = src.split("|"), dst.split("|"), func.split("|")
        if len(s) == len(d) == len(f):
            reads += [dd for ss, dd, ff in zip(s, d, f) if ss == "1" and ff and int(ff, 0) == 1]
    assert reads.count("20") >= 5 and reads.count("21") >= 5, reads
    run, longest = 0, 0
    for i, d in enumerate(reads):
        run = run + 1 if i and reads[i - 1] == d else 1
        longest = max(longest, run)
    assert longest <= 3, reads


def main():
    require_bin()
    have_tshark = tshark_installed()
    with tempfile.TemporaryDirectory() as tmp:
        oy = os.path.join(tmp, "o.yaml")
        with open(oy, "w") as f:
            f.write(OUTSTATION)
        o = Outstation(BIN, ["--config", oy], tmp)
        my = os.path.join(tmp, "m.yaml")
        with open(my, "w") as f:
            f.write(MASTER % (o.port, o.port))
        pcap = os.path.join(tmp, "bus.pcap")
        out_path, err_path = os.path.join(tmp, "m.out"), os.path.join(tmp, "m.err")
        with open(out_path, "w") as mout, open(err_path, "w") as merr:
            m = subprocess.Popen([BIN, "master", "--config", my, "--json", "--pcap", pcap],
                                 stdout=mout, stderr=merr)
            try:
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    with open(err_path) as f:
                        log = f.read()
                    if log.count("integrity poll done") >= 2:
                        break
                    time.sleep(0.1)
                time.sleep(2)  # class polls run (about 20 each); only their order is checked
            finally:
                m.send_signal(signal.SIGINT)
                status = m.wait(10)
        with open(err_path) as f:
            log = f.read()
        ostatus = o.stop()
        olog = o.log()
        assert status == 0 and ostatus == 0, (status, ostatus, log)
        assert "bus-20: integrity poll done" in log and "bus-21: integrity poll done" in log, log
        assert olog.count("accepted connection") == 1, olog
        assert "outstation 20 / master 1 attached" in olog, olog
        assert "outstation 21 / master 1 attached" in olog, olog
        with open(out_path) as f:
            objs = [json.loads(x) for x in f.read().strip().split("\n") if x]
        s20 = {(x["type"], x["index"]) for x in objs if x["assoc"] == "bus-20" and not x["event"]}
        s21 = {(x["type"], x["index"]) for x in objs if x["assoc"] == "bus-21" and not x["event"]}
        assert {("binary_input", 0), ("binary_input", 1)} <= s20, s20
        assert {("analog_input", 0), ("analog_input", 2)} <= s21, s21
        assert not any(t == "analog_input" for t, _ in s20), s20
        if have_tshark:
            assert not tshark_check(pcap, o.port)
            rows = tshark_fields(pcap, o.port, ["dnp3.src", "dnp3.dst"])
            pairs = set()
            for r in rows:
                pairs |= set(zip(r[0].split("|"), r[1].split("|")))
            assert {("1", "20"), ("1", "21"), ("20", "1"), ("21", "1")} <= pairs, pairs
            check_in_turn(pcap, o.port)
    print("ok")


if __name__ == "__main__":
    main()
