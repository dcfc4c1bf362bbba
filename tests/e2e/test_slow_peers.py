#!/usr/bin/env python3
"""Slow, idle and hostile peers against `dnp3 outstation` (max_connections 4,
link.first_frame_timeout 3s, link.partial_frame_timeout 2s), each handled without hurting the
others:

  A. with a legitimate `dnp3 master` connected first (unsolicited on, class polls), three peers
     take the other three slots: one connects and sends nothing, one sends half a request frame
     and stalls, one sends garbage forever. The outstation closes each, for its own reason
     (silent, stalled, framing), logged with the peer's port; link_closes counts 3; the master
     never reconnects and its measurements keep arriving.
  B. four idle / half-frame peers take every slot before the master starts: the master is
     refused at accept, the peers are closed at their timeouts, and the master (retrying every
     second) then connects and receives data. (The first peer was given the port's only
     association at accept; the master's connection takes it over, or the peer is closed as
     silent first.)
  C. with link.framing_errors: discard, the garbage peer is not closed at its first bad byte:
     it is closed as silent (no valid frame within first_frame_timeout), its bytes counted.
  D. a peer that sends requests and then neither reads nor sends: the outstation's link
     keep-alive (link.keepalive 2s here) goes unanswered and closes it (its output never fills
     the socket: every response beyond the first fragment waits for a confirm).
Figures (docs/RELIABILITY.md) are printed as FIGURE lines.
"""
import os
import re
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import FC_READ, Outstation, frame, master_ctrl, LINK_UNCONFIRMED  # noqa: E402
from e2elib import BIN, require_bin  # noqa: E402
from floodlib import TimedMaster, outstation_config, write  # noqa: E402

CLASS_0 = bytes([0x3C, 0x01, 0x06])


def read_request():
    """A whole READ class 0 frame from master 1 to outstation 10 (transport FIR|FIN)."""
    return frame(master_ctrl(LINK_UNCONFIRMED), 10, 1, bytes([0xC0, 0xC0, FC_READ]) + CLASS_0)


class Peer:
    """A raw TCP peer; .closed_after: seconds from connect until the outstation closed it."""

    def __init__(self, port, kind):
        self.kind = kind
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.port = self.sock.getsockname()[1]
        self.t0 = time.monotonic()
        self.closed_after = None
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _send(self, data):
        self.sock.sendall(data)
        self.sent += len(data)

    def _run(self):
        try:
            if self.kind == "half":
                self._send(read_request()[:9])
            while True:
                if self.kind == "garbage":
                    self._send(bytes(range(0x10, 0x50)))  # never 0x05 0x64
                self.sock.settimeout(0.05)
                try:
                    data = self.sock.recv(4096)
                    if not data:
                        break
                except socket.timeout:
                    continue
        except OSError:
            pass  # reset by the outstation: closed too
        self.closed_after = time.monotonic() - self.t0
        self.sock.close()

    def wait_closed(self, timeout):
        self.thread.join(timeout)
        return self.closed_after is not None


def close_reason(log, peer):
    m = re.search(r"conn \d+ 127\.0\.0\.1:%d: closing the connection \((\w+)\): ([^\n]*)" %
                  peer.port, log)
    return (m.group(1), m.group(2)) if m else (None, None)


def closed_how(log, peer):
    """The guard's reason, or "replaced" when the master's connection took over the association
    the outstation had attached to this peer (a port with one association attaches it to the
    first connection; the first frame of the real master moves it)."""
    if re.search(r"connection \d+ with 127\.0\.0\.1:%d closed: closed by application: replaced "
                 r"by conn" % peer.port, log):
        return "replaced"
    return str(close_reason(log, peer)[0])


def part_a(tmp):
    o = Outstation(BIN, ["--config", outstation_config(tmp, first="3s", partial="2s")], tmp,
                   name="a")
    m = TimedMaster(BIN, tmp, o.port, name="ma")
    try:
        assert m.wait_measurements(10, 20), m.log()
        o.wait_log(r"outstation 10 / master 1 attached")
        t0 = time.monotonic()
        peers = [Peer(o.port, k) for k in ("idle", "half", "garbage")]
        for p in peers:
            assert p.wait_closed(30), "%s peer not closed:\n%s" % (p.kind, o.log()[-3000:])
        t1 = time.monotonic()
        time.sleep(1.0)
        t2 = time.monotonic()
        server = o.counters()["server"]
        during, after = m.count_between(t0, t1), m.count_between(t1, t2)
        gap = m.max_gap(t0, t2)
    finally:
        mstatus = m.stop()
        ostatus = o.stop()
    log, mlog = o.log(), m.log()
    for p in peers:
        reason, why = close_reason(log, p)
        print("FIGURE A %-7s peer (sent %d bytes) closed after %.2f s: %s: %s" %
              (p.kind, p.sent, p.closed_after, reason, why))
    print("FIGURE A master: measurements while the peers were open %d, in the 1 s after %d, "
          "longest gap %.2f s" % (during, after, gap))
    assert (ostatus, mstatus) == (0, 0)
    idle, half, garbage = peers
    assert close_reason(log, idle) == (
        "silent", "no valid frame within 3000 ms of connecting (0 bytes received)"), log
    assert close_reason(log, half) == (
        "stalled", "9 bytes of an incomplete frame waited 2000 ms for the rest"), log
    assert close_reason(log, garbage)[0] == "framing", log
    assert "bytes before a 0x05 0x64 start sequence at stream offset 0" in close_reason(
        log, garbage)[1]
    assert server["link_closes"] == 3, server
    assert mlog.count("legit: connected to") == 1, mlog
    assert "state failed" not in mlog.split("signal 2")[0], mlog
    assert during > 0 and after > 0, (during, after)


def part_b(tmp):
    o = Outstation(BIN, ["--config", outstation_config(tmp, first="3s", partial="2s")], tmp,
                   name="b")
    try:
        peers = [Peer(o.port, k) for k in ("idle", "half", "idle", "half")]
        o.wait_log(r"\(4 of 4 open\)")
        t0 = time.monotonic()
        m = TimedMaster(BIN, tmp, o.port, reconnect="1s", name="mb")
        try:
            o.wait_log(r"refused connection from 127\.0\.0\.1:\d+: connection limit reached",
                       timeout=10)
            for p in peers:
                assert p.wait_closed(30), "%s peer not closed:\n%s" % (p.kind, o.log()[-3000:])
            assert m.wait_measurements(5, 30), "master got no data:\n" + m.log()
            t1 = time.monotonic()
        finally:
            mstatus = m.stop()
    finally:
        ostatus = o.stop()
    log, mlog = o.log(), m.log()
    reasons = [closed_how(log, p) for p in peers]
    refused = len(re.findall(r"refused connection from", log)) + sum(
        int(n) for n in re.findall(r"refused (\d+) more connections", log))
    print("FIGURE B four peers holding every slot closed after %s s (%s); the master was refused "
          "%d times, then connected: first data %.2f s after it started" %
          (", ".join("%.2f" % p.closed_after for p in peers), ", ".join(reasons), refused,
           t1 - t0))
    assert (ostatus, mstatus) == (0, 0)
    # The first peer got the association at accept: the master takes it over when it connects
    # (if that is before the peer's first-frame timeout).
    assert reasons[0] in ("silent", "replaced"), (reasons, log)
    assert reasons[1:] == ["stalled", "silent", "stalled"], (reasons, log)
    assert refused >= 1
    assert re.search(r"legit: connected to", mlog), mlog
    assert "outstation 10 / master 1 attached" in log


def part_c(tmp):
    cfg = write(os.path.join(tmp, "discard.yaml"),
                open(outstation_config(tmp, first="3s", partial="2s")).read().replace(
                    "link:\n", "link:\n  framing_errors: discard\n"))
    o = Outstation(BIN, ["--config", cfg], tmp, name="c")
    try:
        p = Peer(o.port, "garbage")
        assert p.wait_closed(30), o.log()[-3000:]
    finally:
        ostatus = o.stop()
    log = o.log()
    reason, why = close_reason(log, p)
    print("FIGURE C garbage peer, discard policy: closed after %.2f s: %s: %s" %
          (p.closed_after, reason, why))
    assert ostatus == 0
    assert reason == "silent", log
    n = int(re.search(r"\((\d+) bytes received\)", why).group(1))
    assert 0 < n <= p.sent, (n, p.sent)


def part_d(tmp):
    cfg = write(os.path.join(tmp, "reader.yaml"),
                open(outstation_config(tmp, first="3s", partial="2s")).read().replace(
                    "link:\n", "link:\n  keepalive: 2s\n  confirm_timeout: 500ms\n"))
    o = Outstation(BIN, ["--config", cfg], tmp, name="d")
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", o.port))
        port = s.getsockname()[1]
        t0 = time.monotonic()
        s.sendall(read_request() * 50)  # 50 requests, then silence; nothing is ever read
        m = o.wait_log(r"conn \d+ 127\.0\.0\.1:%d: closing the connection \((\S+)\): ([^\n]*)"
                       % port, timeout=30)
        closed = time.monotonic() - t0
        s.close()
    finally:
        ostatus = o.stop()
    print("FIGURE D peer that sends 50 requests and never reads: closed after %.2f s: %s: %s" %
          (closed, m.group(1), m.group(2)))
    assert ostatus == 0
    assert m.group(1) == "keep-alive", m.group(0)


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        part_a(tmp)
        part_b(tmp)
        part_c(tmp)
        part_d(tmp)
    print("ok")


if __name__ == "__main__":
    main()
