"""noloss: what the no-loss tests (tests/e2e/test_noloss*.py) share.

    dnp3 outstation --generate N  ->  fault_proxy.py  ->  dnp3 master --json

The outstation's generator (`dnp3 outstation --generate`, docs/outstation.md) makes a known
sequence: step k = 1..N sets counter 0 to BASE+k (class 2, g22v5 with time) and binary input 0
to (k odd) (class 1, g2v2), both with the step's time, and the times strictly increase, so a
time names its step. The master prints every measurement as JSON; `Received` reads those lines
back and `check_sequence` checks that the values of one point arrived in order with none
missing, each duplicate being part of a contiguous re-delivery block (what an outstation sends
again when its confirm did not arrive).

Every process writes to files in a temporary directory; the helpers read them back.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from e2elib import wait_for  # noqa: F401 (tests/e2e: on the path of every script using this)

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "fault_proxy.py")
BIN = os.environ.get("DNP3_BIN", "")

# The outstation under test: one binary input (class 1) and one counter (class 2), each event
# with its time; the buffers, confirm timeouts and unsolicited retries short enough that a
# lost confirm is noticed quickly.
OUTSTATION_YAML = """\
listen: 127.0.0.1:0
link:
  keepalive: 5s
outstations:
  - address: 10
    points:
      binary: {{count: 1, class: 1, event_variation: 2}}
      counter: {{count: 1, class: 2, event_variation: 5}}
    associations:
      - master: 1
        events: {{class1: {class1}, class2: {class2}, class3: 10, overflow: {overflow}}}
        unsolicited: {{hold: 20ms, hold_count: 8, confirm_timeout: {confirm}, retry_delay: 200ms}}
        confirm_timeout: {confirm}
        need_time: false
        max_tx_fragment: {fragment}
"""

# The master: class polls AND unsolicited responses, fast reconnects and retries.
MASTER_YAML = """\
defaults:
  response_timeout: {response_timeout}
  connect_timeout: 2s
  reconnect_min: 50ms
  reconnect_max: 200ms
  task_retry_min: 50ms
  task_retry_max: 400ms
  class_poll: {class_poll}
  integrity_period: 0ms
  unsolicited: true
  link_keepalive: 5s
associations:
  - name: os
    endpoints: [127.0.0.1:{port}]
"""


def log(*args):
    print(*args)
    sys.stdout.flush()


class Proc:
    """A child process whose stdout and stderr go to files in dir."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.out_path = os.path.join(workdir, name + ".out")
        self.err_path = os.path.join(workdir, name + ".err")
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"))

    def out(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def err(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.p.poll() is None

    def send(self, sig):
        if self.alive():
            self.p.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Signal and wait; killed if it does not exit. Returns the exit status."""
        if self.alive():
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None

    def kill(self):
        """SIGKILL and wait."""
        if self.alive():
            self.p.kill()
        return self.p.wait()


class Run:
    """One test's processes and files."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="noloss-%s-" % name)
        self.procs = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def outstation(self, name, yaml_text, gen_args, listen=None):
        """Starts `dnp3 outstation` and waits for its port. gen_args: the --generate flags."""
        cfg = self.write(name + ".yaml", yaml_text)
        argv = [BIN, "outstation", "--config", cfg, "--pcap", self.path(name + ".pcap")] + gen_args
        if listen:
            argv += ["--listen", "127.0.0.1:%d" % listen]
        p = Proc(name, argv, self.dir)
        self.procs.append(p)
        m = wait_for(lambda: re.search(r"listening on 127\.0\.0\.1:(\d+)", p.err()) or
                     (not p.alive() and "exited"), 20, name + " to listen")
        if m == "exited":
            raise AssertionError("%s exited: %s" % (name, p.err()))
        p.port = int(m.group(1))
        return p

    def proxy(self, upstream, seed, fault_args):
        flog = self.path("faults.log")
        argv = [sys.executable, PROXY, "--listen", "0", "--upstream", str(upstream), "--seed",
                str(seed), "--log", flog, "--exit-with-parent"] + fault_args
        p = Proc("proxy", argv, self.dir)
        self.procs.append(p)
        m = wait_for(lambda: re.search(r"listen port=(\d+)", p.out()), 20, "the proxy")
        p.port = int(m.group(1))
        p.log_path = flog
        return p

    def master(self, name, port, class_poll="300ms", response_timeout="1s"):
        """Starts `dnp3 master --json` (classes polled every class_poll, unsolicited enabled)."""
        cfg = self.write(name + ".yaml", MASTER_YAML.format(port=port, class_poll=class_poll,
                                                            response_timeout=response_timeout))
        p = Proc(name, [BIN, "master", "--config", cfg, "--json", "--pcap", self.path(name + ".pcap")],
                 self.dir)
        self.procs.append(p)
        return p

    def cleanup(self, keep):
        """Kills what still runs; removes the files unless keep (a failed run keeps them for
        a post-mortem: the logs, both ends' captures, the proxy's fault log)."""
        for p in self.procs:
            if p.alive():
                p.kill()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            log("files kept in", self.dir)


def outstation_yaml(class1=4000, class2=4000, overflow="discard_oldest", confirm="500ms",
                    fragment=249):
    """Small fragments (249 octets: one link frame, about 20 events) so that a link cut every
    few hundred octets still lets whole fragments and their confirms through."""
    return OUTSTATION_YAML.format(class1=class1, class2=class2, overflow=overflow, confirm=confirm,
                                  fragment=fragment)


def counters(os_proc, timeout=10):
    """SIGUSR1 the outstation; its counter lines parsed: {"events": {...}, "association": {...},
    "generator": {...}, ...} (numbers as ints)."""
    before = os_proc.out().count("\nruntime:") + os_proc.out().startswith("runtime:")
    os_proc.send(signal.SIGUSR1)

    def block():
        text = os_proc.out()
        blocks = re.split(r"(?m)^(?=runtime:)", text)
        blocks = [b for b in blocks if b.startswith("runtime:")]
        if len(blocks) > before and blocks[-1].endswith("\n") and "association" in blocks[-1] \
                and (not "--generate" in " ".join(os_proc.argv) or "generator:" in blocks[-1]):
            return blocks[-1]
        return None

    text = wait_for(block, timeout, "the outstation's counters")
    out = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        key = name.split()[0]
        out[key] = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", rest))
    return out


class Received:
    """The master's --json lines: events and static values of counter 0 and binary input 0."""

    def __init__(self, *texts):
        self.counter = []  # (value, time) of counter events, in arrival order
        self.binary = []  # (value, time) of binary input events
        self.static_counter = []  # static counter values (integrity polls)
        self.other = 0
        for text in texts:
            lines = text.split("\n")
            for i, line in enumerate(lines):
                if not line.strip():
                    continue
                try:
                    m = json.loads(line)
                except ValueError:
                    if i == len(lines) - 1:
                        continue  # being written (or cut by a SIGKILL)
                    raise
                if m["index"] != 0:
                    self.other += 1
                elif m["type"] == "counter" and m["event"]:
                    self.counter.append((m["value"], m["time"]))
                elif m["type"] == "counter":
                    if not m["flags"] & 0x04:  # not a COMM_LOST re-report
                        self.static_counter.append(m["value"])
                elif m["type"] == "binary_input" and m["event"]:
                    self.binary.append((m["value"], m["time"]))
                else:
                    self.other += 1

    def max_counter(self, below=None):
        return max([v for v, _ in self.counter if below is None or v < below] or [0])


class SeqResult:
    def __init__(self):
        self.received = 0  # events received (with duplicates)
        self.distinct = 0
        self.duplicates = 0  # events received again
        self.blocks = 0  # re-delivery blocks
        self.missing = []  # values never received
        self.errors = []  # order violations


def check_sequence(values, first, last):
    """values: one point's event values (ints) in arrival order, expected first..last each at
    least once. A value above the highest seen must be the next one (else the ones between are
    missing, and an error). A value at or below it is a duplicate, and must belong to a
    re-delivery block: a run that starts at some already-seen value and goes up by one, back to
    the highest seen and beyond; a jump forward inside a block is an error (an outstation
    re-sends its unconfirmed events oldest first, without holes)."""
    r = SeqResult()
    hi = first - 1
    rep = None  # inside a block: the next value it must carry
    seen = set()
    for v in values:
        r.received += 1
        if v < first or v > last:
            r.errors.append("value %d outside %d..%d" % (v, first, last))
            continue
        if v > hi:
            if rep is not None and rep <= hi:
                r.errors.append("re-delivery block jumped from %d to %d (highest %d)" % (rep - 1, v, hi))
            if v > hi + 1:
                r.errors.append("values %d..%d missing before %d" % (hi + 1, v - 1, v))
            hi = v
            rep = None
        else:
            r.duplicates += 1
            if rep is None or v != rep:
                if rep is not None and v > rep:
                    r.errors.append("re-delivery block jumped from %d to %d" % (rep - 1, v))
                r.blocks += 1
            rep = v + 1
        seen.add(v)
    r.distinct = len(seen)
    r.missing = [v for v in range(first, last + 1) if v not in seen]
    return r


def binary_steps(rx, base):
    """The binary events as steps, by their time (the counter event of the same step has the
    same time). Returns (steps in arrival order, errors)."""
    step_of = {}
    for v, t in rx.counter:
        step_of.setdefault(t, v - base)
    steps, errors = [], []
    for v, t in rx.binary:
        k = step_of.get(t)
        if k is None:
            errors.append("binary event at time %s matches no counter event" % t)
            continue
        if v != (k & 1):
            errors.append("binary event of step %d has value %d, expected %d" % (k, v, k & 1))
        steps.append(k)
    return steps, errors


def fault_summary(proxy):
    """The proxy's counts: {"cut": n, "stall": n, ...} from its log (the summary line if
    written, else counted from the fault lines)."""
    with open(proxy.log_path) as f:
        text = f.read()
    m = re.search(r"^summary (.*)$", text, re.M)
    if m:
        return dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1)))
    out = {}
    for kind in re.findall(r"^fault .* kind=(\w+)", text, re.M):
        out[kind] = out.get(kind, 0) + 1
    out["conns"] = len(re.findall(r"^open ", text, re.M))
    return out


def seed_from_env(default):
    """The seed: $DNP3C_NOLOSS_SEED, else the test's default (printed, so a run is reproducible)."""
    return int(os.environ.get("DNP3C_NOLOSS_SEED", default))


def report_sequence(check, what, r):
    """Print one point's figures and record its failures through check(cond, text)."""
    log("%s: received=%d distinct=%d duplicates=%d blocks=%d missing=%d" % (
        what, r.received, r.distinct, r.duplicates, r.blocks, len(r.missing)))
    check(not r.missing, "%s: %d values missing (first: %s)" % (what, len(r.missing), r.missing[:10]))
    check(not r.errors, "%s: order errors: %s" % (what, r.errors[:5]))


def fault_run(check, name, seed, steps, rate, fault_args, min_cuts=0, class_poll="300ms",
              timeout=150):
    """outstation --generate -> proxy (seed, fault_args) -> master; waits until the master has
    every value (or timeout), then checks both points' sequences and cross-checks the
    duplicates with the outstation's counters. Returns (faults, counters)."""
    import e2elib
    run = Run(name)
    before = len(e2elib.failures)
    try:
        os_ = run.outstation("outstation", outstation_yaml(),
                             ["--generate", str(steps), "--generate-rate", str(rate)])
        px = run.proxy(os_.port, seed, fault_args)
        m = run.master("master", px.port, class_poll=class_poll)
        log("%s: seed %d, %d steps at %d/s, proxy %s; files in %s" % (
            name, seed, steps, rate, " ".join(fault_args), run.dir))
        t0 = time.monotonic()

        def done():
            try:
                return Received(m.out()).max_counter() >= steps
            except ValueError:  # a line being written
                return False

        complete = True
        try:
            wait_for(done, timeout, "the master to receive value %d" % steps)
        except AssertionError as e:
            check(False, str(e))
            complete = False
        # Let the last confirm arrive, then read the outstation's counters.
        c = counters(os_)
        deadline = time.monotonic() + 20
        while complete and c["events"]["confirmed"] < c["events"]["added"] and \
                time.monotonic() < deadline:
            time.sleep(0.2)
            c = counters(os_)
        elapsed = time.monotonic() - t0
        m.stop()
        px.stop()
        faults = fault_summary(px)
        os_.stop()
        rx = Received(m.out())
        log("%s: %.1f s; faults: %s" % (name, elapsed, " ".join(
            "%s=%d" % (k, v) for k, v in sorted(faults.items()))))
        rc = check_sequence([v for v, _ in rx.counter], 1, steps)
        report_sequence(check, "counter 0", rc)
        bsteps, berr = binary_steps(rx, 0)
        rb = check_sequence(bsteps, 1, steps)
        report_sequence(check, "binary input 0", rb)
        check(not berr, "binary events: %s" % berr[:5])
        a, e = c["association"], c["events"]
        resends = a["events_sent"] - a["events_confirmed"]
        log("outstation: events added=%d confirmed=%d discarded=%d sent=%d (resent %d) "
            "confirm_timeouts=%d unsolicited=%d link_up=%d link_down=%d" % (
                e["added"], e["confirmed"], e["discarded"], a["events_sent"], resends,
                a["confirm_timeouts"], a["unsolicited"], a["link_up"], a["link_down"]))
        check(e["added"] == 2 * steps, "outstation added %d events, expected %d" % (e["added"], 2 * steps))
        check(e["discarded"] == 0, "outstation discarded %d events" % e["discarded"])
        dups = rc.duplicates + rb.duplicates
        log("duplicates: %d (counter %d, binary %d) in %d re-delivery blocks; the outstation "
            "re-sent %d events after %d confirm timeouts and %d lost connections" % (
                dups, rc.duplicates, rb.duplicates, rc.blocks + rb.blocks, resends,
                a["confirm_timeouts"], a["link_down"]))
        check(dups <= resends, "%d duplicates but the outstation re-sent only %d events" % (dups, resends))
        check(rc.blocks + rb.blocks <= 2 * (a["confirm_timeouts"] + a["link_down"]),
              "%d re-delivery blocks but only %d confirm timeouts and %d link losses" % (
                  rc.blocks + rb.blocks, a["confirm_timeouts"], a["link_down"]))
        if min_cuts:
            check(faults.get("cut", 0) >= min_cuts, "only %d cuts (at least %d wanted)" % (
                faults.get("cut", 0), min_cuts))
        return faults, c
    finally:
        run.cleanup(keep=len(e2elib.failures) > before)
