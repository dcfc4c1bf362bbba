#!/usr/bin/env python3
"""1,000 associations in one `dnp3 master` process (--config, one TCP connection each), against
`dnp3 outstation` processes on loopback. An outstation process hosts at most 16 link addresses
with 8 masters each (128 associations: the server's limits), so 8 processes, each with 16
outstations (addresses 10..25) and masters 1..8, take 125 connections each.

  - every association connects, runs its start-up (DISABLE_UNSOLICITED, integrity poll,
    ENABLE_UNSOLICITED) and logs "integrity poll done": 1,000 distinct names;
  - no ERROR line; SIGINT ends the master with 0; every outstation stops with 0;
  - the master's capture of all 1,000 connections (8 ports) is DNP3 throughout for tshark
    (no malformed packet, no warning);
  - with the open file limit lowered below what 1,000 sockets need (ulimit -n 256), the master
    says so at error level with the limit and the count.
"""
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation  # noqa: E402
from e2elib import BIN, tshark_installed, require_bin, skip  # noqa: E402

N = 1000
PROCS = 8
STATIONS = 16
MASTERS = 8


def outstation_yaml(path):
    lines = ["listen: 127.0.0.1:0", "max_connections: 200", "log:", "  level: info",
             "outstations:"]
    for s in range(STATIONS):
        lines += ["  - address: %d" % (10 + s), "    points:"]
        for t in ["binary", "analog", "counter"]:
            lines += ["      %s:" % t, "        count: 2"]
        lines += ["    associations:"]
        for m in range(1, MASTERS + 1):
            lines += ["      - master: %d" % m]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def master_yaml(path, ports):
    lines = ["defaults:", "  integrity_period: 0ms", "  response_timeout: 20s",
             "  connect_timeout: 20s", "associations:"]
    for i in range(N):
        p, j = divmod(i, N // PROCS)
        lines += ["  - name: a%04d" % i, "    endpoints: [127.0.0.1:%d]" % ports[p],
                  "    address: %d" % (10 + j // MASTERS), "    master: %d" % (1 + j % MASTERS)]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_master(args, tmp, name, limit=None, until=None, timeout=120):
    out_path = os.path.join(tmp, name + ".out")
    err_path = os.path.join(tmp, name + ".err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        pre = None
        if limit:
            def pre():
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
        m = subprocess.Popen([BIN, "master"] + args, stdout=out, stderr=err, preexec_fn=pre)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                with open(err_path) as f:
                    text = f.read()
                if until(text) or m.poll() is not None:
                    break
                time.sleep(0.5)
        finally:
            m.send_signal(signal.SIGINT)
            try:
                status = m.wait(30)
            except subprocess.TimeoutExpired:
                m.kill()
                m.wait()
                raise AssertionError("master did not stop")
    with open(err_path) as f:
        return status, f.read()


def tshark_check_ports(pcap, ports):
    """tshark_check over every port at once: with only one port decoded as DNP3, the other
    ports' traffic is left to tshark's heuristics, which call some of it malformed when an
    ephemeral port happens to be another protocol's."""
    base = ["tshark", "-n", "-r", pcap]
    for port in ports:
        base += ["-d", "tcp.port==%d,dnp3" % port]
    problems = []
    out = subprocess.run(base + ["-Y", "tcp.len > 0 && !dnp3"], capture_output=True, text=True)
    if out.stdout.strip():
        problems.append("payloads not dissected as DNP3:\n" + out.stdout[:2000])
    out = subprocess.run(base + ["-Y", "_ws.malformed || _ws.expert.severity >= warning"],
                         capture_output=True, text=True)
    if out.stdout.strip():
        problems.append("malformed or warnings:\n" + out.stdout[:2000])
    return problems


def main():
    require_bin()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < N + 64:
        skip("the open file limit (%d) is too low for %d connections" % (hard, N))
    have_tshark = tshark_installed()
    with tempfile.TemporaryDirectory() as tmp:
        oyaml = os.path.join(tmp, "outstation.yaml")
        outstation_yaml(oyaml)
        procs = []
        try:
            for p in range(PROCS):
                procs.append(Outstation(BIN, ["--config", oyaml], tmp, name="os%d" % p,
                                        wait_listen=False))
            ports = []
            for o in procs:
                m = o.wait_log(r"listening on [^\s]*:(\d+) \(", timeout=20)
                ports.append(int(m.group(1)))
                o.port = ports[-1]
            myaml = os.path.join(tmp, "master.yaml")
            master_yaml(myaml, ports)
            pcap = os.path.join(tmp, "many.pcap")
            status, log = run_master(
                ["--config", myaml, "--quiet", "--pcap", pcap], tmp, "m",
                until=lambda t: t.count("integrity poll done") >= N)
            done = set(re.findall(r"(a\d{4}): integrity poll done", log))
            assert len(done) == N, (len(done), log[-3000:])
            assert status == 0, (status, log[-2000:])
            assert " ERROR " not in log, [x for x in log.split("\n") if " ERROR " in x][:5]
            if have_tshark:
                problems = tshark_check_ports(pcap, ports)
                assert not problems, problems
            # too few file descriptors: said at error level with the limit and the count
            status, log = run_master(["--config", myaml, "--quiet"], tmp, "low", limit=256,
                                     until=lambda t: "no socket" in t, timeout=30)
            assert status == 0, (status, log[-2000:])
            assert re.search(r"ERROR: 1000 associations need 1000 sockets but the open file "
                             r"limit \(RLIMIT_NOFILE\) is 256", log), log[:2000]
            assert re.search(r"ERROR .*no socket: the open file limit \(RLIMIT_NOFILE\) is 256 "
                             r"and this process runs 1000 associations", log), log[-3000:]
        finally:
            for o in procs:
                assert o.stop() == 0, o.log()[-2000:]
    print("ok")


if __name__ == "__main__":
    main()
