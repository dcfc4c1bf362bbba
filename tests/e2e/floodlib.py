"""floodlib: what the flood and slow-peer tests share: an outstation configuration with moving
values, a `dnp3 master` whose measurement lines are timestamped as they arrive, the RSS of a
process, and the refusal totals an outstation's log states."""
import os
import re
import signal
import subprocess
import threading
import time

OUTSTATION_YAML = """listen: 127.0.0.1:0
max_connections: {maxc}
link:
  first_frame_timeout: {first}
  partial_frame_timeout: {partial}
simulate:
  enabled: true
  period: {period}
outstations:
  - address: 10
    points:
      binary: {{count: 2}}
      counter: {{count: 2}}
      analog: {{count: 2}}
    associations:
      - master: 1
        unsolicited:
          enabled: true
          hold: 100ms
"""

MASTER_YAML = """defaults:
  integrity_period: 0ms
  class_poll: {poll}
  unsolicited: true
  response_timeout: 5s
  reconnect_min: {reconnect}
  reconnect_max: {reconnect}
associations:
  - name: legit
    endpoints: [127.0.0.1:{port}]
"""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def outstation_config(tmp, maxc=4, first="30s", partial="10s", period="100ms"):
    return write(os.path.join(tmp, "outstation.yaml"),
                 OUTSTATION_YAML.format(maxc=maxc, first=first, partial=partial, period=period))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


class TimedMaster:
    """`dnp3 master --config` with every stdout line (one measurement each) stamped with
    time.monotonic() on arrival; its log (stderr) in a file."""

    def __init__(self, binary, tmp, port, poll="500ms", reconnect="1s", name="master"):
        cfg = write(os.path.join(tmp, name + ".yaml"),
                    MASTER_YAML.format(poll=poll, port=port, reconnect=reconnect))
        self.err_path = os.path.join(tmp, name + ".err")
        self.errf = open(self.err_path, "w")
        self.proc = subprocess.Popen([binary, "master", "--config", cfg], stdout=subprocess.PIPE,
                                     stderr=self.errf, text=True)
        self.arrivals = []  # monotonic time of each measurement line
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.strip():
                self.arrivals.append(time.monotonic())

    def log(self):
        with open(self.err_path) as f:
            return f.read()

    def count_between(self, t0, t1):
        return sum(1 for t in list(self.arrivals) if t0 <= t < t1)

    def max_gap(self, t0, t1):
        """Longest time in [t0, t1] without a measurement arriving."""
        ts = [t0] + [t for t in list(self.arrivals) if t0 <= t <= t1] + [t1]
        return max(b - a for a, b in zip(ts, ts[1:]))

    def wait_measurements(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.arrivals) < n:
            time.sleep(0.05)
        return len(self.arrivals) >= n

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            status = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            status = None
        self.reader.join(5)
        self.errf.close()
        return status


def refusals_in_log(log):
    """Refusals the log accounts for: one line per refusal written, plus the counts of the
    summary lines that fold the rest in. Returns (written lines, folded, total)."""
    lines = len(re.findall(r"refused connection from \S+: connection limit reached", log))
    folded = sum(int(n) for n in re.findall(r"refused (\d+) more connections from", log))
    folded += sum(int(n) for n in re.findall(r"refused (\d+) connections from other sources", log))
    return lines, folded, lines + folded


def max_open_in_log(log):
    opens = [int(k) for k in re.findall(r"accepted connection \d+ from \S+ \((\d+) of \d+ open\)",
                                         log)]
    return max(opens) if opens else 0


def accepted_ports(log):
    return [int(p) for p in re.findall(r"accepted connection \d+ from 127\.0\.0\.1:(\d+)", log)]
