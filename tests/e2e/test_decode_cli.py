#!/usr/bin/env python3
"""`dnp3 decode` command-line behaviour: input forms, --json keys and types, exit codes.

Run by ctest with DNP3_BIN set (the built `dnp3`). Byte vectors come from
../shared/DNP3-FACTS.md sections 1.7 and 4.3 (each checked there with tshark).
Exit code 77 = skipped (the script says why).
"""
import json
import os
import sys
import tempfile

from e2elib import check, frame, require_bin, run, run_groups, run_json

# ---- vectors ---------------------------------------------------------------
# DNP3-FACTS 1.7: two-block response O(1) -> M(1024), g30v1 points +100, -2 (flags 01).
TWO_BLOCK = ("05 64 19 44 00 04 01 00 C8 B5 "
             "C1 C3 81 00 00 1E 01 00 00 01 01 64 00 00 00 01 4F D6 "
             "FE FF FF FF 67 B8")
RESET_LINK = "05 64 05 C0 01 00 00 04 E9 21"
LINK_STATUS_REQ = "05 64 05 C9 0A 00 01 00 FE DA"
LINK_STATUS = "05 64 05 0B 01 00 0A 00 6D ED"
# DNP3-FACTS 4.3: CTO (g51v1 = 1000 ms) then g2v3 index 5 flags 0x81 +10 ms -> 1010.
CTO_APP = "E1 81 00 00 33 01 07 01 E8 03 00 00 00 00 02 03 28 01 00 05 00 81 0A 00"
READ_CLASS_APP = "C3 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06"


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_link_types(obj, where):
    link = obj.get("link")
    check(isinstance(link, dict), where + ": link object")
    if not isinstance(link, dict):
        return
    for k in ("dir", "prm", "fcb", "fcv", "dfc"):
        check(isinstance(link.get(k), bool), "%s: link.%s is a boolean" % (where, k))
    for k in ("func", "dst", "src", "len"):
        check(is_int(link.get(k)), "%s: link.%s is an integer" % (where, k))
    check(isinstance(link.get("func_name"), str), where + ": link.func_name is a string")


def test_two_block_forms():
    compact = TWO_BLOCK.replace(" ", "")
    colons = TWO_BLOCK.replace(" ", ":")
    forms = {
        "spaces in one arg": [TWO_BLOCK],
        "separate args": TWO_BLOCK.split(),
        "joined, no spaces": [compact],
        "colons": [colons],
        "lower case": [compact.lower()],
        "split between bytes": [compact[:8], compact[8:]],
    }
    texts = set()
    for name, args in forms.items():
        rc, out, err = run(["decode"] + args)
        check(rc == 0, "hex form '%s' exits 0 (got %d, %s)" % (name, rc, err.strip()))
        texts.add(out)
    check(len(texts) == 1, "all hex forms give the same output")

    rc, out, err = run(["decode", "-"], stdin=TWO_BLOCK.encode() + b"\n")
    check(rc == 0 and out in texts, "stdin with '-' decodes like the argument form")
    rc, out, err = run(["decode"], stdin=(TWO_BLOCK.replace(" ", "\n")).encode())
    check(rc == 0 and out in texts, "stdin without argument decodes like the argument form")

    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(bytes.fromhex(compact))
        raw = f.name
    try:
        rc, out, err = run(["decode", "--file", raw])
        check(rc == 0 and out in texts, "--file raw bytes decodes like the hex form")
    finally:
        os.unlink(raw)

    # Text tree shows every layer and the values.
    out = next(iter(texts))
    for needle in ("Frame 1", "Link:", "Transport:", "Application:", "RESPONSE", "g30v1",
                   "value=100", "value=-2", "dst=1024", "src=1"):
        check(needle in out, "text output contains %r" % needle)


def test_two_block_json():
    rc, lines, err = run_json(["decode", TWO_BLOCK])
    check(rc == 0, "two-block --json exits 0 (got %d: %s)" % (rc, err.strip()))
    check(len(lines) == 1, "one JSON line per link frame (got %d)" % len(lines))
    if not lines:
        return
    o = lines[0]
    check(o.get("frame") == 1, "frame is the 1-based position")
    check("flow" not in o, "no flow outside captures")
    check("error" not in o, "no error on a good frame")
    check_link_types(o, "two-block")
    link = o.get("link", {})
    check(link.get("len") == 0x19, "link.len is the LENGTH field as sent (25)")
    check(link.get("func") == 4 and link.get("func_name") == "UNCONFIRMED_USER_DATA",
          "link func 4 UNCONFIRMED_USER_DATA")
    check(link.get("dir") is False and link.get("prm") is True, "DIR=0 PRM=1")
    check(link.get("dst") == 1024 and link.get("src") == 1, "addresses dst=1024 src=1")
    tp = o.get("transport", {})
    check(tp.get("fir") is True and tp.get("fin") is True and tp.get("seq") == 1,
          "transport FIR FIN seq=1 (booleans, integer)")
    app = o.get("app", {})
    check(app.get("fir") is True and app.get("fin") is True and app.get("con") is False
          and app.get("uns") is False and app.get("seq") == 3, "app control bits")
    check(app.get("func") == 129 and app.get("func_name") == "RESPONSE", "app func 129 RESPONSE")
    check(is_int(app.get("iin")) and app.get("iin") == 0, "iin integer on a response")
    objs = app.get("objects", [])
    check(len(objs) == 1, "one object header")
    if objs:
        h = objs[0]
        check((h.get("group"), h.get("variation"), h.get("qualifier")) == (30, 1, 0), "g30v1 q0x00")
        check((h.get("start"), h.get("stop"), h.get("count")) == (0, 1, 2), "start 0 stop 1 count 2")
        pts = h.get("points", [])
        check([(p.get("index"), p.get("value"), p.get("flags")) for p in pts] ==
              [(0, 100, 1), (1, -2, 1)], "points (0,+100,flags 1), (1,-2,flags 1): %r" % pts)


def test_link_only_and_request():
    rc, lines, err = run_json(["decode", RESET_LINK + " " + LINK_STATUS_REQ + " " + LINK_STATUS])
    check(rc == 0, "three link-only frames exit 0")
    check([o.get("frame") for o in lines] == [1, 2, 3], "frames numbered 1..3 by position")
    names = [o.get("link", {}).get("func_name") for o in lines]
    check(names == ["RESET_LINK_STATES", "REQUEST_LINK_STATUS", "LINK_STATUS"],
          "link function names: %r" % names)
    for o in lines:
        check_link_types(o, "link-only")
        check("transport" not in o and "app" not in o, "no transport/app without user data")
    if len(lines) == 3:
        check(lines[0]["link"]["dir"] is True and lines[2]["link"]["prm"] is False,
              "DIR/PRM booleans follow the control byte")

    # A request has no IIN.
    req = frame(0xC4, 10, 1, bytes([0xC0]) + bytes.fromhex(READ_CLASS_APP))
    rc, lines, err = run_json(["decode", req.hex()])
    check(rc == 0 and len(lines) == 1, "READ request frame decodes")
    if lines:
        app = lines[0].get("app", {})
        check(app.get("func") == 1 and app.get("func_name") == "READ", "READ function")
        check("iin" not in app, "no iin on a request")
        qs = [(h.get("group"), h.get("variation"), h.get("qualifier")) for h in app.get("objects", [])]
        check(qs == [(60, 2, 6), (60, 3, 6), (60, 4, 6), (60, 1, 6)], "class headers: %r" % qs)


def test_multi_frame_fragment():
    # A 300-byte fragment split over two segments: transport on both, app on the second only.
    apdu = bytes([0xC0, 0x81, 0x00, 0x00, 30, 1, 0x01, 0, 0, 58, 0])  # g30v1 start 0 stop 58
    for i in range(59):
        apdu += bytes([1]) + (i * 1000).to_bytes(4, "little", signed=True)
    seg1 = bytes([0x40 | 5]) + apdu[:249]
    seg2 = bytes([0x80 | 6]) + apdu[249:]
    data = frame(0x44, 1, 10, seg1) + frame(0x44, 1, 10, seg2)
    rc, lines, err = run_json(["decode", data.hex()])
    check(rc == 0 and len(lines) == 2, "two-segment fragment decodes (rc %d, %d lines)" % (rc, len(lines)))
    if len(lines) == 2:
        check("transport" in lines[0] and "app" not in lines[0], "first segment: transport, no app")
        check(lines[0]["transport"] == {"fir": True, "fin": False, "seq": 5} or
              (lines[0]["transport"].get("fir") is True and lines[0]["transport"].get("fin") is False),
              "first segment FIR only")
        app = lines[1].get("app", {})
        objs = app.get("objects", [])
        check(objs and objs[0].get("count") == 59 and len(objs[0].get("points", [])) == 59,
              "completing frame carries the whole fragment's 59 points")
        if objs and len(objs[0].get("points", [])) == 59:
            check(objs[0]["points"][58].get("value") == 58000, "last point value 58000")


def test_app_and_cto():
    rc, lines, err = run_json(["decode", "--app", CTO_APP])
    check(rc == 0 and len(lines) == 1, "--app fragment decodes to one line (rc %d)" % rc)
    if not lines:
        return
    o = lines[0]
    check("link" not in o and "transport" not in o, "--app: no link or transport keys")
    app = o.get("app", {})
    check(app.get("func") == 129 and app.get("con") is True and app.get("seq") == 1, "CTO response header")
    objs = app.get("objects", [])
    check([(h.get("group"), h.get("variation"), h.get("qualifier")) for h in objs] == [(51, 1, 7), (2, 3, 0x28)],
          "g51v1 q07 then g2v3 q28")
    if len(objs) == 2:
        cto = objs[0].get("points", [{}])[0]
        check(cto.get("time") == 1000, "CTO time 1000 ms")
        ev = objs[1].get("points", [{}])[0]
        check(ev.get("index") == 5 and ev.get("flags") == 0x81, "event index 5 flags 0x81")
        check(ev.get("time") == 1010 and ev.get("rel_ms") == 10, "relative time resolved: 1010, rel_ms 10")
        check(is_int(ev.get("time")), "time is an integer")
    # The text form prints the same.
    rc, out, err = run(["decode", "--app", CTO_APP])
    check(rc == 0 and "g51v1" in out and "g2v3" in out, "--app text output")

    # A request fragment through --app.
    rc, lines, err = run_json(["decode", "--app", READ_CLASS_APP])
    check(rc == 0 and lines and lines[0].get("app", {}).get("func") == 1, "--app READ request")
    check(lines and "iin" not in lines[0].get("app", {}), "--app request has no iin")


def test_errors_and_exit_codes():
    # 3: one good frame, one with a corrupted data block CRC.
    bad = bytearray(bytes.fromhex(TWO_BLOCK.replace(" ", "")))
    bad[-1] ^= 0xFF
    rc, lines, err = run_json(["decode", RESET_LINK + bad.hex()])
    check(rc == 3, "a frame with a block CRC error gives exit 3 (got %d)" % rc)
    errs = [o for o in lines if "error" in o]
    check(errs and "CRC" in errs[0]["error"], "the error names the CRC: %r" % errs)
    check(any(o.get("link", {}).get("func") == 0 and "error" not in o for o in lines),
          "decoding goes on: the good frame is still shown")

    # 3: garbage before a good frame (discarded bytes reported with a frame number).
    rc, lines, err = run_json(["decode", "AA BB " + RESET_LINK])
    check(rc == 3, "leading garbage gives exit 3 (got %d)" % rc)
    check(any("error" in o and is_int(o.get("frame")) for o in lines), "discarded bytes reported with frame")
    check(any("link" in o and "error" not in o for o in lines), "the good frame after the garbage decodes")

    # 3: header CRC error in text mode shows the reason.
    badh = bytearray(bytes.fromhex(RESET_LINK.replace(" ", "")))
    badh[8] ^= 1
    rc, out, err = run(["decode", badh.hex() + RESET_LINK.replace(" ", "")])
    check(rc == 3 and "CRC" in out, "text mode shows a header CRC error (rc %d)" % rc)

    # 3: app parse failure mid-way still shows the headers parsed so far.
    app = bytes.fromhex("C0 01 3C 02 06 1E 01 00 05")  # g60v2 ok, then g30v1 header truncated
    rc, lines, err = run_json(["decode", "--app", app.hex()])
    check(rc == 3, "truncated object header gives exit 3 (got %d)" % rc)
    if lines:
        a = lines[-1].get("app", {})
        check([h.get("group") for h in a.get("objects", [])][:1] == [60], "headers before the failure kept")
        check("error" in lines[-1], "error key on the failing fragment")

    # 1: nothing decodes.
    rc, lines, err = run_json(["decode", "00 11 22 33"])
    check(rc == 1, "garbage only gives exit 1 (got %d)" % rc)
    rc, out, err = run(["decode", "--file", "/dev/null"])
    check(rc == 1, "empty input gives exit 1 (got %d)" % rc)

    # 2: usage errors.
    rc, out, err = run(["decode", "05 64 0G"])
    check(rc == 2, "bad hex gives exit 2 (got %d)" % rc)
    check("position 8" in err, "bad hex message reports the 1-based position: %r" % err.strip())
    rc, out, err = run(["decode", "-"], stdin=b"05 64\n05 C0 zz\n")
    check(rc == 2 and "line 2" in err, "bad hex on stdin reports the line: %r" % err.strip())
    rc, out, err = run(["decode", "05 6"])
    check(rc == 2, "odd number of hex digits gives exit 2 (got %d)" % rc)
    rc, out, err = run(["decode", "--bogus"])
    check(rc == 2 and err.strip(), "unknown option gives exit 2 with a message")
    rc, out, err = run(["decode", "--pcap"])
    check(rc == 2 and err.strip(), "missing --pcap argument gives exit 2")
    rc, out, err = run(["decode", "--file"])
    check(rc == 2, "missing --file argument gives exit 2")
    rc, out, err = run(["decode", "--port", "x", "--pcap", "/dev/null"])
    check(rc == 2, "bad --port gives exit 2")
    rc, out, err = run(["nosuchcommand"])
    check(rc == 2 and err.strip(), "unknown sub-command gives exit 2")
    rc, out, err = run([])
    check(rc == 2, "no sub-command gives exit 2")
    rc, out, err = run(["decode", "--pcap", "/nonexistent/x.pcap"])
    check(rc in (1, 2) and err.strip(), "unreadable capture is reported (rc %d)" % rc)


def test_help_version():
    rc, out, err = run(["help"])
    check(rc == 0 and "decode" in out, "dnp3 help lists decode")
    check("  outstation" in out, "dnp3 help lists outstation")
    for cmd in ("master", "operate", "probe", "poll", "timesync", "restart", "attributes"):
        check(("  " + cmd) in out, "dnp3 help lists %s" % cmd)
    rc, out, err = run(["--version"])
    check(rc == 0 and out.strip(), "--version prints something")
    rc, out, err = run(["decode", "--help"])
    check(rc == 0 and "--pcap" in out and "--json" in out, "decode --help documents the options")


def test_json_escaping():
    # g0v250 product name (VSTR) with a quote, a backslash and a control byte: a WRITE of a device
    # attribute. Whatever the decoder makes of it, each line must stay valid JSON.
    text = b'a"b\\c\x01d'
    app = bytes([0xC0, 0x02, 0x00, 250, 0x00, 0x00, 0x00, 0x01, len(text)]) + text
    rc, out, err = run(["decode", "--json", "--app", app.hex()])
    for ln in out.splitlines():
        try:
            json.loads(ln)
        except ValueError:
            check(False, "JSON line stays valid with quotes/control bytes: %r" % ln)
    # Floats: NaN and infinities as strings, finite values as numbers (g30v5 float).
    import struct
    vals = [1.5, float("nan"), float("inf")]
    app = bytes([0xC0, 0x81, 0, 0, 30, 5, 0x00, 0, 2])
    for v in vals:
        app += bytes([1]) + struct.pack("<f", v)
    rc, lines, err = run_json(["decode", "--app", app.hex()])
    check(rc == 0 and lines, "g30v5 floats decode")
    if lines:
        objs = lines[0].get("app", {}).get("objects", [])
        pts = objs[0].get("points", []) if objs else []
        got = [p.get("value") for p in pts]
        check(len(got) == 3 and got[0] == 1.5 and isinstance(got[1], str) and isinstance(got[2], str),
              "floats: finite as number, NaN/Inf as strings: %r" % got)


def main():
    require_bin()
    return run_groups((test_two_block_forms, test_two_block_json, test_link_only_and_request,
                       test_multi_frame_fragment, test_app_and_cto, test_errors_and_exit_codes,
                       test_help_version, test_json_escaping),
                      "all decode CLI checks passed", width=28)


if __name__ == "__main__":
    sys.exit(main())
