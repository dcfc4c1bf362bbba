#!/usr/bin/env python3
"""Local mode of `dnp3 outstation` (the local/remote switch of an RTU), toggled by SIGUSR2:
  1. remote (start): a CROB DIRECT_OPERATE answers SUCCESS and the response has no IIN1.5;
  2. after SIGUSR2 (logged): a CROB answers LOCAL (7) and is not carried out (the binary
     output stays on), and any response carries IIN1.5;
  3. after SIGUSR2 again: SUCCESS once more, IIN1.5 clear.
"""
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import *  # noqa: E402,F401,F403
from e2elib import BIN, require_bin  # noqa: E402

LOCAL_CONTROL = 0x2000  # IIN1.5
LATCH_ON, LATCH_OFF = 0x03, 0x04


def operate(m, code=LATCH_ON):
    """DIRECT_OPERATE of binary output 1; returns (status, iin)."""
    r = m.request(FC_DIRECT_OPERATE, crob(1, code))
    assert r.func == FC_RESPONSE and len(r.objects) == 18, r
    return r.objects[-1], r.iin


def check_local(tmp):
    o = Outstation(BIN, ["--listen", "127.0.0.1:0"], tmp, name="local")
    try:
        m = Master("127.0.0.1", o.port)
        status, iin = operate(m)
        assert status == 0 and not iin & LOCAL_CONTROL, (status, hex(iin))
        o.proc.send_signal(signal.SIGUSR2)
        o.wait_log(r"local mode on: controls answer LOCAL")
        status, iin = operate(m, LATCH_OFF)
        assert status == 7 and iin & LOCAL_CONTROL, (status, hex(iin))
        r = m.request(FC_READ, bytes.fromhex("0a0200 0101"))  # g10v2 index 1: still on
        assert r.objects[-1] == 0x81, r
        r = m.request(FC_READ, bytes.fromhex("500100 0707"))  # any response carries IIN1.5
        assert r.iin & LOCAL_CONTROL, r
        o.proc.send_signal(signal.SIGUSR2)
        o.wait_log(r"local mode off")
        status, iin = operate(m)
        assert status == 0 and not iin & LOCAL_CONTROL, (status, hex(iin))
        m.close()
    finally:
        assert o.stop() == 0


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        check_local(tmp)
    print("ok")


if __name__ == "__main__":
    main()
