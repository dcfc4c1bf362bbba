#!/usr/bin/env python3
"""`dnp3 probe` against each case it reports, over loopback, with its exit status:

  - a closed port: "connection refused", exit 3;
  - a listener that accepts and never answers DNP3: no link answer from the address, the self
    address asked, exit 6, and the capture holds both REQUEST_LINK_STATUS frames (to 10, then
    to 0xFFFC) as tshark reads them;
  - our outstation at address 11 probed as 10: "the device is address 11, not 10", exit 6;
  - our outstation probed at its address: the link answered, IIN with DEVICE_RESTART (the
    outstation has just started), exit 0; --json gives the same as one object; the capture
    holds REQUEST_LINK_STATUS, LINK_STATUS, the confirm of the outstation's null unsolicited
    response, the empty READ and its response (tshark clean,
    except that tshark 4.0.17 calls a READ without object headers malformed);
  - a peer that speaks something else (HTTP): "does not speak DNP3", exit 6.
The connect timeout (exit 4) and host unreachable (exit 5) need a network that drops or
rejects packets; they are mapped from the runtime's codes and unit tested (test_station_cli).
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation, tshark_check, tshark_fields  # noqa: E402
from e2elib import BIN, tshark_installed, probe_capture_ok, require_bin  # noqa: E402



def probe(*args):
    p = subprocess.run([BIN, "probe"] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


class Silent:
    """Accepts connections, reads and discards, never answers (or answers `reply` once)."""

    def __init__(self, reply=None):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.conns = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.reply:
                c.sendall(self.reply)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def main():
    require_bin()
    have_tshark = tshark_installed()
    with tempfile.TemporaryDirectory() as tmp:
        # 1. closed port
        port = closed_port()
        rc, out, err = probe("127.0.0.1:%d" % port, "--timeout", "1s")
        assert rc == 3, (rc, out, err)
        assert err == "dnp3 probe: 127.0.0.1:%d: connection refused (nothing listening on " \
                      "that port)\n" % port, err

        # 2. a listener that never answers
        s = Silent()
        pcap = os.path.join(tmp, "silent.pcap")
        try:
            rc, out, err = probe("127.0.0.1:%d" % s.port, "--timeout", "300ms", "--pcap", pcap)
        finally:
            s.close()
        assert rc == 6, (rc, out, err)
        assert "TCP connected in" in out, out
        assert "no link answer in 300 ms; asking the self address 0xFFFC" in out, out
        assert err == "dnp3 probe: 127.0.0.1:%d/10: TCP connected, but no DNP3 link answer " \
                      "from address 10 nor at the self address in 300 ms\n" % s.port, err
        if have_tshark:
            assert not tshark_check(pcap, s.port)
            rows = tshark_fields(pcap, s.port, ["dnp3.dst", "dnp3.src", "dnp3.ctl.prifunc"])
            assert [r[:3] for r in rows] == [["10", "1", "9"], ["65532", "1", "9"]], rows

        # 3. a peer that is not DNP3
        s = Silent(reply=b"HTTP/1.1 400 Bad Request\r\n\r\n")
        try:
            rc, out, err = probe("127.0.0.1:%d" % s.port, "--timeout", "1s")
        finally:
            s.close()
        assert rc == 6, (rc, out, err)
        assert "does not speak DNP3" in err, err

        # 4. our outstation at address 11, probed as 10; 5. probed as 11
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--address", "11"], tmp)
        try:
            target = "127.0.0.1:%d" % o.port
            rc, out, err = probe(target, "--timeout", "500ms")
            assert rc == 6, (rc, out, err)
            assert err == "dnp3 probe: %s/10: no DNP3 answer from address 10; a device " \
                          "answered at the self address: the device is address 11, not 10\n" \
                          % target, err
            pcap = os.path.join(tmp, "ok.pcap")
            rc, out, err = probe(target, "--address", "11", "--pcap", pcap)
            assert rc == 0, (rc, out, err)
            if have_tshark:
                assert probe_capture_ok(pcap, o.port)
                rows = tshark_fields(pcap, o.port, ["dnp3.ctl.prifunc", "dnp3.ctl.secfunc",
                                                    "dnp3.al.func"])
                # REQUEST_LINK_STATUS first, then (in an order that depends on timing)
                # LINK_STATUS, the null unsolicited response and our confirm of it, the
                # empty READ and its response
                assert rows[0][0] == "9" and any(r[1] == "11" for r in rows), rows
                funcs = [r[2] for r in rows if r[2]]
                assert sorted(funcs) == ["0", "1", "129", "130"], rows
                assert funcs.index("130") < funcs.index("0"), rows
                assert funcs.index("1") < funcs.index("129"), rows
            lines = out.strip().split("\n")
            assert lines[1].startswith("%s/11: link status answered by address 11 in " % target), out
            assert lines[2].startswith("%s/11: IIN 9000 (NEED_TIME DEVICE_RESTART); empty READ "
                                       "answered in " % target), out
            rc, out, err = probe(target, "--address", "11", "--json")
            assert rc == 0, (rc, out, err)
            r = json.loads(out)
            assert r["result"] == "ok" and r["address"] == 11 and r["iin"] == 0x9000, r
            assert r["link_ms"] >= 0 and r["read_ms"] >= 0, r
        finally:
            status = o.stop()
        assert status == 0, o.log()
    print("ok")


if __name__ == "__main__":
    main()
