#!/usr/bin/env python3
"""Typed free-format objects (g70 file transfer, g120 secure authentication) of
`dnp3 decode --pcap F --json` against tshark, on the real captures that carry them.

Ground truth: <capture>.tshark.json beside each capture (tshark 4.0.17 -T json). For every
g70 object tshark decodes, every field tshark shows under "Object: Size N" must be one we
map and must equal ours:
  dnp3.al.size                 len(hex)/2          dnp3.al.file_string_offset  name_offset
  dnp3.al.file_string_length   len(name)           dnp3.al.file_name           name
  dnp3.al.timestamp            created             dnp3.al.file.auth           auth_key
  dnp3.al.file.size            file_size           dnp3.al.file.mode           mode
  dnp3.al.file.maxblock        max_block           dnp3.al.file.reqID          request_id
  dnp3.al.file.status          status              dnp3.al.file.handle         handle
  dnp3.al.file.blocknum        block               dnp3.al.file.lastblock      last
  dnp3.al.file.data            data (g70v5) / text (g70v4, g70v6: tshark's name for it)
  dnp3.al.file.perms           see PERMS below (tshark 4.0.17 reads the wrong bytes)
and the g70 objects tshark shows must be exactly the g70 objects we show, in order.

Where tshark is blind (../shared/TSHARK.md: FC 0x83; found here: FC 0x20 shows no objects;
g120v3 is "Unknown Object"), an independent check: the fragment is rebuilt from tshark's own
data chunks (dnp.data_chunk, which it CRC-checked), walked here in Python, and each g120 body
is decoded here from the layouts of DNP3-FACTS section 10; our typed fields must equal those,
and our "hex" must equal the body. Each capture must also have the objects we expect in it
(so a capture that decodes to nothing cannot pass). The hand vectors of
tests/unit/test_app_freeformat.c cover what no capture has (g70v2, v7, v8, g120v4-v15).

Exit 77 (skip) when the captures are absent. Ends with "N passed, M failed".
"""
import datetime
import json
import os
import subprocess
import sys

BIN = os.environ.get("DNP3_BIN", "")
HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = os.environ.get("DNP3C_CAPTURES") or os.path.join(HERE, "..", "..", "..", "shared",
                                                         "captures")

# capture -> the free-format objects (group, variation) we must show, in order.
CAPTURES = {
    "iti_file_read.pcap": [(70, 3), (70, 4), (70, 5), (70, 5), (70, 4), (70, 4)],
    "iti_file_delete.pcap": [(70, 3), (70, 4)],
    "zeek_dnp3_file_write.pcap": [(70, 3), (70, 4), (70, 5), (70, 6), (70, 4), (70, 4)],
    "iti_auth_control_challenge_response.pcap": [(120, 1), (120, 2)],
    "iti_operate_aggressive_mode.pcap": [(120, 3), (120, 9)],
}

# PERMS: tshark 4.0.17 (packet-dnp.c, g70v3) adds the permissions bitmask at the start of the
# object (its u16 size prefix) instead of at the permissions field, so dnp3.al.file.perms
# always equals dnp3.al.size. We check exactly that (so a fixed tshark makes this test say
# so), and check our permissions against the u16 at body offset 10 (FACTS 5.8).

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


# ---- our decode ----------------------------------------------------------------------------

def ours(path):
    p = subprocess.run([BIN, "decode", "--pcap", path, "--json"], capture_output=True,
                       timeout=120)
    check(p.returncode == 0, "%s: exit %d (%s)" % (os.path.basename(path), p.returncode,
                                                   p.stderr.decode(errors="replace").strip()))
    frames = {}
    for ln in p.stdout.decode().splitlines():
        rec = json.loads(ln)
        check("error" not in rec, "%s frame %s: error %r" % (os.path.basename(path),
                                                             rec.get("frame"), rec.get("error")))
        for o in rec.get("app", {}).get("objects", []):
            for pt in o.get("points", []):
                if o["group"] in (70, 120):
                    frames.setdefault(rec["frame"], []).append((o["group"], o["variation"], pt))
    return frames


# ---- tshark ground truth -------------------------------------------------------------------

def find_objects(node, out):
    """(obj code, {field: value} of its "Object: Size" subtree or None) in document order."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "dnp3.al.obj":
                out.append([int(v, 16), None])
            elif k.startswith("Object: Size") and isinstance(v, dict) and out:
                out[-1][1] = v
            else:
                find_objects(v, out)
    elif isinstance(node, list):
        for x in node:
            find_objects(x, out)


def flat(d, out=None):
    out = {} if out is None else out
    for k, v in d.items():
        if isinstance(v, dict):
            flat(v, out)
        else:
            out[k] = v
    return out


def tshark_truth(path):
    with open(path + ".tshark.json") as f:
        data = json.load(f)
    pkts = {}
    for p in data:
        layers = p["_source"]["layers"]
        num = int(layers["frame"]["frame.number"])
        dnp = layers.get("dnp3")
        if dnp is None:
            continue
        elems = dnp if isinstance(dnp, list) else [dnp]
        objs, chunks = [], []
        for e in elems:
            find_objects(e, objs)
            for c in e.get("Data Chunks", {}).values():
                chunks.append(bytes.fromhex(c["dnp.data_chunk"].replace(":", "")))
        pkts[num] = {"objs": objs, "chunks": chunks}
    return pkts


def ts_ms(s):
    """tshark's "Jan  1, 1970 00:00:00.000000000 UTC" -> ms since 1970."""
    s = " ".join(s.split())
    date, frac = s.rsplit(".", 1)
    dt = datetime.datetime.strptime(date, "%b %d, %Y %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1000 + int(frac.split()[0][:3])


def compare_g70(where, gv, tf, pt):
    f = flat(tf)
    body = bytes.fromhex(pt["hex"])
    for key, val in f.items():
        if key == "dnp3.al.size":
            check(int(val) == len(body), "%s size %s vs %d" % (where, val, len(body)))
        elif key == "dnp3.al.file_string_offset":
            check(int(val) == pt.get("name_offset"), "%s name_offset %s vs %r"
                  % (where, val, pt.get("name_offset")))
        elif key == "dnp3.al.file_string_length":
            check(int(val) == len(pt.get("name", "")), "%s name length %s vs %r"
                  % (where, val, pt.get("name")))
        elif key == "dnp3.al.file_name":
            check(val == pt.get("name"), "%s name %r vs %r" % (where, val, pt.get("name")))
        elif key == "dnp3.al.timestamp":
            check(ts_ms(val) == pt.get("created"), "%s created %r vs %r"
                  % (where, val, pt.get("created")))
        elif key == "dnp3.al.file.perms":
            check(int(val) == len(body), "%s tshark perms %s no longer equals the size prefix "
                  "%d: tshark fixed? compare perms directly" % (where, val, len(body)))
            check(pt.get("permissions") == int.from_bytes(body[10:12], "little"),
                  "%s permissions %r" % (where, pt.get("permissions")))
        elif key.startswith("dnp3.al.file.perms."):
            pass  # the bits of the misplaced bitmask above
        elif key in ("dnp3.al.file.auth", "dnp3.al.file.size", "dnp3.al.file.mode",
                     "dnp3.al.file.maxblock", "dnp3.al.file.reqID", "dnp3.al.file.status",
                     "dnp3.al.file.handle", "dnp3.al.file.blocknum"):
            ours_key = {"dnp3.al.file.auth": "auth_key", "dnp3.al.file.size": "file_size",
                        "dnp3.al.file.mode": "mode", "dnp3.al.file.maxblock": "max_block",
                        "dnp3.al.file.reqID": "request_id", "dnp3.al.file.status": "status",
                        "dnp3.al.file.handle": "handle", "dnp3.al.file.blocknum": "block"}[key]
            check(int(val, 0) == pt.get(ours_key), "%s %s %s vs %s=%r"
                  % (where, key, val, ours_key, pt.get(ours_key)))
        elif key == "dnp3.al.file.lastblock":
            check(bool(int(val)) == pt.get("last"), "%s last %s vs %r" % (where, val,
                                                                          pt.get("last")))
        elif key == "dnp3.al.file.data":
            tb = bytes.fromhex(val.replace(":", ""))
            if gv == (70, 5):
                check(tb.hex() == pt.get("data"), "%s data differs" % where)
            else:
                check(tb.decode("latin-1") == pt.get("text"), "%s text %r vs %r"
                      % (where, tb, pt.get("text")))
        else:
            check(False, "%s: tshark field %s=%r not compared (map it)" % (where, key, val))
    return len(f)


# ---- independent decode of tshark's bytes ----------------------------------------------------

def fragment(chunks):
    """Single-segment fragment from tshark's data chunks: drop the transport header byte."""
    if not chunks:
        return None
    th = chunks[0][0]
    if (th & 0xC0) != 0xC0:
        return None  # multi-segment: not rebuilt here (tshark's own fields cover it)
    return b"".join(chunks)[1:]


def walk(frag):
    """Object bodies of the qualifiers these captures use: 0x07, 0x5B, 0x28 (g12v1)."""
    func = frag[1]
    pos = 4 if func in (0x81, 0x82, 0x83) else 2
    out = []
    while pos < len(frag):
        g, v, q = frag[pos], frag[pos + 1], frag[pos + 2]
        pos += 3
        if q == 0x5B:
            n = frag[pos]
            pos += 1
            for _ in range(n):
                size = int.from_bytes(frag[pos:pos + 2], "little")
                out.append((g, v, frag[pos + 2:pos + 2 + size]))
                pos += 2 + size
        elif q == 0x07 and (g, v) == (120, 3):
            n = frag[pos]
            pos += 1
            for _ in range(n):
                out.append((g, v, frag[pos:pos + 6]))
                pos += 6
        elif q == 0x28 and (g, v) == (12, 1):
            n = int.from_bytes(frag[pos:pos + 2], "little")
            pos += 2 + n * (2 + 11)
        else:
            raise ValueError("qualifier 0x%02X g%dv%d not handled here" % (q, g, v))
    return out


def u(b, o, n):
    return int.from_bytes(b[o:o + n], "little")


def layout(g, v, b):
    """Fields of a body by DNP3-FACTS 5.8 / 10 (only the variations in these captures)."""
    if (g, v) == (70, 3):
        noff, nlen = u(b, 0, 2), u(b, 2, 2)
        return {"name_offset": noff, "name": b[noff:noff + nlen].decode("latin-1"),
                "created": u(b, 4, 6), "permissions": u(b, 10, 2), "auth_key": u(b, 12, 4),
                "file_size": u(b, 16, 4), "mode": u(b, 20, 2), "max_block": u(b, 22, 2),
                "request_id": u(b, 24, 2)}
    if (g, v) == (70, 4):
        return {"handle": u(b, 0, 4), "file_size": u(b, 4, 4), "max_block": u(b, 8, 2),
                "request_id": u(b, 10, 2), "status": b[12], "text": b[13:].decode("latin-1")}
    if (g, v) == (70, 5):
        return {"handle": u(b, 0, 4), "block": u(b, 4, 4) & 0x7FFFFFFF,
                "last": bool(u(b, 4, 4) >> 31), "data": b[8:].hex()}
    if (g, v) == (70, 6):
        return {"handle": u(b, 0, 4), "block": u(b, 4, 4) & 0x7FFFFFFF,
                "last": bool(u(b, 4, 4) >> 31), "status": b[8], "text": b[9:].decode("latin-1")}
    if (g, v) == (120, 1):
        return {"kind": "sa_challenge", "csq": u(b, 0, 4), "user": u(b, 4, 2),
                "mac_algo": b[6], "reason": b[7], "challenge": b[8:].hex()}
    if (g, v) == (120, 2):
        return {"kind": "sa_reply", "csq": u(b, 0, 4), "user": u(b, 4, 2), "mac": b[6:].hex()}
    if (g, v) == (120, 3):
        return {"kind": "sa_aggressive_mode", "csq": u(b, 0, 4), "user": u(b, 4, 2)}
    if (g, v) == (120, 9):
        return {"kind": "sa_mac", "mac": b.hex()}
    raise ValueError("no layout here for g%dv%d" % (g, v))


# SA names per FACTS 10 for the values these captures hold.
NAMES = {("mac_algo", 4): "HMAC_SHA256_TRUNC16", ("reason", 1): "CRITICAL"}


def main():
    if not BIN or not os.path.exists(BIN):
        print("skip: DNP3_BIN not set or missing")
        return 77
    present = [c for c in CAPTURES if os.path.exists(os.path.join(CAPS, c))
               and os.path.exists(os.path.join(CAPS, c + ".tshark.json"))]
    if not present:
        print("skip: captures not found in %s (set DNP3C_CAPTURES)" % CAPS)
        return 77
    for c in CAPTURES:
        if c not in present:
            print("note: %s absent, not checked" % c)
    compared = 0
    independent = 0
    for cap in present:
        path = os.path.join(CAPS, cap)
        mine = ours(path)
        truth = tshark_truth(path)
        seen = [(g, v) for fr in sorted(mine) for (g, v, _) in mine[fr]]
        check(seen == CAPTURES[cap], "%s: objects %r, expected %r" % (cap, seen, CAPTURES[cap]))
        for fr in sorted(set(mine) | set(truth)):
            pts = mine.get(fr, [])
            tk = truth.get(fr, {"objs": [], "chunks": []})
            where0 = "%s frame %d" % (cap, fr)
            # tshark's decoded g70 objects must be ours, one for one.
            t70 = [(code, tf) for code, tf in tk["objs"] if code >> 8 == 70]
            o70 = [(g, v, pt) for g, v, pt in pts if g == 70]
            check(len(t70) == len(o70), "%s: tshark shows %d g70 objects, we %d"
                  % (where0, len(t70), len(o70)))
            for (code, tf), (g, v, pt) in zip(t70, o70):
                where = "%s g%dv%d" % (where0, g, v)
                check(code == g * 256 + v, "%s: tshark object 0x%04x" % (where, code))
                check(tf is not None, "%s: tshark shows no fields" % where)
                if tf is not None:
                    compared += compare_g70(where, (g, v), tf, pt)
            # Independent decode of tshark's bytes, all g70/g120 (where single-segment).
            frag = fragment(tk["chunks"])
            if frag is None or not pts:
                continue
            bodies = [(g, v, b) for g, v, b in walk(frag) if g in (70, 120)]
            check(len(bodies) == len(pts), "%s: %d free-format bodies in tshark's bytes, we "
                  "show %d" % (where0, len(bodies), len(pts)))
            for (g, v, b), (og, ov, pt) in zip(bodies, pts):
                where = "%s g%dv%d" % (where0, g, v)
                check((g, v) == (og, ov), "%s: we show g%dv%d" % (where, og, ov))
                check(pt.get("hex") == b.hex(), "%s: hex %r vs %r" % (where, pt.get("hex"),
                                                                      b.hex()))
                for k, want in layout(g, v, b).items():
                    check(pt.get(k) == want, "%s: %s=%r, FACTS layout gives %r"
                          % (where, k, pt.get(k), want))
                    independent += 1
                    if (k, want) in NAMES:
                        check(pt.get(k + "_name") == NAMES[(k, want)], "%s: %s_name %r"
                              % (where, k, pt.get(k + "_name")))
    print("compared %d tshark fields and %d independently decoded fields" % (compared,
                                                                              independent))
    check(compared > 0 or not any(c.startswith(("iti_file", "zeek")) for c in present),
          "no tshark field was compared")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
