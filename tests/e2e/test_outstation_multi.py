#!/usr/bin/env python3
"""One `dnp3 outstation` process as a data concentrator: two outstations (link addresses 10
and 11, each its own database) on one port, outstation 10 with two masters (1 and 2, each its
own event buffer).
  1. one connection carries requests to both outstations (a multi-drop master): each answers
     from its own database (10 has 3 analog inputs, 11 has 5);
  2. masters 1 and 2 on two connections to outstation 10 at once: a control from master 1
     makes a binary output event that BOTH masters receive, and master 1's confirm does not
     remove it from master 2's buffer;
  3. the counters show three attached associations and no refusals; tshark finds the
     capture clean;
  4. several ports: outstation 20 with a `listen` of its own answers on its port only (on the
     shared port, a frame for 20 is a foreign frame, logged with both addresses).
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import *  # noqa: E402,F401,F403
from e2elib import BIN, require_bin, require_tshark  # noqa: E402


CONFIG = """
listen: 127.0.0.1:0
outstations:
  - address: 10
    points:
      analog: {count: 3, class: 2}
      binary_output: {count: 2, class: 1}
    associations:
      - master: 1
      - master: 2
  - address: 11
    points:
      analog: {count: 5, class: 2}
    associations:
      - master: 1
"""

READ_G30 = bytes.fromhex("1e0106")  # g30 variation 0, all points


def count_points(frag):
    """Points of the first object header of a response with qualifier 0x00 or 0x01."""
    q = frag.objects[2]
    if q == 0x00:
        return frag.objects[4] - frag.objects[3] + 1
    if q == 0x01:
        return int.from_bytes(frag.objects[5:7], "little") - \
            int.from_bytes(frag.objects[3:5], "little") + 1
    raise AssertionError("qualifier 0x%02x" % q)


PORTS = """
listen: 127.0.0.1:0
outstations:
  - address: 10
    points: {analog: {count: 3}}
    associations: [{master: 1}]
  - address: 20
    listen: 127.0.0.1:0
    points: {analog: {count: 7}}
    associations: [{master: 1}]
"""


def check_ports(tmp):
    path = os.path.join(tmp, "ports.yaml")
    with open(path, "w") as f:
        f.write(PORTS)
    o = Outstation(BIN, ["--config", path], tmp, name="ports")
    try:
        o.wait_log(r"listening on .*:\d+ \(1 stations, 1 associations\)(.|\n)*"
                   r"listening on .*:\d+ \(1 stations, 1 associations\)")
        ports = [int(p) for p in re.findall(r"listening on [^\s]*:(\d+) \(", o.log())]
        assert len(ports) == 2 and ports[0] == o.port, ports
        a = Master("127.0.0.1", ports[0], outstation=10)
        assert count_points(a.request(FC_READ, READ_G30)) == 3
        b = Master("127.0.0.1", ports[1], outstation=20)
        assert count_points(b.request(FC_READ, READ_G30)) == 7
        a.send_request(FC_READ, READ_G30, dst=20)
        o.wait_log(r"frame for address 20 from 1")
        assert o.counters()["server"]["foreign_frames"] == 1
        a.close()
        b.close()
    finally:
        assert o.stop() == 0


def main():
    require_bin()
    require_tshark()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "multi.yaml")
        with open(path, "w") as f:
            f.write(CONFIG)
        pcap = os.path.join(tmp, "multi.pcap")
        o = Outstation(BIN, ["--config", path, "--pcap", pcap], tmp)
        try:
            # 1. one connection, two outstations
            m1 = Master("127.0.0.1", o.port, master=1, outstation=10)
            r = m1.request(FC_READ, READ_G30)
            assert r.src == 10 and count_points(r) == 3, r
            m1.outstation = 11
            r = m1.request(FC_READ, READ_G30)
            assert r.src == 11 and count_points(r) == 5, r
            m1.outstation = 10
            # 2. a second master of outstation 10
            m2 = Master("127.0.0.1", o.port, master=2, outstation=10)
            r = m2.request(FC_READ, CLASS_123)  # empty its buffer of anything so far
            r = m1.request(FC_READ, CLASS_123)
            r = m1.request(FC_DIRECT_OPERATE, crob(1, 0x03))
            assert r.objects[-1] == 0, r
            time.sleep(0.3)
            g11 = bytes.fromhex("0b0228")  # g11v2, 2-octet index prefix
            r1 = m1.request(FC_READ, bytes.fromhex("3c0206"))  # class 1
            assert r1.objects.startswith(g11) and r1.con, r1  # confirmed by request()
            r2 = m2.request(FC_READ, bytes.fromhex("3c0206"))
            assert r2.objects.startswith(g11), r2  # still there for master 2
            assert r1.objects[:12] == r2.objects[:12], (r1, r2)  # the same event
            r1 = m1.request(FC_READ, bytes.fromhex("3c0206"))
            assert r1.objects == b"", r1  # master 1's copy is gone (confirmed)
            # 3. counters
            c = o.counters()
            assert c["server"]["attaches"] == 3, c
            assert c["server"]["refused_duplicate"] == 0 and c["server"]["unknown_master"] == 0, c
            assert c["association 10/1"]["connected"] == 1, c
            assert c["association 10/2"]["connected"] == 1, c
            assert c["association 11/1"]["connected"] == 1, c
            m1.close()
            m2.close()
        finally:
            status = o.stop()
        assert status == 0, o.log()
        problems = tshark_check(pcap, o.port)
        assert not problems, "\n".join(problems)
        check_ports(tmp)
    print("ok")


if __name__ == "__main__":
    main()
