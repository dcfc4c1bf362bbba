#!/usr/bin/env python3
"""Connection life of `dnp3 outstation`:
  1. dual end point: with --connect it connects out to a master that listens (here, this
     test), sends its null unsolicited response at once (start-up), answers an integrity poll, and after
     the master drops the connection it connects again (backoff) and answers again;
  2. link keep-alive: a master that polled once and then stays silent gets REQUEST_LINK_STATUS after
     link.keepalive, and the connection is closed when no answer comes (a half-open
     connection frees its slot), counted in link_closes;
  3. IPv6: --listen [::1]:0 answers a master over IPv6 (skipped without an IPv6 loopback).
"""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import *  # noqa: E402,F401,F403
from e2elib import BIN, require_bin  # noqa: E402



def accept(listener, timeout):
    listener.settimeout(timeout)
    s, _ = listener.accept()
    s.settimeout(None)
    return s


def check_dual_end_point(tmp):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    o = Outstation(BIN, ["--connect", "127.0.0.1:%d" % port], tmp, name="connect",
                   wait_listen=False)
    try:
        o.wait_log(r"connecting to master 1 at 127\.0\.0\.1:%d" % port)
        for round_ in range(2):
            s = accept(listener, 10.0)
            m = Master(None, None, sock=s)
            if round_ == 0:  # the null unsolicited response at start-up, once confirmed
                first = m.fragment()
                assert first.func == FC_UNSOLICITED, first
                m.confirm(first)
            r = m.request(FC_READ, CLASS_0123)
            assert r.func == FC_RESPONSE and len(r.objects) > 100, r
            m.close()  # the master goes away; the outstation must come back
        c = o.counters()
        assert c["runtime"]["connected"] == 2, c
        assert c["server"]["attaches"] == 2, c
    finally:
        listener.close()
        assert o.stop() == 0


KEEPALIVE = """
listen: 127.0.0.1:0
link:
  keepalive: 300ms
  confirm_timeout: 200ms
  retries: 1
outstations:
  - associations:
      - master: 1
"""


def check_keepalive(tmp):
    path = os.path.join(tmp, "keepalive.yaml")
    with open(path, "w") as f:
        f.write(KEEPALIVE)
    o = Outstation(BIN, ["--config", path], tmp, name="keepalive")
    try:
        m = Master("127.0.0.1", o.port)
        assert m.request(FC_READ, CLASS_0).func == FC_RESPONSE  # the master was here...
        s = m.sock  # ... and now says nothing more (gone, or half-open)
        s.settimeout(10.0)
        data = m.buf
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        # among what came: REQUEST_LINK_STATUS (DIR=0, PRM=1, function 9) from 10 to 1
        assert frame(0x49, 1, 10) in data, data.hex()
        c = o.counters()
        assert c["server"]["link_closes"] == 1 and c["server"]["open"] == 0, c
    finally:
        assert o.stop() == 0


def check_ipv6(tmp):
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        print("note: no IPv6 loopback: IPv6 check skipped")
        return
    o = Outstation(BIN, ["--listen", "[::1]:0"], tmp, name="ipv6")
    try:
        o.wait_log(r"listening on \[::1\]:\d+ ")
        m = Master("::1", o.port)
        r = m.request(FC_READ, CLASS_0123)
        assert r.func == FC_RESPONSE and len(r.objects) > 100, r
        m.close()
        o.wait_log(r"accepted connection 1 from \[::1\]:\d+")
    finally:
        assert o.stop() == 0


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        check_dual_end_point(tmp)
        check_keepalive(tmp)
        check_ipv6(tmp)
    print("ok")


if __name__ == "__main__":
    main()
