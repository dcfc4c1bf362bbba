#!/usr/bin/env python3
"""`dnp3 decode`: what counts as an error (docs/decode.md, "Errors").

A function code the standard does not define, at the link or the application
layer, is an error (an "Error:" line / "error" key, exit 3): it is shown by
number and named UNKNOWN. A reserved or undefined value in a field of an
otherwise readable object (a reserved flag or IIN bit, a reserved command
status, a status byte with its reserved bit 7 set) is shown as sent and is
not an error; a status byte is named only when it is a defined code.

Run by ctest with DNP3_BIN set. Exit code 77 = skipped (the script says why).
"""
import json
import subprocess
import sys

from e2elib import BIN, check, frame, require_bin, run_groups


def decode(hexargs, json_out=False):
    args = [BIN, "decode"] + hexargs + (["--json"] if json_out else [])
    p = subprocess.run(args, capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    if json_out:
        return p.returncode, [json.loads(ln) for ln in out.splitlines() if ln.strip()]
    return p.returncode, out


def test_undefined_link_functions():
    # Primary function 5, secondary function 2: 9.2.4.1.3 defines neither.
    for ctrl, dst, src, line in (
            (0xC5, 10, 1, "  Link: len=5 DIR=1 PRM=1 FCV=0 FCB=0 func=5 UNKNOWN dst=10 src=1\n"),
            (0x02, 1, 10, "  Link: len=5 DIR=0 PRM=0 DFC=0 func=2 UNKNOWN dst=1 src=10\n")):
        hexs = frame(ctrl, dst, src).hex()
        rc, out = decode([hexs])
        check(rc == 3, "undefined link function 0x%02X exits 3, got %d" % (ctrl, rc))
        check(out == "Frame 1\n" + line + "  Error: link: undefined function code\n",
              "undefined link function 0x%02X text: %r" % (ctrl, out))
        rc, recs = decode([hexs], True)
        check(rc == 3 and len(recs) == 1, "JSON exit %d, %d records" % (rc, len(recs)))
        if recs:
            check(recs[0]["link"]["func_name"] == "UNKNOWN", "JSON func_name: %r" % recs[0])
            check(recs[0].get("error") == "link: undefined function code",
                  "JSON error: %r" % recs[0])
    # With user data: not a transport segment (only user-data functions carry
    # one), so shown raw, and the frame is still an error.
    rc, out = decode([frame(0xC6, 10, 1, bytes.fromhex("C0C0013C0206")).hex()])
    check(rc == 3, "undefined function with user data exits 3, got %d" % rc)
    check(out == ("Frame 1\n"
                  "  Link: len=11 DIR=1 PRM=1 FCV=0 FCB=0 func=6 UNKNOWN dst=10 src=1\n"
                  "  User data: C0 C0 01 3C 02 06\n"
                  "  Error: link: undefined function code\n"), "text: %r" % out)
    # The defined ones are not errors.
    for ctrl, dst, src in ((0xC0, 1, 1024), (0xC9, 10, 1), (0x0B, 1, 10), (0x0F, 1, 10)):
        rc, out = decode([frame(ctrl, dst, src).hex()])
        check(rc == 0 and "Error" not in out and "UNKNOWN" not in out,
              "defined link function 0x%02X: %d %r" % (ctrl, rc, out))


def test_undefined_app_function():
    rc, out = decode(["--app", "C0 70 01 02"])
    check(rc == 3, "undefined app function exits 3, got %d" % rc)
    check(out == ("Frame 1\n"
                  "  Application: FIR FIN seq=0 func=112 UNKNOWN\n"
                  "    data: 01 02\n"
                  "  Error: app: unknown function code at offset 1\n"), "text: %r" % out)


CROB = "C0 81 00 00 0C 01 17 01 03 01 01 64 00 00 00 64 00 00 00 "
CROB_LINE = "      [3] code=0x01 [PULSE_ON] count=1 on=100ms off=100ms status="


def test_command_status():
    # Defined code: number and name.
    rc, out = decode(["--app", CROB + "01"])
    check(rc == 0 and (CROB_LINE + "1 TIMEOUT\n") in out, "status 1: %d %r" % (rc, out))
    # Bit 7 set (reserved): not a defined code, so no name; not an error.
    rc, out = decode(["--app", CROB + "81"])
    check(rc == 0 and (CROB_LINE + "129\n") in out and "Error" not in out,
          "status 0x81: %d %r" % (rc, out))
    rc, recs = decode(["--app", CROB + "81"], True)
    pts = recs[0]["app"]["objects"][0]["points"] if recs else []
    check(rc == 0 and pts and pts[0]["status"] == 129 and "error" not in recs[0],
          "status 0x81 JSON: %d %r" % (rc, recs))
    # A reserved code (19..125) the same way.
    rc, out = decode(["--app", CROB + "13"])
    check(rc == 0 and (CROB_LINE + "19\n") in out, "status 19: %d %r" % (rc, out))


def test_reserved_bits_are_shown_not_errors():
    # g30v1 with flags 0x81: bit 7 is reserved for analog inputs.
    rc, out = decode(["--app", "C0 81 00 00 1E 01 00 00 00 81 64 00 00 00"])
    check(rc == 0 and "[0] value=100 flags=0x81 [ONLINE RESERVED_7]\n" in out,
          "reserved flag bit: %d %r" % (rc, out))
    # IIN2.6 (reserved, must be 0).
    rc, out = decode(["--app", "C0 81 00 40"])
    check(rc == 0 and "IIN=0x0040 [RESERVED_2_6]\n" in out, "reserved IIN bit: %d %r" % (rc, out))


def main():
    require_bin()
    return run_groups((test_undefined_link_functions, test_undefined_app_function,
                       test_command_status, test_reserved_bits_are_shown_not_errors),
                      "all error-policy checks passed")


if __name__ == "__main__":
    sys.exit(main())
