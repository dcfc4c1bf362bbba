#!/usr/bin/env python3
"""A master we did not write (opendnp3 3.1.2's, as /work/interop/bin/od_master, built outside
the repo: see the interop notes in docs/outstation.md) against `dnp3 outstation --simulate`:
startup integrity poll, an explicit integrity poll, class polls every second, unsolicited
events after ENABLE_UNSOLICITED, non-LAN time sync, CROB direct operate and select-before-
operate, analog output direct operate (g41v3) and select-before-operate (g41v1: its g43v3
command event is the one object tshark cannot read, exempted by packet), and a CROB for
a point that does not exist (NOT_SUPPORTED). Both programs exit 0; the capture is clean in
tshark. Skips (77) when /work/interop (or DNP3C_INTEROP) has no od_master.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import Outstation, tshark_check  # noqa: E402
from e2elib import BIN, require_bin, require_tshark  # noqa: E402

INTEROP = os.environ.get("DNP3C_INTEROP", "/work/interop")
OD_MASTER = os.path.join(INTEROP, "bin", "od_master")


def main():
    require_bin()
    if not os.access(OD_MASTER, os.X_OK):
        print("SKIP: no opendnp3 master at %s" % OD_MASTER)
        sys.exit(77)
    require_tshark()
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "interop.pcap")
        o = Outstation(BIN, ["--listen", "127.0.0.1:0", "--simulate", "--period", "1s",
                             "--pcap", pcap], tmp)
        try:
            m = subprocess.run(
                [OD_MASTER, "127.0.0.1", str(o.port), "--local", "1", "--remote", "10",
                 "--integrity", "--class-poll-ms", "1000", "--unsol",
                 "--direct-operate", "0", "3", "--sbo", "1", "0x41", "--analog", "2", "12.5",
                 "--analog-sbo", "3", "7", "--direct-operate", "99", "3", "--duration", "6"],
                capture_output=True, text=True, timeout=60)
        finally:
            status = o.stop()
        out = m.stdout
        assert m.returncode == 0, "od_master exit %d\n%s" % (m.returncode, m.stderr)
        assert status == 0, "outstation exit %d\n%s" % (status, o.log())
        for task in ("DISABLE_UNSOLICITED", "CLEAR_RESTART", "STARTUP_INTEGRITY_POLL",
                     "NON_LAN_TIME_SYNC", "ENABLE_UNSOLICITED"):
            assert re.search(r"TASK_COMPLETE type=%s id=-1 result=SUCCESS" % task, out), task
        assert re.search(r"SCAN_COMPLETE name=integrity result=SUCCESS", out)
        assert re.search(r"SCAN_COMPLETE name=class123 result=SUCCESS", out)
        results = re.findall(r"CMD_RESULT seq=(\d) .* ok=(\d)", out)
        assert results == [("1", "1"), ("2", "1"), ("3", "1"), ("4", "1"), ("5", "0")], results
        assert re.search(r"idx=99:state=SUCCESS:status=NOT_SUPPORTED", out)
        unsol = int(re.search(r"unsol_fragments=(\d+)", out).group(1))
        assert unsol > 0, "no unsolicited fragment with data"
        assert re.search(r"MEAS type=AI .* event=1 unsol=1", out), "no unsolicited analog event"
        log = o.log()
        assert "control DIRECT_OPERATE g12v1 index 0 LATCH_ON" in log
        assert "control SELECT g12v1 index 1 CLOSE PULSE_ON" in log
        assert "control OPERATE g12v1 index 1 CLOSE PULSE_ON" in log
        assert "control DIRECT_OPERATE g41v3 index 2 value 12.5" in log
        assert "control OPERATE g41v1 index 3 value 7" in log
        assert "time written" in log
        problems = tshark_check(pcap, o.port)
        assert not problems, "\n".join(problems)
    print("ok")


if __name__ == "__main__":
    main()
