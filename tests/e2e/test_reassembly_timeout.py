#!/usr/bin/env python3
"""A peer that sends the first segment of a request and then nothing gives back the shared
fragment buffer it took (`dnp3 outstation`, link.reassembly_timeout 2s), while another master's
requests of several segments keep flowing:

  1. master 2 sends a FIR segment (no FIN) and stalls, its connection open: the fragment pool
     shows one buffer in use (SIGUSR1 counters);
  2. master 1, on its own connection, sends READ requests cut into two segments, every 0.5 s,
     before and after the timeout: each is answered;
  3. 2 s after the stalled segment the outstation discards that fragment, logs a WARN line with
     the stalled peer's address, and counts it (server reassembly_timeouts 1); the pool is back
     to no buffer in use; the stalled connection itself stays open (it did nothing else wrong).
"""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import (FC_READ, LINK_UNCONFIRMED, Master, Outstation, frame,  # noqa: E402
                      master_ctrl)
from e2elib import BIN, require_bin  # noqa: E402

CONFIG = """listen: 127.0.0.1:0
link:
  reassembly_timeout: 2s
outstations:
  - address: 10
    points:
      binary: {count: 2}
      analog: {count: 2}
    associations:
      - master: 1
      - master: 2
"""


def two_segment_read(m):
    """READ class 0 from m, its application header in one segment and its object header in a
    second: the outstation reassembles it in a pool buffer. Returns the request's sequence."""
    seq = m.seq
    m.seq = (m.seq + 1) & 0x0F
    first = bytes([0x40 | m.tseq, 0xC0 | seq, FC_READ])  # FIR, no FIN
    second = bytes([0x80 | ((m.tseq + 1) & 0x3F), 0x3C, 0x01, 0x06])  # FIN
    m.tseq = (m.tseq + 2) & 0x3F
    ctrl = master_ctrl(LINK_UNCONFIRMED)
    m.send_raw(frame(ctrl, 10, m.master, first) + frame(ctrl, 10, m.master, second))
    return seq


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "outstation.yaml")
        with open(path, "w") as f:
            f.write(CONFIG)
        o = Outstation(BIN, ["--config", path, "--log-level", "debug"], tmp)
        good = stalled = None
        try:
            good = Master("127.0.0.1", o.port, master=1)
            seq = two_segment_read(good)
            assert good.response().seq == seq
            stalled = Master("127.0.0.1", o.port, master=2)
            stalled_port = stalled.sock.getsockname()[1]
            ctrl = master_ctrl(LINK_UNCONFIRMED)
            stalled.send_raw(frame(ctrl, 10, 2, bytes([0x40, 0xC0, FC_READ])))  # FIR only
            t0 = time.monotonic()
            o.wait_log(r"127\.0\.0\.1:%d" % stalled_port)  # accepted
            held = o.counters()["fragment_pool"]
            while held["in_use"] != 1 and time.monotonic() - t0 < 1.0:  # the FIR not read yet
                time.sleep(0.05)
                held = o.counters()["fragment_pool"]
            answered = 0
            while time.monotonic() - t0 < 3.5:
                seq = two_segment_read(good)
                assert good.response().seq == seq
                answered += 1
                time.sleep(0.5)
            o.wait_log(r"WARN +conn \d+ 127\.0\.0\.1:%d: fragment from 2 for 10 discarded "
                              r"after 2 bytes: its next segment did not come within 2000 ms "
                              r"\(reassembly timeout\)" % stalled_port)
            after = o.counters()
            seq = two_segment_read(good)
            assert good.response().seq == seq
        finally:
            for m in (good, stalled):
                if m:
                    m.close()
            status = o.stop()
        log = o.log()
        print("FIGURE stalled peer's buffer: in use %d while it stalled, %d after the timeout; "
              "%d two-segment requests of the other master answered meanwhile" %
              (held["in_use"], after["fragment_pool"]["in_use"], answered))
        assert status == 0, log
        assert held["in_use"] == 1, (held, log)
        assert after["fragment_pool"]["in_use"] == 0, (after, log)
        assert after["fragment_pool"]["exhausted"] == 0, after
        assert after["server"]["reassembly_timeouts"] == 1, after
        assert after["server"]["link_closes"] == 0, after
        assert answered >= 5, answered
        # The stalled connection stayed open until the test closed it.
        assert re.search(r"with 127\.0\.0\.1:%d closed: peer closed" % stalled_port, log), log


if __name__ == "__main__":
    main()
