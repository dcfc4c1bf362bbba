#!/usr/bin/env python3
"""Events across restarts (issue 9): the outstation killed, the master killed.

Outstation killed (SIGKILL) and started again mid-run: its event buffer is gone by design.
The master must see DEVICE_RESTART (IIN1.7), say that events may have been lost, do its
integrity poll, and then receive every event of the new run; every event the first run had
had confirmed must have been received (the first run's values arrive complete up to the last
one received: the gap is only at the end, and it is reported).

Master killed (SIGKILL) and started again mid-run: the outstation keeps the events it sent
but had not had confirmed, and delivers them to the new connection: the two master runs
together received every value, in order; the duplicates are the events the first master
received but could not confirm.

The known sequence comes from `dnp3 outstation --generate` (tests/fault/noloss.py).
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from e2elib import check, require_bin, run_groups, failures  # noqa: E402
import noloss  # noqa: E402
from noloss import Received, check_sequence, log, wait_for  # noqa: E402

BASE2 = 1000000  # the restarted outstation's counter values: BASE2 + k


def received(m, below=None):
    try:
        return Received(m.out()).max_counter(below)
    except ValueError:
        return 0


def test_outstation_killed():
    run = noloss.Run("os-restart")
    before = len(failures)
    try:
        yaml = noloss.outstation_yaml()
        a = run.outstation("outstation1", yaml, ["--generate", "1000", "--generate-rate", "25"])
        m = run.master("master", a.port)
        log("outstation 1 on port %d; files in %s" % (a.port, run.dir))
        wait_for(lambda: received(m) >= 150, 60, "the master to receive value 150")
        # The master stopped for a second: the events of that second are not confirmed when
        # the outstation dies (some may be on their way to the master), so the gap is real.
        m.send(signal.SIGSTOP)
        time.sleep(1.0)
        c = noloss.counters(a)
        a.kill()
        m.send(signal.SIGCONT)
        steps, confirmed = c["generator"]["steps"], c["association"]["events_confirmed"]
        log("outstation 1 killed at step %d (%d events confirmed just before)" % (steps, confirmed))
        time.sleep(1.0)
        b = run.outstation("outstation2", yaml, ["--generate", "200", "--generate-rate", "40",
                                                 "--generate-base", str(BASE2)], listen=a.port)
        wait_for(lambda: received(m) >= BASE2 + 200, 60, "the master to receive value %d" % (BASE2 + 200))
        cb = noloss.counters(b)
        m.stop()
        b.stop()
        rx = Received(m.out())
        err = m.err()
        # Epoch 1: complete up to the highest value received, and that covers the confirmed.
        v1 = [v for v, _ in rx.counter if v < BASE2]
        top = max(v1)
        r1 = check_sequence(v1, 1, top)
        noloss.report_sequence(check, "run 1 counter 0 (1..%d)" % top, r1)
        steps1, _ = noloss.binary_steps(rx, 0)
        b1 = check_sequence([k for k in steps1 if k < BASE2], 1, max(steps1 or [0]))
        check(r1.distinct + b1.distinct >= confirmed,
              "run 1: %d events received, but the outstation had %d confirmed" % (
                  r1.distinct + b1.distinct, confirmed))
        log("run 1: %d steps made, values 1..%d received (%d events with the binary ones; %d "
            "were confirmed at the kill): %d steps lost with the buffer, by design" % (
                steps, top, r1.distinct + b1.distinct, confirmed, steps - top))
        # Epoch 2: every value.
        v2 = [v for v, _ in rx.counter if v > BASE2]
        r2 = check_sequence(v2, BASE2 + 1, BASE2 + 200)
        noloss.report_sequence(check, "run 2 counter 0", r2)
        check(cb["events"]["added"] == cb["events"]["confirmed"] == 400,
              "outstation 2: events %s" % cb["events"])
        # The master's account of the restart, in this order after the kill.
        restarts = [mm.start() for mm in re.finditer(r"the outstation restarted \(IIN1\.7 DEVICE_RESTART\): "
                                                      r"events it had not had confirmed before the "
                                                      r"restart may be lost; integrity poll follows", err)]
        first = re.findall(r"the outstation reports a restart from before this master first heard "
                           r"it \(IIN1\.7 DEVICE_RESTART\); integrity poll follows", err)
        log("master: %d restart warning(s), %d first-contact line(s)" % (len(restarts), len(first)))
        # At the first contact the restart bit is no news (nothing could be lost yet): INFO.
        check(len(first) == 1, "expected one first-contact restart line:\n" + err[-2000:])
        check(len(restarts) == 1, "the master did not report the outstation's restart once:\n" +
              err[-2000:])
        iin_lines = re.findall(r"IIN \w+ -> \w+ set: [A-Z0-9_ ]*DEVICE_RESTART", err)
        check(len(iin_lines) >= 2, "the master saw IIN1.7 %d times, expected 2" % len(iin_lines))
        if restarts:
            after = err[restarts[-1]:]
            check("integrity poll done" in after, "no integrity poll after the restart:\n" + after[:2000])
            log("the master's lines after the restart:")
            for line in err[restarts[-1] - 120:].splitlines()[:7]:
                log("   ", line)
        check(len(rx.static_counter) >= 2, "%d integrity poll values of counter 0, expected 2 (one "
              "per outstation run)" % len(rx.static_counter))
    finally:
        run.cleanup(keep=len(failures) > before)


def test_master_killed():
    run = noloss.Run("master-restart")
    before = len(failures)
    try:
        steps = 600
        os_ = run.outstation("outstation", noloss.outstation_yaml(),
                             ["--generate", str(steps), "--generate-rate", "25"])
        m1 = run.master("master1", os_.port)
        log("outstation on port %d; files in %s" % (os_.port, run.dir))
        wait_for(lambda: received(m1) >= 150, 60, "master 1 to receive value 150")
        # Master 1 stopped for a second, then killed: what the outstation sent meanwhile was
        # never read, let alone confirmed; it must reach master 2.
        m1.send(signal.SIGSTOP)
        time.sleep(1.0)
        c = noloss.counters(os_)
        m1.kill()
        got1 = received(m1)
        log("master 1 killed after value %d; the outstation: %d events added, %d confirmed "
            "(%d unconfirmed kept for the next master)" % (
                got1, c["events"]["added"], c["events"]["confirmed"],
                c["events"]["added"] - c["events"]["confirmed"]))
        check(c["events"]["added"] > c["events"]["confirmed"], "no unconfirmed events at the kill")
        time.sleep(2.0)  # events pile up in the outstation meanwhile
        m2 = run.master("master2", os_.port)
        wait_for(lambda: received(m2) >= steps, 60, "master 2 to receive value %d" % steps)
        time.sleep(0.5)
        c = noloss.counters(os_)
        m2.stop()
        os_.stop()
        rx1, rx2 = Received(m1.out()), Received(m2.out())
        log("master 1 received %d counter events, master 2 %d (from value %s)" % (
            len(rx1.counter), len(rx2.counter), rx2.counter[0][0] if rx2.counter else None))
        rc = check_sequence([v for v, _ in rx1.counter + rx2.counter], 1, steps)
        noloss.report_sequence(check, "counter 0, both runs", rc)
        both = Received(m1.out(), m2.out())
        bsteps, berr = noloss.binary_steps(both, 0)
        rb = check_sequence(bsteps, 1, steps)
        noloss.report_sequence(check, "binary input 0, both runs", rb)
        check(not berr, "binary events: %s" % berr[:5])
        a = c["association"]
        resends = a["events_sent"] - a["events_confirmed"]
        log("duplicates %d (counter %d, binary %d): events master 1 got but did not confirm; "
            "the outstation re-sent %d" % (rc.duplicates + rb.duplicates, rc.duplicates,
                                           rb.duplicates, resends))
        check(rc.duplicates + rb.duplicates <= resends, "more duplicates than re-sent events")
        check(c["events"]["confirmed"] == c["events"]["added"] == 2 * steps,
              "outstation events: %s" % c["events"])
    finally:
        run.cleanup(keep=len(failures) > before)


if __name__ == "__main__":
    require_bin()
    sys.exit(run_groups([test_outstation_killed, test_master_killed],
                        "restarts: the gap reported, nothing else lost"))
