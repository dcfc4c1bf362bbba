#!/usr/bin/env python3
"""A connection flood against `dnp3 outstation` with max_connections 4, while a legitimate
`dnp3 master` (connected first, unsolicited on, class polls every 500 ms) keeps its session:

  - 1,000 connection attempts in a burst (non-blocking sockets, 48 in flight at a time); each
    waits up to HOLD seconds for the outstation to close it; one still open then (accepted:
    it holds a slot) is closed by the client;
  - never more than 4 connections open at once ("(k of 4 open)" in every accept line);
  - every attempt is accounted for, exactly: accepted + refused = 1,000 + the master, where
    refused is the runtime's refused_limit counter, the total the log states (lines written
    plus the counts folded into summaries, and the total line at the stop), and the number of
    client sockets the outstation closed at once;
  - every refused socket is closed by the outstation, none of the accepted ones is;
  - the outstation's RSS grows by less than 8 MiB (before vs after the flood);
  - the master never reconnects, and measurements arrive during the flood and after it.
Figures (docs/RELIABILITY.md, "Floods and limits") are printed as FIGURE lines.
"""
import errno
import os
import selectors
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation  # noqa: E402
from e2elib import BIN, require_bin  # noqa: E402
from floodlib import (TimedMaster, accepted_ports, max_open_in_log, outstation_config,  # noqa: E402
                      refusals_in_log, rss_kib)

ATTEMPTS = 1000
IN_FLIGHT = 48
HOLD = 3.0


class Attempt:
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.start = time.monotonic()
        self.connected = None
        self.closed_by_peer = None  # seconds from connect to the outstation's close
        self.failed = None
        self.local_port = None
        rc = self.sock.connect_ex(("127.0.0.1", port))
        if rc not in (0, errno.EINPROGRESS):
            self.failed = errno.errorcode.get(rc, str(rc))


def flood(port):
    """ATTEMPTS connections, IN_FLIGHT at a time; returns the attempts."""
    sel = selectors.DefaultSelector()
    done, pending = [], list(range(ATTEMPTS))
    live = {}

    def finish(a):
        sel.unregister(a.sock)
        a.sock.close()
        del live[id(a)]
        done.append(a)

    while pending or live:
        while pending and len(live) < IN_FLIGHT:
            pending.pop()
            a = Attempt(port)
            if a.failed:
                a.sock.close()
                done.append(a)
                continue
            live[id(a)] = a
            sel.register(a.sock, selectors.EVENT_WRITE, a)
        now = time.monotonic()
        for a in list(live.values()):
            if a.connected is not None and now - a.connected >= HOLD:
                finish(a)  # still open: accepted, holding a slot; let it go
            elif a.connected is None and now - a.start >= 20:
                a.failed = "connect timeout"
                finish(a)
        for key, ev in sel.select(timeout=0.05):
            a = key.data
            if a.connected is None:
                err = a.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    a.failed = errno.errorcode.get(err, str(err))
                    finish(a)
                    continue
                a.connected = time.monotonic()
                a.local_port = a.sock.getsockname()[1]
                sel.modify(a.sock, selectors.EVENT_READ, a)
                continue
            try:
                data = a.sock.recv(4096)
            except (ConnectionResetError, BlockingIOError) as e:
                if isinstance(e, BlockingIOError):
                    continue
                data = b""
            if not data:
                a.closed_by_peer = time.monotonic() - a.connected
                finish(a)
    return done


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        o = Outstation(BIN, ["--config", outstation_config(tmp)], tmp, name="flood")
        m = TimedMaster(BIN, tmp, o.port)
        try:
            assert m.wait_measurements(20, 20), "no measurements before the flood:\n" + m.log()
            o.wait_log(r"outstation 10 / master 1 attached")
            time.sleep(1.0)
            rss_before = rss_kib(o.proc.pid)
            t0 = time.monotonic()
            attempts = flood(o.port)
            t1 = time.monotonic()
            time.sleep(1.5)
            t2 = time.monotonic()
            rss_after = rss_kib(o.proc.pid)
            counters = o.counters()
            during, after = m.count_between(t0, t1), m.count_between(t1, t2)
            gap = m.max_gap(t0 - 1.0, t2)
        finally:
            mstatus = m.stop()
            ostatus = o.stop()
        log, mlog = o.log(), m.log()

        failed = [a for a in attempts if a.failed]
        refused_client = [a for a in attempts if a.closed_by_peer is not None]
        held = [a for a in attempts if a.connected is not None and a.closed_by_peer is None]
        ports = set(accepted_ports(log))
        rt = counters["runtime"]
        lines, folded, logged = refusals_in_log(log)
        delays = sorted(a.closed_by_peer for a in refused_client)
        print("FIGURE attempts=%d failed_to_connect=%d refused_by_outstation=%d held_open=%d" %
              (len(attempts), len(failed), len(refused_client), len(held)))
        print("FIGURE runtime accepted=%d refused_limit=%d; log: %d refusal lines + %d folded "
              "into summaries = %d; max open at once %d" %
              (rt["accepted"], rt["refused_limit"], lines, folded, logged, max_open_in_log(log)))
        print("FIGURE refused sockets closed after connect: median %.1f ms, max %.1f ms" %
              (1000 * delays[len(delays) // 2], 1000 * delays[-1]) if delays else "")
        print("FIGURE outstation RSS before %d KiB, after %d KiB (+%d KiB)" %
              (rss_before, rss_after, rss_after - rss_before))
        print("FIGURE flood %.2f s; measurements during it %d, in the %.1f s after %d; longest "
              "gap %.2f s" % (t1 - t0, during, t2 - t1, after, gap))

        assert ostatus == 0 and mstatus == 0, (ostatus, mstatus)
        assert not failed, [a.failed for a in failed][:10]
        assert len(attempts) == ATTEMPTS
        assert max_open_in_log(log) <= 4, max_open_in_log(log)
        # every attempt accounted for, exactly
        assert rt["accepted"] + rt["refused_limit"] == ATTEMPTS + 1, rt
        assert rt["refused_limit"] == len(refused_client), (rt, len(refused_client))
        assert logged == rt["refused_limit"], (lines, folded, rt)
        assert "refused %d connections since the start (limit %d); %d accepted" % (
            rt["refused_limit"], rt["refused_limit"], rt["accepted"]) in log, log[-2000:]
        # refused ones closed by the outstation, accepted ones never
        for a in refused_client:
            assert a.local_port not in ports, a.local_port
        for a in held:
            assert a.local_port in ports, a.local_port
        assert rss_after - rss_before < 8 * 1024, (rss_before, rss_after)
        # the master kept its session and its data
        assert mlog.count("legit: connected to 127.0.0.1") == 1, mlog[-3000:]
        assert "state failed" not in mlog.split("signal 2")[0], mlog[-3000:]
        assert during > 0 and after > 0, (during, after)
        assert "outstation 10 / master 1 moves here" not in log
    print("ok")


if __name__ == "__main__":
    main()
