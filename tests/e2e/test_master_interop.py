#!/usr/bin/env python3
"""Our master commands against an outstation we did not write: opendnp3 3.1.2's, as the
non-interactive `od_outstation` built outside the repository (/work/interop, or
$DNP3C_INTEROP; skipped when absent). Over loopback, ephemeral port:

  - dnp3 probe: the link answers, the empty READ gives IIN (after the null unsolicited
    response is confirmed: opendnp3 holds its answers until then);
  - dnp3 poll: 5 static points of each of the 7 types opendnp3 serves;
  - dnp3 operate: CROB direct (TRIP) and select-before-operate (LATCH_ON), analog g41v1 direct
    and g41v3 select-before-operate, each SUCCESS and seen by opendnp3 with that function code;
    a CROB opendnp3 does not have: exit 1;
  - dnp3 master --unsol --json: opendnp3's generated analog events (generated once the
    master's start-up is done) arrive unsolicited with consecutive values, and opendnp3 sees them confirmed; SIGINT exits 0;
  - tshark: every capture is DNP3 throughout, nothing malformed or warned.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import tshark_check  # noqa: E402
from e2elib import (BIN, free_port, probe_capture_ok, require_bin, require_tshark, skip,  # noqa: E402
                    wait_for)

INTEROP = os.environ.get("DNP3C_INTEROP", "/work/interop")
OD = os.path.join(INTEROP, "bin", "od_outstation")


def dnp3(*args):
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


class Od:
    def __init__(self, tmp, port, extra):
        self.path = os.path.join(tmp, "od_%d.out" % port)
        self.f = open(self.path, "w")
        self.p = subprocess.Popen([OD, "--port", str(port), "--points", "5"] + extra,
                                  stdout=self.f, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.3)

    def out(self):
        with open(self.path) as f:
            return f.read()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)
        self.f.close()
        return self.p.returncode


def check_commands(tmp):
    port = free_port()
    target = "127.0.0.1:%d" % port
    od = Od(tmp, port, ["--unsol"])
    try:
        pcap = os.path.join(tmp, "probe.pcap")
        rc, out, err = dnp3("probe", target, "--pcap", pcap)
        assert rc == 0 and "IIN 9000 (NEED_TIME DEVICE_RESTART)" in out, (rc, out, err)
        assert probe_capture_ok(pcap, port)
        pcap = os.path.join(tmp, "poll.pcap")
        rc, out, err = dnp3("poll", target, "--json", "--pcap", pcap)
        assert rc == 0, (rc, err)
        objs = [json.loads(x) for x in out.strip().split("\n")]
        static = {}
        for o in objs:
            if not o["event"]:
                static.setdefault(o["type"], []).append(o["index"])
        for t in ["binary_input", "double_bit_input", "binary_output_status", "counter",
                  "frozen_counter", "analog_input", "analog_output_status"]:
            assert sorted(static.get(t, [])) == [0, 1, 2, 3, 4], (t, static)
        assert not tshark_check(pcap, port)
        runs = [
            (["--index", "1", "--code", "trip", "--direct"], "direct operate",
             "fc=DirectOperate obj=CROB idx=1 code=0x81"),
            (["--index", "0", "--code", "latch-on"], "select-before-operate",
             "fc=SelectBeforeOperate obj=CROB idx=0 code=0x03"),
            (["--index", "2", "--analog", "1234", "--direct"], "direct operate",
             "fc=DirectOperate obj=AO_INT32 idx=2 value=1234"),
            (["--index", "3", "--analog", "12.5"], "select-before-operate",
             "fc=SelectBeforeOperate obj=AO_FLOAT32 idx=3 value=12.5"),
        ]
        for i, (args, mode, seen) in enumerate(runs):
            pcap = os.path.join(tmp, "op%d.pcap" % i)
            rc, out, err = dnp3("operate", target, "--pcap", pcap, *args)
            assert rc == 0 and ("(%s): SUCCESS, status SUCCESS" % mode) in out, (args, rc, out, err)
            assert seen in od.out(), (seen, od.out())
            assert not tshark_check(pcap, port)
        rc, out, err = dnp3("operate", target, "--index", "99", "--code", "latch-on", "--direct")
        assert rc == 1, (rc, out, err)
    finally:
        assert od.stop() == 0


def od_has(option):
    """Whether this build of the peer knows option (older builds of /work/interop lack some)."""
    p = subprocess.run([OD, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    return option in p.stdout


def check_master(tmp):
    """The generator starts once the master's start-up (DISABLE, integrity poll, ENABLE) is
    done, so that every event can only come unsolicited: started on a timer instead, a master
    slowed by a loaded machine saw them in its integrity poll (values [])."""
    if not od_has("--gen-start-file"):
        print("check_master skipped: %s has no --gen-start-file (rebuild it with "
              "/work/interop/build.sh)" % OD)
        return
    port = free_port()
    target = "127.0.0.1:%d" % port
    go = os.path.join(tmp, "generate")
    od = Od(tmp, port, ["--unsol", "--events-per-sec", "20", "--gen-start-file", go,
                        "--max-events", "40"])
    pcap = os.path.join(tmp, "master.pcap")
    out_path, err_path = os.path.join(tmp, "m.out"), os.path.join(tmp, "m.err")

    def mlog():
        with open(err_path) as f:
            return f.read()
    with open(out_path, "w") as mout, open(err_path, "w") as merr:
        m = subprocess.Popen([BIN, "master", target, "--unsol", "--json", "--pcap", pcap],
                             stdout=mout, stderr=merr)
        try:
            wait_for(lambda: "start-up sequence done" in mlog(), 20, "the master's start-up",
                     lambda: mlog()[-3000:] + od.out()[-3000:])
            open(go, "w").close()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and "GEN_DONE" not in od.out():
                time.sleep(0.2)
            time.sleep(1.5)  # the last events' hold time
        finally:
            m.send_signal(signal.SIGINT)
            status = m.wait(10)
            od_status = od.stop()
    assert status == 0 and od_status == 0, (status, od_status)
    with open(out_path) as f:
        objs = [json.loads(x) for x in f.read().strip().split("\n") if x]
    values = [o["value"] for o in objs
              if o["unsol"] and o["event"] and o["type"] == "analog_input"]
    assert values == list(range(1, 41)), (values, mlog()[-3000:], od.out()[-3000:])
    assert "CONFIRM unsol=1" in od.out()
    assert not tshark_check(pcap, port)


def main():
    require_bin()
    if not os.access(OD, os.X_OK):
        skip("opendnp3's od_outstation not built (%s)" % OD)
    require_tshark()
    with tempfile.TemporaryDirectory() as tmp:
        check_commands(tmp)
        check_master(tmp)
    print("ok")


if __name__ == "__main__":
    main()
