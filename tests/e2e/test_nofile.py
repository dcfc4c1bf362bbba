#!/usr/bin/env python3
"""Running out of file descriptors is said at ERROR, with the limit and the count.

  - an outstation process whose open file limit (RLIMIT_NOFILE) is 40, serving a master with 100
    associations (one connection each): the connections beyond the limit are refused at accept,
    each counted, and the log says so at ERROR with the limit, the connections open and the count
    refused (libuv would otherwise drop them unseen: the runtime keeps the last descriptor free);
    the associations within the limit are polled; the outstation stops with 0;
  - a master process with the same limit: the runtime says at ERROR how many of its 100 clients
    cannot connect, with the limit.
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
from e2elib import BIN, free_port, require_bin  # noqa: E402

N = 100
LIMIT = 40
STATIONS = 13
MASTERS = 8


def outstation_yaml(path, port):
    lines = ["listen: 127.0.0.1:%d" % port, "max_connections: 200", "log:", "  level: info",
             "outstations:"]
    for s in range(STATIONS):
        lines += ["  - address: %d" % (10 + s), "    points:", "      analog:",
                  "        count: 2", "    associations:"]
        lines += ["      - master: %d" % m for m in range(1, MASTERS + 1)]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def master_yaml(path, port):
    lines = ["defaults:", "  integrity_period: 0ms", "associations:"]
    for i in range(N):
        lines += ["  - name: a%03d" % i, "    endpoints: [127.0.0.1:%d]" % port,
                  "    address: %d" % (10 + i // MASTERS), "    master: %d" % (1 + i % MASTERS)]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def limited():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def spawn(args, log_path, limit):
    log = open(log_path, "w")
    return subprocess.Popen([BIN] + args, stdout=subprocess.DEVNULL, stderr=log,
                            preexec_fn=limited if limit else None), log


def wait_for(path, pattern, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path) as f:
            text = f.read()
        m = re.search(pattern, text)
        if m or proc.poll() is not None:
            return m, text
        time.sleep(0.2)
    with open(path) as f:
        return None, f.read()


def stop(proc, log):
    proc.send_signal(signal.SIGINT)
    try:
        status = proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("process did not stop")
    log.close()
    return status


def configs(tmp, tag):
    """A free port and the two configuration files for it."""
    port = free_port()
    oyaml = os.path.join(tmp, "os%s.yaml" % tag)
    outstation_yaml(oyaml, port)
    myaml = os.path.join(tmp, "m%s.yaml" % tag)
    master_yaml(myaml, port)
    return port, oyaml, myaml


def outstation_limited(tmp):
    port, oyaml, myaml = configs(tmp, "1")
    olog = os.path.join(tmp, "os.err")
    o, of = spawn(["outstation", "--config", oyaml], olog, limit=True)
    m = mf = None
    try:
        m_ok, text = wait_for(olog, r"listening on", o, 20)
        assert m_ok, text
        m, mf = spawn(["master", "--config", myaml, "--quiet"], os.path.join(tmp, "m.err"),
                      limit=False)
        pat = (r"ERROR tcp 127\.0\.0\.1:%d: refused connection from [0-9.:]+: no file descriptor "
               r"left: the open file limit \(RLIMIT_NOFILE\) is %d, (\d+) connections are open; "
               r"(\d+) connections refused for it so far" % (port, LIMIT))
        found, text = wait_for(olog, pat, o)
        assert found, text[-3000:]
        assert 0 < int(found.group(1)) < LIMIT, found.group(0)
        assert int(found.group(2)) >= 1, found.group(0)
        # the associations that fit are served
        done, mtext = wait_for(os.path.join(tmp, "m.err"), r"integrity poll done", m)
        assert done, mtext[-2000:]
    finally:
        if m:
            stop(m, mf)
        status = stop(o, of)
    assert status == 0, status


def master_limited(tmp):
    port, oyaml, myaml = configs(tmp, "2")
    o = Outstation(BIN, ["--config", oyaml], tmp, name="os2")
    mlog = os.path.join(tmp, "m2.err")
    m, mf = spawn(["master", "--config", myaml, "--quiet"], mlog, limit=True)
    try:
        pat = (r"ERROR tcp: no file descriptor for a connection to 127\.0\.0\.1:%d: the open file "
               r"limit \(RLIMIT_NOFILE\) is %d, (\d+) connections are open; (\d+) of %d clients "
               r"cannot connect" % (port, LIMIT, N))
        found, text = wait_for(mlog, pat, m)
        assert found, text[-3000:]
        assert int(found.group(2)) >= 1 and int(found.group(1)) < LIMIT, found.group(0)
    finally:
        status = stop(m, mf)
        assert o.stop() == 0, o.log()[-2000:]
    assert status == 0, (status, text[-2000:])


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        outstation_limited(tmp)
        master_limited(tmp)
    print("ok")


if __name__ == "__main__":
    main()
