#!/usr/bin/env python3
"""`dnp3 master HOST:PORT --unsol --json` against `dnp3 outstation --simulate` (loopback,
ephemeral port), with --toggle operating a binary output:

  - the start-up integrity poll gives every static point (event false, unsol false);
  - unsolicited events then arrive (event true, unsol true) without event polls;
  - every JSON line has exactly the documented keys; assoc is HOST:PORT/10;
  - the toggle's commands (checked as responses and unsolicited fragments arrive) succeed (SELECT then OPERATE, logged by the outstation), and binary
    input 1 follows binary output 1 (the simulation) in the unsolicited events;
  - the outstation stopped and started again on the same port: the master logs the
    disconnect, retries and reconnects, and polls again;
  - SIGINT ends the master with status 0, with no WARN line after it (the links going down
    are expected then); the --pcap capture is DNP3 throughout, nothing
    malformed, no warnings (tshark), with unsolicited responses and confirms in it;
  - SIGTERM (a second master, once it has polled) ends it with status 0 too, its capture
    intact (tshark); that master has --link-reset: its first frame is RESET_LINK_STATES to
    10, which the outstation ACKs, before any request of the start-up.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation, tshark_check, tshark_fields  # noqa: E402
from e2elib import BIN, require_bin, stop_sigint, require_tshark, wait_for  # noqa: E402

KEYS = ["ts", "assoc", "type", "group", "variation", "index", "value", "flags", "time", "event",
        "unsol"]


def bi1(objs):
    """Values of binary input 1 in events (the simulation copies binary output 1 there)."""
    return [x["value"] for x in objs
            if x["event"] and x["type"] == "binary_input" and x["index"] == 1]


def main():
    require_bin()
    require_tshark()
    with tempfile.TemporaryDirectory() as tmp:
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--points", "4", "--simulate",
                             "--period", "300ms"], tmp)
        port = o.port
        target = "127.0.0.1:%d" % port
        pcap = os.path.join(tmp, "master.pcap")
        out_path, err_path = os.path.join(tmp, "m.out"), os.path.join(tmp, "m.err")
        mout, merr = open(out_path, "w"), open(err_path, "w")
        # Integrity polls 5 s apart: the outstation holds events up to 1 s for an unsolicited
        # response, and polls 1 s apart took most of them on a loaded machine (fewer than
        # ten unsolicited in 15 s, once).
        m = subprocess.Popen([BIN, "master", target, "--unsol", "--json", "--integrity-period",
                              "5s", "--toggle", "1", "--toggle-period", "1s", "--pcap", pcap], stdout=mout, stderr=merr)

        def log():
            with open(err_path) as f:
                return f.read()

        def objs():
            with open(out_path) as f:
                text = f.read()
            return [json.loads(x) for x in text[:text.rfind("\n") + 1].split("\n") if x]
        try:
            def why():
                return "master:\n%s\noutstation:\n%s" % (log()[-4000:], o.log()[-4000:])
            wait_for(lambda: sum(1 for x in objs() if x["unsol"]) >= 10, 15,
                     "unsolicited events", why)
            wait_for(lambda: log().count("SUCCESS, status SUCCESS") >= 2, 15, "two toggles")
            o.wait_log(r"control SELECT g12v1 index 1 LATCH_ON")
            o.wait_log(r"control OPERATE g12v1 index 1 LATCH_OFF")
            wait_for(lambda: {0, 1} <= set(bi1(objs())), 15, "binary input 1 both ways")
            # the outstation goes away and comes back on the same port
            assert o.stop() == 0
            wait_for(lambda: "disconnected" in log(), 10, "the disconnect")
            o = Outstation(BIN, ["--listen", target, "--points", "4", "--simulate", "--period",
                                 "300ms"], tmp, name="outstation2")
            wait_for(lambda: log().count("integrity poll done") >= 2, 20, "a second integrity poll")
        finally:
            status = stop_sigint(m)
            mout.close()
            merr.close()
            o.stop()
        assert status == 0, (status, log())
        all_objs = objs()
        for x in all_objs:
            assert list(x.keys()) == KEYS, x
            assert x["assoc"] == target + "/10", x
        static = [x for x in all_objs if not x["event"] and not x["unsol"]]
        types = {x["type"] for x in static}
        assert {"binary_input", "analog_input", "counter", "binary_output_status"} <= types, types
        unsol = [x for x in all_objs if x["unsol"]]
        assert all(x["event"] for x in unsol), unsol[:3]
        text = log()
        assert "connected to 127.0.0.1:%d" % port in text, text
        assert "disconnected (peer closed); reconnecting" in text, text
        assert "reconnecting in" in text or "connection attempt in" in text, text
        assert "IIN" in text, text
        # a stop on purpose: the links that go down with it are not warned about
        after = text[text.index("master: signal 2, stopping"):]
        assert " WARN " not in after, after
        problems = tshark_check(pcap, port)
        assert not problems, problems
        funcs = set()
        for row in tshark_fields(pcap, port, ["dnp3.al.func"]):
            funcs |= {int(f, 0) for f in row[0].split("|") if f}
        # CONFIRM 0, READ 1, SELECT 3, OPERATE 4, ENABLE/DISABLE_UNSOLICITED 20/21,
        # RESPONSE 129, UNSOLICITED_RESPONSE 130
        assert {0, 1, 3, 4, 20, 21, 129, 130} <= funcs, sorted(funcs)
    print("ok")


def sigterm_run():
    """A master (--link-reset) polling an outstation, ended by SIGTERM: status 0, its capture
    whole, the link reset first."""
    with tempfile.TemporaryDirectory() as tmp:
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--points", "4"], tmp)
        pcap = os.path.join(tmp, "term.pcap")
        err_path = os.path.join(tmp, "t.err")
        with open(err_path, "w") as merr:
            m = subprocess.Popen([BIN, "master", "127.0.0.1:%d" % o.port, "--link-reset", "--pcap",
                                  pcap],
                                 stdout=subprocess.DEVNULL, stderr=merr)

            def log():
                with open(err_path) as f:
                    return f.read()
            try:
                wait_for(lambda: "integrity poll done" in log(), 15, "the integrity poll")
            finally:
                m.send_signal(signal.SIGTERM)
                try:
                    status = m.wait(10)
                except subprocess.TimeoutExpired:
                    m.kill()
                    raise
                o.stop()
        assert status == 0, (status, log())
        problems = tshark_check(pcap, o.port)
        assert not problems, problems
        funcs = set()
        for row in tshark_fields(pcap, o.port, ["dnp3.al.func"]):
            funcs |= {int(f, 0) for f in row[0].split("|") if f}
        assert {1, 129} <= funcs, sorted(funcs)
        check_link_reset_first(pcap, o.port)


def check_link_reset_first(pcap, port):
    """The segments in order (tshark lists the fields of a segment's frames together): the
    master's first is RESET_LINK_STATES (function 0) to 10 alone, and an ACK (secondary
    function 0) from 10 comes before the master's first application request."""
    rows = tshark_fields(pcap, port, ["dnp3.src", "dnp3.dst", "dnp3.ctl.prifunc",
                                      "dnp3.ctl.secfunc", "dnp3.al.func"])
    rows = [[c.split("|") for c in r] + [[""]] * (5 - len(r)) for r in rows]
    ours = [r for r in rows if r[0][0] == "1"]
    assert ours and ours[0][:3] == [["1"], ["10"], ["0"]] and ours[0][4] == [""], ours[:2]
    first_request = next(i for i, r in enumerate(rows) if r[0][0] == "1" and r[4] != [""])
    assert any(r[0][0] == "10" and "0" in r[3] for r in rows[:first_request]), rows


if __name__ == "__main__":
    main()
    sigterm_run()
