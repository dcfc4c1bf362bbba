#!/usr/bin/env python3
"""No event lost over a link cut at least 100 times (issue 9, "Events survive every fault").

`dnp3 outstation --generate` makes a known sequence (counter 0 = 1..N, binary input 0 toggling,
each change an event with its time); the fault proxy (tests/fault/fault_proxy.py) between it
and `dnp3 master --json` cuts the connection at seeded random offsets (both directions) and
stalls it; the master takes unsolicited responses and polls the event classes. Every value
must arrive, in order per point; duplicates only as re-delivery blocks (counted, and no more
than the outstation re-sent). The seed is printed; DNP3C_NOLOSS_SEED=S reruns another plan.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from e2elib import check, require_bin, run_groups  # noqa: E402
import noloss  # noqa: E402

STEPS = 800
RATE = 20


def test_cuts_and_stalls():
    seed = noloss.seed_from_env(9001)
    noloss.fault_run(check, "cuts", seed, STEPS, RATE,
                     ["--cut-every", "200-700", "--stall-every", "200-1000", "--stall-ms", "100-1300"],
                     min_cuts=100, class_poll="200ms")


if __name__ == "__main__":
    require_bin()
    sys.exit(run_groups([test_cuts_and_stalls], "no event lost over 100+ cuts"))
