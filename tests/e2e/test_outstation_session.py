#!/usr/bin/env python3
"""`dnp3 outstation` over loopback, driven by a master written here (dnp3wire.py).

One outstation (quick flags, --pcap, ephemeral port):
  1. connect: the null unsolicited response with DEVICE_RESTART comes first;
  2. integrity poll (class 1, 2, 3, 0): a response with IIN1.7 and IIN1.4 and the static
     objects of every point type (checked by tshark: g1v2, g3v2, g10v2, g20v1, g21v1, g30v1,
     g40v1, g110);
  3. WRITE g80v1 index 7 clears DEVICE_RESTART;
  4. controls: DIRECT_OPERATE and SELECT + OPERATE of a CROB, DIRECT_OPERATE of g41v2, echoed
     with status SUCCESS and logged; a CROB for a point that does not exist answers
     NOT_SUPPORTED (4);
  5. events: each control moved a binary or analog output, so a class 3 poll returns g11 and
     g42 events, confirmed;
  6. a frame for address 11 is ignored and logged with both addresses; a master with no
     association (5) is logged;
  7. SIGUSR1 prints the counters (exact where this test caused them); SIGTERM exits 0;
  8. tshark: every payload is DNP3, nothing malformed, no CRC or other warning.
A second outstation with --simulate: events flow without polling once unsolicited is enabled,
and a CROB on binary output 2 drives binary input 2. A third with --decode values: the
protocol trace of a READ and its response, down to the points.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import *  # noqa: E402,F401,F403
from e2elib import BIN, require_bin, require_tshark  # noqa: E402



def objs_of(pcap, port):
    """Set of (func, group*256+variation) in the capture (tshark's reading)."""
    seen = set()
    for row in tshark_fields(pcap, port, ["dnp3.al.func", "dnp3.al.obj"]):
        if len(row) < 2 or not row[0] or not row[1]:
            continue
        func = int(row[0].split("|")[0], 0)
        for o in row[1].split("|"):
            seen.add((func, int(o, 0)))
    return seen


def check_session(tmp):
    pcap = os.path.join(tmp, "session.pcap")
    o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--pcap", pcap, "--points", "10"], tmp)
    m = None
    try:
        m = Master("127.0.0.1", o.port)
        # 1. the null unsolicited response at start-up (IIN1.7), confirmed
        first = m.fragment()
        assert first.func == FC_UNSOLICITED and first.objects == b"", first
        assert first.iin & IIN_DEVICE_RESTART, first
        m.confirm(first)
        # 2. integrity poll
        r = m.request(FC_READ, CLASS_0123)
        assert r.func == FC_RESPONSE, r
        assert r.iin & IIN_DEVICE_RESTART and r.iin & IIN_NEED_TIME, r
        assert r.iin & 0x00FF == 0, r  # no IIN2 error bit
        assert len(r.objects) > 100, r
        # 3. clear DEVICE_RESTART
        r = m.request(FC_WRITE, CLEAR_RESTART)
        assert not r.iin & IIN_DEVICE_RESTART and r.iin & 0xFF == 0, r
        # 4. controls
        req = crob(3, 0x03)  # LATCH_ON
        r = m.request(FC_DIRECT_OPERATE, req)
        assert r.objects == req, r  # echoed, status 0 (SUCCESS)
        req = crob(4, 0x03)
        r = m.request(FC_SELECT, req)
        assert r.objects == req, r
        r = m.request(FC_OPERATE, req)
        assert r.objects == req, r
        req = bytes.fromhex("2902 28 0100 0100 2a00 00")  # g41v2 (16-bit) index 1 = 42
        r = m.request(FC_DIRECT_OPERATE, req)
        assert r.objects == req, r
        r = m.request(FC_DIRECT_OPERATE, crob(50, 0x03))
        assert r.objects[-1] == 4, r  # NOT_SUPPORTED
        o.wait_log(r"control DIRECT_OPERATE g12v1 index 3 LATCH_ON count 1 on 100 ms off 100 ms")
        o.wait_log(r"control SELECT g12v1 index 4 LATCH_ON")
        o.wait_log(r"control OPERATE g12v1 index 4 LATCH_ON")
        o.wait_log(r"control DIRECT_OPERATE g41v2 index 1 value 42")
        # 5. the outputs moved: binary and analog output events (classes 1 and 3)
        time.sleep(0.3)
        r = m.request(FC_READ, CLASS_123)
        assert r.func == FC_RESPONSE and r.con, r  # events ask for a confirm (sent)
        assert r.objects[:2] in (b"\x0b\x02", b"\x0b\x01", b"\x2a\x01", b"\x0d\x02"), r
        # 6. a frame for another outstation address, and a master with no association
        m.send_request(FC_READ, CLASS_0, dst=11)
        o.wait_log(r"frame for address 11 from 1")
        m2 = Master("127.0.0.1", o.port, master=5)
        m2.send_request(FC_READ, CLASS_0)
        o.wait_log(r"request from master 5 for outstation 10 ignored")
        m2.close()
        # the first master still works
        r = m.request(FC_READ, CLASS_0)
        assert r.func == FC_RESPONSE, r
        # 7. counters
        c = o.counters()
        assert c["runtime"]["accepted"] == 2, c
        assert c["server"]["attaches"] == 1, c
        assert c["server"]["foreign_frames"] == 1, c
        assert c["server"]["unknown_master"] == 1, c
        a = c["association 10/1"]
        assert a["connected"] == 1, c
        assert a["controls_success"] >= 4 and a["controls"] == a["controls_success"] + 1, c
        assert a["malformed"] == 0 and a["errors_iin"] == 0, c
        assert a["events_confirmed"] >= 2, c
        e = c["events 10/1"]
        assert e["discarded"] == 0 and e["overflows"] == 0, c
        assert e["added"] == e["confirmed"] + e["held"], c  # nothing left silently
    finally:
        if m:
            m.close()
        status = o.stop()
    assert status == 0, "exit status %d\n%s" % (status, o.log())
    assert "stopped" in o.log()
    # 8. tshark
    problems = tshark_check(pcap, o.port)
    assert not problems, "\n".join(problems)
    seen = objs_of(pcap, o.port)
    for obj in (0x0102, 0x0302, 0x0A02, 0x1401, 0x1501, 0x1E01, 0x2801):
        assert (0x81, obj) in seen, "g%dv%d not in any response: %s" % (obj >> 8, obj & 255, seen)
    assert (0x05, 0x0C01) in seen and (0x03, 0x0C01) in seen and (0x04, 0x0C01) in seen, seen


def check_simulate(tmp):
    o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--simulate", "--period", "100ms"], tmp,
                   name="simulate")
    m = None
    try:
        m = Master("127.0.0.1", o.port)
        r = m.request(FC_READ, CLASS_0123)
        assert r.func == FC_RESPONSE, r
        r = m.request(FC_ENABLE_UNSOLICITED, CLASS_123)
        assert r.iin & 0xFF == 0, r
        f = m.wait_unsolicited(10.0, lambda f: len(f.objects) > 0)
        assert f is not None, "no unsolicited events within 10 s\n" + o.log()
        # CROB LATCH_ON on binary output 2 drives binary input 2 (read g1v2 index 2)
        r = m.request(FC_DIRECT_OPERATE, crob(2, 0x03))
        assert r.objects[-1] == 0, r
        deadline = time.monotonic() + 5
        value = None
        while time.monotonic() < deadline:
            r = m.request(FC_READ, bytes.fromhex("010200 0202"))
            value = r.objects[-1]
            if value & 0x80:
                break
            time.sleep(0.1)
        assert value is not None and value & 0x81 == 0x81, "binary input 2 = %r" % value
    finally:
        if m:
            m.close()
        status = o.stop(sig=signal.SIGINT)
    assert status == 0, "exit status %d\n%s" % (status, o.log())


def check_trace(tmp):
    """--decode values: each request and response in the log, down to the points."""
    o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--decode", "values"], tmp, name="trace")
    try:
        m = Master("127.0.0.1", o.port)
        m.request(FC_READ, bytes.fromhex("1e0100 0001"))  # g30v1 indices 0..1
        m.close()
        o.wait_log(r"rx from 1: Application: FIR FIN seq=0 func=1 READ")
        o.wait_log(r"rx from 1:   g30v1 .* qualifier=0x00 start=0 stop=1 \(2 points\)")
        o.wait_log(r"tx to 1: Application: FIR FIN seq=0 func=129 RESPONSE")
        o.wait_log(r"tx to 1:     \[1\] value=0 flags=0x01 \[ONLINE\]")
    finally:
        assert o.stop() == 0


def check_trace_layers(tmp):
    """--decode per layer: link and transport lines for every frame each way."""
    o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--decode",
                         "link=header,transport=header,app=header"], tmp, name="layers")
    try:
        m = Master("127.0.0.1", o.port)
        m.request(FC_READ, bytes.fromhex("1e0100 0001"))
        m.close()
        o.wait_log(r"rx Link: len=\d+ DIR=1 PRM=1 .* UNCONFIRMED_USER_DATA dst=10 src=1")
        o.wait_log(r"rx Transport: FIR FIN seq=\d+")
        o.wait_log(r"rx from 1: Application: FIR FIN seq=0 func=1 READ")
        o.wait_log(r"tx Link: len=\d+ DIR=0 PRM=1 .* UNCONFIRMED_USER_DATA dst=1 src=10")
        o.wait_log(r"tx Transport: FIR FIN seq=\d+")
        o.wait_log(r"tx to 1: Application: FIR FIN seq=0 func=129 RESPONSE")
    finally:
        assert o.stop() == 0
    assert "g30v1" not in o.log(), "app=header shows no object headers"


def main():
    require_bin()
    require_tshark()
    with tempfile.TemporaryDirectory() as tmp:
        check_session(tmp)
        check_simulate(tmp)
        check_trace(tmp)
        check_trace_layers(tmp)
    print("ok")


if __name__ == "__main__":
    main()
