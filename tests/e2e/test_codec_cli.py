#!/usr/bin/env python3
"""`dnp3 decode` on the codec's corner cases (issue 6, defects 1-3): what the
application-layer reader now accepts and refuses, seen from the command line.

Run by ctest with DNP3_BIN set (the built `dnp3`). The vectors are the ones of
the issue: each decoded with exit 0 before, silently wrong.
Exit code 77 = skipped (the script says why).
"""
import sys

from e2elib import check, require_bin, run, run_groups, run_json

VAR0 = "app: variation 0 (any) where the objects must carry values"


def test_variation0():
    """Variation 0 where objects carry values: an error at that header, exit 3."""
    cases = [
        # WRITE g112v0 q 0x01 0..65535 (a whole link frame)
        (["05640fc4040003008a66c0c0027000010000ffffb542"], 2),
        # RESPONSE g110v0 q 0x00 1..2
        (["05640f4401000a00e7ddc0c08100006e0000010217b3"], 4),
        # RESPONSE g30v0; then bytes that used to be blamed ("unknown object g1v100")
        (["--app", "C0", "81", "00", "00", "1E", "00", "00", "00", "00"], 4),
        (["--app", "C0 81 00 00 1E 00 00 00 00 01 64 00 00 00"], 4),
    ]
    for args, offset in cases:
        rc, out, err = run(["decode"] + args)
        check(rc == 3, "%s: exit 3 (got %d)" % (args, rc))
        check("%s at offset %d" % (VAR0, offset) in out,
              "%s: the error names variation 0 at offset %d:\n%s" % (args, offset, out))
        check("g1v100" not in out, "%s: no innocent later header is blamed" % args)
        rc, lines, _ = run_json(["decode"] + args)
        err_text = lines[-1].get("error", "") if lines else ""
        check(rc == 3 and err_text == "%s at offset %d" % (VAR0, offset),
              "%s --json: error at offset %d (%r)" % (args, offset, err_text))
    # READ g30v0 is what variation 0 is for
    rc, out, _ = run(["decode", "--app", "C0 01 1E 00 06"])
    check(rc == 0 and "g30v0" in out, "READ g30v0 0x06 decodes, exit 0 (%d)" % rc)


def test_g0_unnamed_attribute():
    """g0v100 of set 1 = VSTR "ab", and the g30v4 point after it is not lost."""
    app = "C08100000064000101010261621E040000000100"
    rc, out, _ = run(["decode", "--app", app])
    check(rc == 0, "g0v100: exit 0 (got %d)" % rc)
    check("g0v100 Device Attribute" in out and "(unknown object)" not in out,
          "g0v100 is an attribute, not unknown:\n" + out)
    check('[1] attribute=100 type=VSTR value="ab"' in out, "attribute 100 of set 1 = \"ab\"")
    check("g30v4" in out and "[0] value=1" in out, "the g30v4 point after it:\n" + out)
    rc, lines, _ = run_json(["decode", "--app", app])
    objs = lines[0].get("app", {}).get("objects", []) if lines else []
    check(len(objs) == 2, "--json: two object headers (%d)" % len(objs))
    if len(objs) == 2:
        pt = objs[0].get("points", [{}])[0]
        check(pt.get("index") == 1 and pt.get("attribute") == 100 and pt.get("value") == "ab",
              "--json: set 1, attribute 100, \"ab\" (%r)" % pt)
        check(objs[1].get("points", [{}])[0].get("value") == 1, "--json: g30v4 [0] = 1")


def test_g0_range_start_is_stop():
    """A g0 range names one attribute set: start != stop is an error, exit 3."""
    rc, out, _ = run(["decode", "--app", "C081000000F2000001010161010162"])
    check(rc == 3, "g0 start 0 stop 1: exit 3 (got %d)" % rc)
    check("at offset 7" in out and "value=" not in out,
          "g0 start != stop: error at the range, no invented attributes:\n" + out)


def main():
    require_bin()
    return run_groups((test_variation0, test_g0_unnamed_attribute, test_g0_range_start_is_stop),
                      "all codec CLI checks passed", width=28)


if __name__ == "__main__":
    sys.exit(main())
