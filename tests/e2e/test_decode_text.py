"""The readable tree of `dnp3 decode`, held to hand-checked expected text for
byte vectors from DNP3-FACTS (1.7 and 4.3). The values in each expectation
were worked out from the bytes by hand: a change to the tree format or to a
decoded value must show up here and be made on purpose."""
import os
import subprocess
import sys

BIN = os.environ.get("DNP3_BIN")
if not BIN:
    print("SKIP: DNP3_BIN not set (run through ctest)")
    sys.exit(77)

CASES = [
    ("two-block response: g30v1 +100 and -2 (FACTS 1.7)",
     "05 64 19 44 00 04 01 00 C8 B5 C1 C3 81 00 00 1E 01 00 00 01 01 64 00 00 00 01 4F D6 "
     "FE FF FF FF 67 B8".split(), 0,
     """Frame 1
  Link: len=25 DIR=0 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA dst=1024 src=1
  Transport: FIR FIN seq=1
  Application: FIR FIN seq=3 func=129 RESPONSE  IIN=0x0000
    g30v1 Analog Input - 32-bit With Flag  qualifier=0x00 start=0 stop=1 (2 points)
      [0] value=100 flags=0x01 [ONLINE]
      [1] value=-2 flags=0x01 [ONLINE]
"""),
    ("CTO 1000 ms + g2v3 +10 ms -> 1010 ms (FACTS 4.3)",
     ["--app"] + "E1 81 00 00 33 01 07 01 E8 03 00 00 00 00 02 03 28 01 00 05 00 81 0A 00".split(),
     0,
     """Frame 1
  Application: FIR FIN CON seq=1 func=129 RESPONSE  IIN=0x0000
    g51v1 Time and Date CTO - Absolute Time, Synchronized  qualifier=0x07 count=1 (1 point)
      [0] time=1970-01-01T00:00:01.000Z
    g2v3 Binary Input Event - With Relative Time  qualifier=0x28 count=1 (1 point)
      [5] value=1 flags=0x81 [ONLINE STATE] time=1970-01-01T00:00:01.010Z (+10 ms after CTO)
"""),
    ("DIRECT_OPERATE CROB pulse on index 3 (FACTS 4.3)",
     ["--app"] + "C1 05 0C 01 28 01 00 03 00 01 01 64 00 00 00 64 00 00 00 00".split(), 0,
     """Frame 1
  Application: FIR FIN seq=1 func=5 DIRECT_OPERATE
    g12v1 Binary Output Command - Control Relay Output Block  qualifier=0x28 count=1 (1 point)
      [3] code=0x01 [PULSE_ON] count=1 on=100ms off=100ms status=0 SUCCESS
"""),
    ("bad header CRC, then a good link status request (FACTS 1.7)",
     "05 64 05 C0 01 00 00 04 E9 22 05 64 05 C9 0A 00 01 00 FE DA".split(), 3,
     """Frame 1
  Error: link: header CRC mismatch, 10 bytes discarded
Frame 2
  Link: len=5 DIR=1 PRM=1 FCV=0 FCB=0 func=9 REQUEST_LINK_STATUS dst=10 src=1
"""),
]

failures = 0
for name, args, want_rc, want in CASES:
    r = subprocess.run([BIN, "decode", *args], capture_output=True, text=True)
    if r.returncode != want_rc or r.stdout != want:
        failures += 1
        print("FAIL: %s (exit %d, want %d)\n--- want\n%s--- got\n%s" %
              (name, r.returncode, want_rc, want, r.stdout))
    else:
        print("ok: " + name)
print("%d passed, %d failed" % (len(CASES) - failures, failures))
sys.exit(1 if failures else 0)
