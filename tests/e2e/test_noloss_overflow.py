#!/usr/bin/env python3
"""Event buffer overflow under a burst (issue 9).

`dnp3 outstation --generate` with small event buffers (20 events per class) gives a burst of
150 steps (300 events) at once, then 20 steps a second. The buffer overflows: the outstation
sets IIN2.3 and counts every discarded event; the master logs the overflow and does an
integrity poll; afterwards the session goes on: every later value arrives, in order. Every value
of the burst is either received or among the events the outstation counted as discarded.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from e2elib import check, dnp3, require_bin, run_groups, failures  # noqa: E402
import noloss  # noqa: E402
from noloss import Received, check_sequence, log, wait_for  # noqa: E402

STEPS, BURST = 400, 150


def test_overflow_burst():
    run = noloss.Run("overflow")
    before = len(failures)
    try:
        os_ = run.outstation("outstation", noloss.outstation_yaml(class1=20, class2=20),
                             ["--generate", str(STEPS), "--generate-burst", str(BURST),
                              "--generate-rate", "20", "--generate-delay", "2s"])
        m = run.master("master", os_.port)
        log("outstation on port %d; files in %s" % (os_.port, run.dir))
        wait_for(lambda: Received(m.out()).max_counter() >= STEPS, 60,
                 "the master to receive value %d" % STEPS)
        time.sleep(0.5)
        c = noloss.counters(os_)
        m.stop()
        os_.stop()
        rx = Received(m.out())
        err, oserr = m.err(), os_.err()
        e = c["events"]
        log("outstation: events added=%d confirmed=%d discarded=%d overflows=%d" % (
            e["added"], e["confirmed"], e["discarded"], e["overflows"]))
        check(e["added"] == 2 * STEPS, "added %d" % e["added"])
        check(e["discarded"] > 0 and e["overflows"] > 0, "no overflow counted: %s" % e)
        # Every event either received or counted as discarded.
        counter = [v for v, _ in rx.counter]
        rc = check_sequence(counter, 1, STEPS)
        bsteps, _ = noloss.binary_steps(rx, 0)
        rb = check_sequence(bsteps, 1, STEPS)
        lost = len(rc.missing) + len(rb.missing)
        log("received %d of %d events (counter %d, binary %d); %d not received, %d discarded by "
            "the outstation" % (rc.distinct + rb.distinct, 2 * STEPS, rc.distinct, rb.distinct,
                                lost, e["discarded"]))
        check(lost <= e["discarded"], "%d events not received but only %d discarded" % (lost, e["discarded"]))
        check(all(v <= BURST for v in rc.missing + rb.missing),
              "events after the burst missing: %s" % [v for v in rc.missing if v > BURST][:10])
        # In order, the ones after the burst complete.
        later = [v for v in counter if v > BURST]
        rl = check_sequence(later, BURST + 1, STEPS)
        noloss.report_sequence(check, "counter 0 after the burst", rl)
        # The master's account: IIN2.3, its overflow line, an integrity poll after it.
        m_ovf = re.search(r"the outstation's event buffer overflowed \(IIN2\.3 EVENT_BUFFER_OVERFLOW\): "
                          r"events were lost; integrity poll follows", err)
        check(m_ovf is not None, "the master did not log the overflow:\n" + err[-2000:])
        check(re.search(r"IIN \w+ -> \w+ set: .*EVENT_BUFFER_OVERFLOW", err) is not None,
              "no IIN line with EVENT_BUFFER_OVERFLOW")
        if m_ovf:
            check("integrity poll done" in err[m_ovf.end():], "no integrity poll after the overflow")
            for line in err[m_ovf.start() - 150:].splitlines()[:6]:
                log("   ", line)
        ovf_lines = [ln for ln in oserr.splitlines() if "overflow" in ln.lower()]
        log("outstation log: %d overflow line(s)%s" % (len(ovf_lines), (": " + ovf_lines[0]) if ovf_lines else ""))
        check(ovf_lines, "the outstation did not log the overflow")
        totals = [int(x) for x in re.findall(r"event buffer full: \d+ events discarded \((\d+) in all", oserr)]
        check(totals and max(totals) == e["discarded"],
              "the outstation's log says %s discarded, its counters %d" % (totals, e["discarded"]))
    finally:
        run.cleanup(keep=len(failures) > before)


def test_generate_usage():
    """The generator's flags: bad combinations are usage errors (exit 2, one line)."""
    for args, words in ((["--generate", "0"], "at least 1 step"),
                        (["--generate-rate", "5"], "need --generate"),
                        (["--generate", "5", "--simulate"], "one or the other"),
                        (["--generate", "5", "--generate-base", "4294967295"], "32-bit"),
                        (["--generate", "5", "--generate-delay", "soon"], "--generate-delay")):
        rc, out, err = dnp3("outstation", "--listen", "127.0.0.1:0", *args)
        check(rc == 2 and words in err and err.count("\n") == 1,
              "outstation %s: exit %d, %r" % (" ".join(args), rc, err))
    rc, out, _ = dnp3("outstation", "--help")
    check(rc == 0 and "--generate N" in out and "--generate-burst" in out, "--help lacks --generate")


if __name__ == "__main__":
    require_bin()
    sys.exit(run_groups([test_generate_usage, test_overflow_burst],
                        "overflow: counted, reported, recovered"))
