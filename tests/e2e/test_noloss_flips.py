#!/usr/bin/env python3
"""No event lost over flipped bits, split, coalesced and dropped frames (issue 9).

The same known sequence as test_noloss_cuts.py (`dnp3 outstation --generate`), through the
fault proxy with at most 2 flipped bits per link frame (CRC-16/DNP is certain to catch them:
each such frame must be rejected, never taken for good data), segments split and coalesced at
random offsets, whole frames dropped, and a few cuts. The retries (confirm timeouts, response
timeouts, reconnects) must recover every event: every value in order, duplicates only as
re-delivery. The seed is printed; DNP3C_NOLOSS_SEED=S reruns another plan.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from e2elib import check, require_bin, run_groups  # noqa: E402
import noloss  # noqa: E402

STEPS = 600
RATE = 20


def test_flips_splits_coalesces_drops():
    seed = noloss.seed_from_env(9002)
    faults, _ = noloss.fault_run(
        check, "flips", seed, STEPS, RATE,
        ["--flip-rate", "0.03", "--drop-rate", "0.01", "--split-every", "40-400",
         "--coalesce-every", "100-900", "--coalesce-len", "20-300", "--cut-every", "1500-5000"],
        class_poll="200ms")
    for kind in ("flip", "split", "coalesce", "drop"):
        check(faults.get(kind, 0) > 0, "no %s fault happened" % kind)


if __name__ == "__main__":
    require_bin()
    sys.exit(run_groups([test_flips_splits_coalesces_drops], "no event lost over flips, splits, coalesces and drops"))
