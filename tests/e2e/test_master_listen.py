#!/usr/bin/env python3
"""`dnp3 master --listen` (outstations that dial in) against `dnp3 outstation --connect` (our
outstation's dual end point mode), over loopback with an ephemeral port:

  - the master listens; the outstation connects out; the master names the connection by the
    link source address of the first fragment it receives (the null unsolicited response):
    "connection 1 is outstation 10 (master 1)", and runs the start-up sequence on it;
  - static data (integrity poll) and unsolicited events arrive (--json lines with unsol true);
  - the outstation stopped and started again: the master logs the closed connection, waits,
    and attaches the association to the new connection ("connection 2 is outstation 10");
  - an outstation with an address nobody registered (12) is refused: logged and closed;
  - SIGINT: the master exits 0; the capture is DNP3 throughout for tshark.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation, tshark_check  # noqa: E402
from e2elib import BIN, tshark_installed, require_bin, stop_sigint, wait_for  # noqa: E402



def main():
    require_bin()
    have_tshark = tshark_installed()
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "listen.pcap")
        out_path, err_path = os.path.join(tmp, "m.out"), os.path.join(tmp, "m.err")
        mout, merr = open(out_path, "w"), open(err_path, "w")
        m = subprocess.Popen([BIN, "master", "--listen", "127.0.0.1:0", "--unsol", "--json",
                              "--pcap", pcap], stdout=mout, stderr=merr)

        def log():
            with open(err_path) as f:
                return f.read()
        outs = []
        try:
            port = int(wait_for(lambda: re.search(r"master: listening on 127\.0\.0\.1:(\d+)",
                                                  log()), 10, "the listening line").group(1))
            args = ["--connect", "127.0.0.1:%d" % port, "--simulate",
                    "--period", "300ms", "--points", "3"]
            o = Outstation(BIN, args, tmp, name="os1", wait_listen=False)
            outs.append(o)
            wait_for(lambda: "connection 1 is outstation 10 (master 1)" in log(), 10, "attach")
            wait_for(lambda: "integrity poll done" in log(), 10, "the integrity poll")
            wait_for(lambda: '"unsol": true' in open(out_path).read(), 15, "unsolicited events")
            assert o.stop() == 0
            wait_for(lambda: "closed; waiting for it" in log(), 10, "the close")
            o = Outstation(BIN, args, tmp, name="os2", wait_listen=False)
            outs.append(o)
            wait_for(lambda: "connection 2 is outstation 10 (master 1)" in log(), 15, "re-attach")
            wait_for(lambda: log().count("integrity poll done") >= 2, 10, "a second poll")
            o3 = Outstation(BIN, ["--connect", "127.0.0.1:%d" % port, "--address", "12"], tmp,
                            name="os3", wait_listen=False)
            outs.append(o3)
            wait_for(lambda: "outstation 12 (to 1) is not configured: closing" in log(), 10,
                     "the refusal")
        finally:
            status = stop_sigint(m)
            mout.close()
            merr.close()
            for o in outs:
                o.stop()
        assert status == 0, (status, log())
        with open(out_path) as f:
            objs = [json.loads(x) for x in f.read().strip().split("\n") if x]
        assert any(not x["event"] for x in objs) and any(x["unsol"] for x in objs), objs[:3]
        assert all(x["assoc"] == "dial-in/10" for x in objs), objs[:3]
        if have_tshark:
            problems = tshark_check(pcap, port)
            assert not problems, problems
    print("ok")


if __name__ == "__main__":
    main()
