#!/usr/bin/env python3
"""COLD_RESTART / WARM_RESTART through `dnp3 outstation`:
  1. by default they are refused: the response carries IIN2.0 (NO_FUNC_CODE_SUPPORT) and no
     object, the refusal is logged, and the outstation goes on answering;
  2. with `restart: {mode: exit, delay: 3s}` a WARM_RESTART is answered with g52v2 = 3000 ms,
     the response reaches the master, and the program stops cleanly with exit status 6 (for
     its supervisor, e.g. examples/dnp3-outstation.service, to start it again).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import *  # noqa: E402,F401,F403
from e2elib import BIN, require_bin  # noqa: E402

FC_COLD_RESTART = 0x0D
FC_WARM_RESTART = 0x0E

EXIT_CONFIG = """
listen: 127.0.0.1:0
restart:
  mode: exit
  delay: 3s
outstations:
  - associations:
      - master: 1
"""


def check_refused(tmp):
    o = Outstation(BIN, ["--listen", "127.0.0.1:0"], tmp, name="refuse")
    try:
        m = Master("127.0.0.1", o.port)
        for func, kind in ((FC_COLD_RESTART, "cold"), (FC_WARM_RESTART, "warm")):
            r = m.request(func)
            assert r.func == FC_RESPONSE and r.iin & 0x0001 and r.objects == b"", r
            o.wait_log(r"outstation 10 / master 1: %s restart requested: refused" % kind)
        r = m.request(FC_READ, CLASS_0123)
        assert r.func == FC_RESPONSE and len(r.objects) > 100, r
        m.close()
    finally:
        assert o.stop() == 0


def check_exit(tmp):
    path = os.path.join(tmp, "restart.yaml")
    with open(path, "w") as f:
        f.write(EXIT_CONFIG)
    o = Outstation(BIN, ["--config", path], tmp, name="exit")
    try:
        m = Master("127.0.0.1", o.port)
        r = m.request(FC_WARM_RESTART)
        assert r.func == FC_RESPONSE and not r.iin & 0x00FF, r
        assert r.objects == bytes.fromhex("34 02 07 01 B8 0B"), r.objects.hex()
        o.proc.wait(10)
        m.close()
    finally:
        status = o.stop()
    assert status == 6, "exit status %d\n%s" % (status, o.log())
    assert "warm restart requested: stopping, exit status 6" in o.log(), o.log()


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        check_refused(tmp)
        check_exit(tmp)
    print("ok")


if __name__ == "__main__":
    main()
