#!/usr/bin/env python3
"""Connections `dnp3 outstation` refuses or replaces, each logged and counted:
  1. over --max-connections: closed at accept, "connection limit reached", refused_limit 1;
  2. from outside the port's --allow list: closed at accept, "source not in allow-list";
  3. from outside the association's allow-list (config file): closed on the first frame
     that names the association, logged with master and outstation addresses;
  4. a second connection of a connected association replaces the first (default): the old
     one is closed, logged, replaced 1, and the new one is answered; traffic checked by tshark;
  5. with replace_connections: false the new one is closed instead and the old one stays.
"""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import *  # noqa: E402,F401,F403
from e2elib import BIN, require_bin, require_tshark  # noqa: E402



def closed_by_peer(sock, timeout=5.0):
    """True when the outstation closes sock within timeout."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def check_limit(tmp):
    o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--max-connections", "1"], tmp, name="limit")
    try:
        m = Master("127.0.0.1", o.port)
        m.request(FC_READ, CLASS_0)
        s2 = socket.create_connection(("127.0.0.1", o.port))
        assert closed_by_peer(s2), "second connection not closed"
        s2.close()
        o.wait_log(r"refused connection from 127\.0\.0\.1:\d+: connection limit reached")
        assert m.request(FC_READ, CLASS_0).func == FC_RESPONSE  # the first is untouched
        c = o.counters()
        assert c["runtime"]["refused_limit"] == 1 and c["runtime"]["accepted"] == 1, c
        m.close()
    finally:
        assert o.stop() == 0


def check_port_allow(tmp):
    o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--allow", "10.0.0.0/8"], tmp, name="allow")
    try:
        s = socket.create_connection(("127.0.0.1", o.port))
        assert closed_by_peer(s), "connection from outside the allow-list not closed"
        s.close()
        o.wait_log(r"refused connection from 127\.0\.0\.1:\d+: source not in allow-list")
        c = o.counters()
        assert c["runtime"]["refused_allow_list"] == 1 and c["runtime"]["accepted"] == 0, c
    finally:
        assert o.stop() == 0


CONFIG = """
listen: 127.0.0.1:0
replace_connections: %s
outstations:
  - address: 10
    points:
      binary: {count: 4}
      analog: {count: 4}
    associations:
      - master: 1
        allow: [127.0.0.0/8]
      - master: 2
        allow: [10.0.0.0/8]
"""


def write_config(tmp, name, replace):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(CONFIG % ("true" if replace else "false"))
    return path


def check_association_allow(tmp):
    o = Outstation(BIN, ["--config", write_config(tmp, "assoc", True)], tmp, name="assoc")
    try:
        m = Master("127.0.0.1", o.port, master=2)
        m.send_request(FC_READ, CLASS_0)
        assert closed_by_peer(m.sock), "master 2 from 127.0.0.1 not closed"
        m.close()
        o.wait_log(r"refused: master 2 of outstation 10 is not allowed from this source")
        assert o.counters()["server"]["refused_association_allow_list"] == 1
    finally:
        assert o.stop() == 0


def check_replace(tmp):
    pcap = os.path.join(tmp, "replace.pcap")
    o = Outstation(BIN, ["--config", write_config(tmp, "replace", True), "--pcap", pcap], tmp,
                   name="replace")
    try:
        a = Master("127.0.0.1", o.port)
        assert a.request(FC_READ, CLASS_0).func == FC_RESPONSE
        b = Master("127.0.0.1", o.port)  # e.g. the master restarted; a is half-open
        r = b.request(FC_READ, CLASS_0)
        assert r.func == FC_RESPONSE, r
        assert closed_by_peer(a.sock), "old connection not closed"
        o.wait_log(r"outstation 10 / master 1 moves here; closing its old connection conn 1")
        c = o.counters()
        assert c["server"]["replaced"] == 1 and c["server"]["open"] == 1, c
        assert b.request(FC_READ, CLASS_0).func == FC_RESPONSE
        a.close()
        b.close()
    finally:
        assert o.stop() == 0
    problems = tshark_check(pcap, o.port)
    assert not problems, "\n".join(problems)


def check_refuse_duplicate(tmp):
    o = Outstation(BIN, ["--config", write_config(tmp, "refuse", False)], tmp, name="refuse")
    try:
        a = Master("127.0.0.1", o.port)
        assert a.request(FC_READ, CLASS_0).func == FC_RESPONSE
        b = Master("127.0.0.1", o.port)
        b.send_request(FC_READ, CLASS_0)
        assert closed_by_peer(b.sock), "duplicate connection not closed"
        o.wait_log(r"refused: outstation 10 / master 1 is already connected \(conn 1 ")
        assert a.request(FC_READ, CLASS_0).func == FC_RESPONSE  # the old one stays
        assert o.counters()["server"]["refused_duplicate"] == 1
        a.close()
        b.close()
    finally:
        assert o.stop() == 0


def main():
    require_bin()
    require_tshark()
    with tempfile.TemporaryDirectory() as tmp:
        check_limit(tmp)
        check_port_allow(tmp)
        check_association_allow(tmp)
        check_replace(tmp)
        check_refuse_duplicate(tmp)
    print("ok")


if __name__ == "__main__":
    main()
