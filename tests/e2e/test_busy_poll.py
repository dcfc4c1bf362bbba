#!/usr/bin/env python3
"""`--busy-poll US` of `dnp3 outstation` and `dnp3 master` (the runtime's busy_poll_us).

  - both log that they poll for US microseconds after traffic; the master prints its integrity
    polls (every 100 ms), its --toggle command (SELECT then OPERATE) reaches the outstation and
    succeeds, a one-shot `dnp3 operate --direct` too; SIGINT / SIGTERM stop both with exit
    status 0;
  - once the master is gone the outstation has no traffic and sleeps again: over 2 s its CPU
    time grows by less than 0.5 s (a loop that kept polling would take its core);
  - a value that is not a number of microseconds 0..1000000, or the flag given twice: exit 2
    and one line saying so.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import TIME_SCALE, Outstation  # noqa: E402
from e2elib import BIN, dnp3, require_bin, stop_sigint  # noqa: E402


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_master(target, tmp):
    """`dnp3 master --busy-poll 500` with integrity polls every 100 ms and one --toggle
    (SELECT then OPERATE LATCH_ON), until three polls were printed; its exit status, stdout
    and log."""
    paths = [os.path.join(tmp, "master.out"), os.path.join(tmp, "master.err")]
    with open(paths[0], "w") as outf, open(paths[1], "w") as errf:
        p = subprocess.Popen([BIN, "master", target, "--busy-poll", "500", "--toggle", "1",
                              "--integrity-period", "100ms"], stdout=outf, stderr=errf)
        try:
            deadline = time.monotonic() + 20 * TIME_SCALE
            while time.monotonic() < deadline:
                with open(paths[0]) as f:
                    if f.read().count("analog_input") >= 3 * 3:
                        break
                time.sleep(0.05)
        finally:
            rc = stop_sigint(p)
    with open(paths[0]) as f, open(paths[1]) as g:
        return rc, f.read(), g.read()


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--points", "3", "--busy-poll", "500"],
                       tmp)
        try:
            # Logged when its loop starts, just after "listening on".
            o.wait_log(r"runtime: busy polling for 500 us after traffic")
            target = "127.0.0.1:%d" % o.port
            rc, out, log = run_master(target, tmp)
            assert rc == 0, (rc, log)
            assert "runtime: busy polling for 500 us after traffic" in log, log
            assert out.count("analog_input") >= 9, out
            assert re.search(r"command \d+: SUCCESS, status SUCCESS", log), log
            o.wait_log(r"control SELECT g12v1 index 1 LATCH_ON count 1 on 0 ms off 0 ms: SUCCESS")
            o.wait_log(r"control OPERATE g12v1 index 1 LATCH_ON count 1 on 0 ms off 0 ms: SUCCESS")
            rc, out, err = dnp3("operate", target, "--index", "2", "--code", "latch-on",
                                "--direct")
            assert rc == 0 and "SUCCESS, status SUCCESS (0)" in out, (rc, out, err)
            time.sleep(0.2)  # the last window after the command passes
            before = cpu_seconds(o.proc.pid)
            time.sleep(2)
            used = cpu_seconds(o.proc.pid) - before
            assert used < 0.5, "idle outstation used %.2f s of CPU in 2 s" % used
        finally:
            status = o.stop()
        assert status == 0, o.log()
    for cmd, args, why in [
            ("outstation", ["--busy-poll", "x"], "'x' is not a number of microseconds"),
            ("outstation", ["--busy-poll", "1000001"], "'1000001' is not a number"),
            ("master", ["--busy-poll", "-5", "127.0.0.1"], "'-5' is not a number"),
            ("master", ["--busy-poll", "5", "--busy-poll", "6", "127.0.0.1"],
             "--busy-poll given twice")]:
        rc, out, err = dnp3(cmd, *args)
        assert rc == 2 and why in err and err.count("\n") == 1, (cmd, args, rc, err)
    print("ok")


if __name__ == "__main__":
    main()
