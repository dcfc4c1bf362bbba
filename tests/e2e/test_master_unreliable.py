#!/usr/bin/env python3
"""One `dnp3 master --config` with nine associations, each on its own connection, where most
outstations misbehave; the healthy ones must still be polled on schedule:

  - h1, h2, h3: healthy `dnp3 outstation` processes (moving values);
  - slow: a healthy outstation behind tests/fault/fault_proxy.py --delay-ms 600 (each way):
    every answer comes 1.2 s late, inside the 2 s response timeout;
  - late: the same with 1500 ms each way: every answer comes after the response timeout;
  - silent1, silent2: accept the TCP connection and never answer;
  - closer1, closer2: accept and close at once.
The class poll period is 500 ms. Over a 10 s window (between two SIGUSR1 counter snapshots of
each healthy outstation) each healthy one receives at least half the polls the period allows
(10 of 20: generous on a loaded machine, never a tight timing); slow is answered and polled;
the master logs the timeouts of late, silent1 and silent2, and the closes and reconnects of
closer1 and closer2; nothing else is reported failed. Figures are printed as FIGURE lines.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation, _die_with_parent  # noqa: E402
from e2elib import BIN, require_bin  # noqa: E402
from floodlib import write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "..", "fault", "fault_proxy.py")
WINDOW = 10.0
PERIOD = 0.5


class BadServer:
    """Accepts on 127.0.0.1 and either stays silent (reads and drops) or closes at once."""

    def __init__(self, kind):
        self.kind = kind
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.accepted = 0
        self.stopping = False
        self.conns = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stopping:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.accepted += 1
            if self.kind == "closer":
                c.close()
            else:
                self.conns.append(c)
                threading.Thread(target=self._drain, args=(c,), daemon=True).start()

    @staticmethod
    def _drain(c):
        try:
            while c.recv(4096):
                pass
        except OSError:
            pass

    def stop(self):
        self.stopping = True
        self.lsock.close()
        for c in self.conns:
            c.close()


def proxy(tmp, upstream, delay_ms, name):
    log = os.path.join(tmp, name + ".proxy")
    p = subprocess.Popen([sys.executable, PROXY, "--listen", "0", "--upstream", str(upstream),
                          "--delay-ms", "%d-%d" % (delay_ms, delay_ms), "--log", log,
                          "--exit-with-parent"], stdout=subprocess.PIPE, text=True,
                         preexec_fn=_die_with_parent)
    line = p.stdout.readline()
    m = re.match(r"listen port=(\d+)", line)
    assert m, line
    return p, int(m.group(1))


OUTSTATION = ["--listen", "127.0.0.1:0", "--simulate", "--period", "200ms", "--points", "2"]

MASTER = """defaults:
  integrity_period: 0ms
  class_poll: 500ms
  response_timeout: 2s
  connect_timeout: 2s
  reconnect_min: 1s
  reconnect_max: 2s
  task_retry_min: 1s
  task_retry_max: 2s
associations:
"""


def responses(o):
    return o.counters()["association 10/1"]["responses"]


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        procs, proxies, bad = {}, [], {}
        master = None
        try:
            for name in ("h1", "h2", "h3", "slow_os", "late_os"):
                procs[name] = Outstation(BIN, OUTSTATION, tmp, name=name)
            ports = {n: procs[n].port for n in ("h1", "h2", "h3")}
            for name, up, delay in (("slow", "slow_os", 600), ("late", "late_os", 1500)):
                p, port = proxy(tmp, procs[up].port, delay, name)
                proxies.append(p)
                ports[name] = port
            for name in ("silent1", "silent2", "closer1", "closer2"):
                bad[name] = BadServer(name[:-1])
                ports[name] = bad[name].port
            text = MASTER + "".join("  - name: %s\n    endpoints: [127.0.0.1:%d]\n" % (n, p)
                                    for n, p in sorted(ports.items()))
            cfg = write(os.path.join(tmp, "master.yaml"), text)
            err_path = os.path.join(tmp, "master.err")
            with open(err_path, "w") as errf:
                master = subprocess.Popen([BIN, "master", "--config", cfg, "--quiet"],
                                          stdout=subprocess.DEVNULL, stderr=errf,
                                          preexec_fn=_die_with_parent)

            def mlog():
                with open(err_path) as f:
                    return f.read()

            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all(
                    "%s: integrity poll done" % n in mlog() for n in ("h1", "h2", "h3", "slow")):
                time.sleep(0.2)
            before = {n: responses(procs[n]) for n in ("h1", "h2", "h3", "slow_os", "late_os")}
            t0 = time.monotonic()
            time.sleep(WINDOW)
            after = {n: responses(procs[n]) for n in ("h1", "h2", "h3", "slow_os", "late_os")}
            window = time.monotonic() - t0
        finally:
            if master:
                master.send_signal(2)
                mstatus = master.wait(20)
            for b in bad.values():
                b.stop()
            for p in proxies:
                p.terminate()
                p.wait(10)
            ostatus = {n: o.stop() for n, o in procs.items()}
        log = mlog()
        if os.environ.get("KEEP_LOG"):
            open(os.environ["KEEP_LOG"], "w").write(log)

        polls = {n: after[n] - before[n] for n in after}
        allowed = int(window / PERIOD)
        for n in ("h1", "h2", "h3", "slow_os", "late_os"):
            print("FIGURE %-8s poll responses in %.1f s: %d (the period allows %d)" %
                  (n, window, polls[n], allowed))
        reports = {}
        for n in ("late", "silent1", "silent2", "closer1", "closer2"):
            reports[n] = (len(re.findall(r"%s: assoc 1->10: no response to \w+ seq \d+ within "
                                         r"2000 ms" % n, log)),
                          len(re.findall(r"%s: disconnected \([^)]*\); reconnecting" % n,
                                         log)))
            print("FIGURE %-8s response timeouts logged %d, closes logged (reconnecting) %d, "
                  "connections accepted by the bad server %s" %
                  (n, reports[n][0], reports[n][1], bad[n].accepted if n in bad else "-"))

        assert mstatus == 0 and set(ostatus.values()) == {0}, (mstatus, ostatus)
        for n in ("h1", "h2", "h3"):
            assert polls[n] >= allowed // 2, (n, polls, allowed)
            assert "%s: assoc 1->10: state failed" % n not in log.split("signal 2")[0], log
            assert log.count("%s: connected to" % n) == 1, log
        assert polls["slow_os"] >= 1, polls
        assert "slow: assoc 1->10: state failed" not in log.split("signal 2")[0], log
        for n in ("late", "silent1", "silent2"):
            assert reports[n][0] >= 2, (n, log[-3000:])
        for n in ("closer1", "closer2"):
            assert reports[n][1] >= 2 and bad[n].accepted >= reports[n][1], (n, reports[n])
        assert " ERROR " not in log, [x for x in log.split("\n") if " ERROR " in x][:5]
    print("ok")


if __name__ == "__main__":
    main()
