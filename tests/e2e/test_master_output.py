#!/usr/bin/env python3
"""`dnp3 master` whose measurements cannot be written stops, says why, and exits 1, rather than
go on confirming events it cannot record (the outstation keeps those not yet confirmed):

  - stdout on /dev/full: one ERROR line "master: cannot write measurements (No space left on
    device): stopping, ...", then "dnp3 master: cannot write output: No space left on device";
    it stops by itself, status 1, with no WARN line after (the links it closes);
  - stdout a pipe whose reader reads two lines and goes away: an INFO line "the output was
    closed (its reader went away): stopping", no error line (as any filter in a pipeline);
    status 1;
  - with --quiet nothing is written, so /dev/full changes nothing: it runs until SIGINT and
    exits 0.
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import TIME_SCALE, Outstation  # noqa: E402
from e2elib import BIN, require_bin, stop_sigint, wait_for  # noqa: E402

# seconds: the first measurements come with the start-up's integrity poll (longer under
# valgrind: DNP3C_TIME_SCALE)
STOPPED_IN = 15 * TIME_SCALE


def wait_exit(p, what):
    try:
        return p.wait(STOPPED_IN)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise AssertionError(what + ": still running after %g s" % STOPPED_IN)


def check_full(target, tmp):
    err_path = os.path.join(tmp, "full.err")
    with open("/dev/full", "w") as full, open(err_path, "w") as errf:
        p = subprocess.Popen([BIN, "master", target, "--unsol"], stdout=full, stderr=errf)
        status = wait_exit(p, "master > /dev/full")
    with open(err_path) as f:
        err = f.read()
    lines = [x for x in err.splitlines() if "cannot write measurements" in x]
    assert status == 1, (status, err)
    assert len(lines) == 1 and "ERROR" in lines[0], err
    assert ("master: cannot write measurements (No space left on device): stopping, so that "
            "the outstations keep the events not yet confirmed") in lines[0], err
    assert err.rstrip().endswith("dnp3 master: cannot write output: No space left on device"), err
    assert " WARN " not in err[err.index("cannot write measurements"):], err


def check_closed_pipe(target, tmp):
    err_path = os.path.join(tmp, "pipe.err")
    with open(err_path, "w") as errf:
        p = subprocess.Popen([BIN, "master", target, "--unsol"], stdout=subprocess.PIPE,
                             stderr=errf, text=True)
        first = [p.stdout.readline(), p.stdout.readline()]
        p.stdout.close()  # the reader goes away
        status = wait_exit(p, "master | head -2")
    with open(err_path) as f:
        err = f.read()
    assert all(x.startswith(target + "/10 ") for x in first), first
    assert status == 1, (status, err)
    assert "INFO  master: the output was closed (its reader went away): stopping" in err, err
    assert "cannot write" not in err, err


def check_quiet(target, tmp):
    err_path = os.path.join(tmp, "quiet.err")
    with open("/dev/full", "w") as full, open(err_path, "w") as errf:
        p = subprocess.Popen([BIN, "master", target, "--unsol", "--quiet"], stdout=full,
                             stderr=errf)

        def log():
            with open(err_path) as f:
                return f.read()
        wait_for(lambda: "integrity poll done" in log(), 15, "the integrity poll", log)
        time.sleep(1)
        assert p.poll() is None, p.returncode
        status = stop_sigint(p)
    with open(err_path) as f:
        err = f.read()
    assert "integrity poll done" in err, err
    assert status == 0 and "cannot write" not in err, (status, err)


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--points", "4", "--simulate",
                             "--period", "200ms"], tmp)
        target = "127.0.0.1:%d" % o.port
        try:
            check_full(target, tmp)
            check_closed_pipe(target, tmp)
            check_quiet(target, tmp)
        finally:
            assert o.stop() == 0
    print("ok")


if __name__ == "__main__":
    main()
