#!/usr/bin/env python3
"""Multi-drop start-up link reset: four associations on ONE channel (`channel: bus`), to
outstations 10, 11, 12 with `link_reset: true` and 13 without, in front of a fake bus (this
script) that ACKs the RESET_LINK_STATES of 10 and 12 after 0.3 s and never answers 11:

  - the master sends exactly RESET_LINK_STATES to 10, then (only after 10's ACK) to 11, resent
    twice (the channel's 2 retries, 2 s apart), then to 12 (11's silence does not hold it
    back), the exact frames 05 64 05 C0 <dst> 01 00 <crc>; none to 13;
  - no application request (user data) to anyone before 12's ACK: the associations' first
    requests come after every reset, and then to all four;
  - the master's log names 11 at WARN, as the channel's line ("channel bus: outstation 11:
    ..."), not as one association's: its reset was not acknowledged;
  - an unsolicited response from 22, which no association polls, is named the same way:
    "channel bus: fragment from outstation 22 for master 1: no association ...".
"""
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import LINK_RESET, frame, master_ctrl  # noqa: E402
from e2elib import BIN, require_bin, stop_sigint, wait_for  # noqa: E402

MASTER = """defaults:
  integrity_period: 0ms
associations:
"""
ASSOC = """  - name: o%d
    channel: bus
    endpoints: [127.0.0.1:%d]
    address: %d
    link_reset: %s
"""
ACKED = {10, 12}
ACK_DELAY = 0.3


def frames(buf):
    """Whole FT3 frames at the start of buf: (frames, rest)."""
    out = []
    while len(buf) >= 10:
        assert buf[0:2] == b"\x05\x64", buf.hex()
        user = buf[2] - 5
        size = 10 + user + 2 * ((user + 15) // 16)
        if len(buf) < size:
            break
        out.append(bytes(buf[:size]))
        buf = buf[size:]
    return out, buf


def ack(dst_master, src):
    return frame(0x00, dst_master, src)  # DIR=0, PRM=0, ACK


def run_bus(srv, until):
    """Accepts the master's one connection and logs what goes on it, in order: ("rx", frame)
    and ("ack", address) entries. ACKs due are sent ACK_DELAY after their reset arrived."""
    conn, _ = srv.accept()
    log, buf, due = [], b"", []
    deadline = time.monotonic() + until
    users = set()
    while time.monotonic() < deadline and len(users) < 4:
        now = time.monotonic()
        for t, a in [d for d in due if d[0] <= now]:
            conn.sendall(ack(1, a))
            log.append(("ack", a))
            due.remove((t, a))
        wait = min([t for t, _ in due] + [now + 0.1]) - now
        r, _, _ = select.select([conn], [], [], max(wait, 0))
        if not r:
            continue
        data = conn.recv(4096)
        if not data:
            break
        got, buf = frames(buf + data)
        for f in got:
            log.append(("rx", f))
            dst, ctrl = f[4] | f[5] << 8, f[3]
            if ctrl == master_ctrl(LINK_RESET) and dst in ACKED:
                due.append((time.monotonic() + ACK_DELAY, dst))
            if ctrl & 0x0F in (3, 4):  # user data
                users.add(dst)
    return conn, log


def check(log):
    resets = [e for e in log if e[0] == "rx" and e[1][3] == master_ctrl(LINK_RESET)]
    assert [r[1] for r in resets] == [frame(master_ctrl(LINK_RESET), d, 1)
                                      for d in (10, 11, 11, 11, 12)], resets
    order = [("reset", e[1][4]) if e in resets else e for e in log
             if e[0] == "ack" or e in resets]
    assert order == [("reset", 10), ("ack", 10), ("reset", 11), ("reset", 11), ("reset", 11),
                     ("reset", 12), ("ack", 12)], order
    ack12 = log.index(("ack", 12))
    users = [(i, e[1][4]) for i, e in enumerate(log)
             if e[0] == "rx" and e[1][3] & 0x0F in (3, 4)]
    assert users and all(i > ack12 for i, _ in users), (ack12, users)
    assert {d for _, d in users} == {10, 11, 12, 13}, users


def main():
    require_bin()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        my = os.path.join(tmp, "m.yaml")
        with open(my, "w") as f:
            f.write(MASTER + "".join(ASSOC % (a, port, a, "true" if a != 13 else "false")
                                     for a in (10, 11, 12, 13)))
        err_path = os.path.join(tmp, "m.err")

        def mlog():
            with open(err_path) as f:
                return f.read()
        with open(err_path, "w") as merr:
            m = subprocess.Popen([BIN, "master", "--config", my], stdout=subprocess.DEVNULL,
                                 stderr=merr)
            try:
                conn, log = run_bus(srv, 30)
                # FIR FIN, then an unsolicited null response (FIR FIN UNS, seq 0), IIN 0000
                conn.sendall(frame(0x44, 1, 22, bytes([0xC0, 0xD0, 0x82, 0x00, 0x00])))
                wait_for(lambda: "fragment from outstation 22" in mlog(), 10,
                         "the log line on outstation 22", mlog)
            finally:
                status = stop_sigint(m)
        mlog = mlog()
        conn.close()
        srv.close()
        assert status == 0, (status, mlog)
        check(log)
        warns = [x for x in mlog.splitlines() if "RESET_LINK_STATES" in x]
        assert len(warns) == 1 and "WARN" in warns[0], mlog
        assert "channel bus: outstation 11: start-up RESET_LINK_STATES" in warns[0], mlog
        assert ("channel bus: fragment from outstation 22 for master 1: no association with "
                "outstation 22 on this connection") in mlog, mlog
    print("ok")


if __name__ == "__main__":
    main()
