#!/usr/bin/env python3
"""`dnp3 decode --pcap` against tshark, packet by packet, on every shared capture.

Ground truth: <capture>.tshark.json (tshark 4.0.17 -T json -Y dnp3), or for the largest
captures <capture>.tshark.fields.tsv (-T fields -E occurrence=a, aggregator ','), as listed in
$DNP3C_CAPTURES/MANIFEST.tsv. For every packet tshark dissected as DNP3 we require the same:
  - link frames, in order: (source, destination, PRM, link function code)
  - application function codes, in order, and IIN (responses)
  - object headers, in order: group/variation, qualifier prefix code, qualifier range code
tshark numbers a PDU by the packet that completes it (frame.number); several link frames in one
packet are reported together. Our `frame` key uses the same numbering.

Where tshark flags a packet (malformed, or an expert error/warning other than IIN abnormality),
tshark stopped decoding at the problem, so only the headers both decoded are compared, and our
decode must report an "error" for that packet too, unless the packet is in EXEMPT below: the
cases where tshark 4.0.17 is the one that is wrong (../shared/TSHARK.md), each with its reason.
Packets tshark did not dissect as DNP3 at all must give us nothing but errors. Anything else
that disagrees fails the test.
"""
import csv
import json
import os
import re
import subprocess
import sys
import time

BIN = os.environ.get("DNP3_BIN", "")
CAPS = os.environ.get("DNP3C_CAPTURES", "")

# (capture, frame.number) -> why our decode is right and tshark 4.0.17 is not. Keep minimal:
# every entry must be needed (an unused entry fails the test too).
EXEMPT = {
    # Secure Authentication aggressive mode (IEEE 1815-2012 7.5.2.3.2): g120v3 (CSQ u32,
    # user u16, qualifier 0x07 count 1) precedes the CROB. tshark 4.0.17 reports
    # "Unknown Object\\Variation" for g120v3 and stops; we decode g120v3 and the g12v1 after it.
    ("iti_operate_aggressive_mode.pcap", 1): "tshark does not know g120v3 (SA aggressive mode)",
    # TSHARK.md: FC 0x83 (authentication response) shows only the function code, no IIN, no
    # objects. We decode IIN 0x9000 and the g120v1 challenge (qualifier 0x5B).
    ("iti_auth_control_challenge_response.pcap", 2): "tshark shows no IIN/objects in FC 0x83",
    # Not in TSHARK.md, found here: tshark 4.0.17 shows no objects in AUTHENTICATE_REQ
    # (FC 0x20); we decode the g120v2 authentication reply (qualifier 0x5B).
    ("iti_auth_control_challenge_response.pcap", 3): "tshark shows no objects in FC 0x20",
    # TSHARK.md: objects inside ASSIGN_CLASS (FC 22) are not decoded; we show g60v3 q06 and
    # g1v0 q06.
    ("iti_assign_class.pcap", 1): "tshark shows no objects in FC 22 (ASSIGN_CLASS)",
    # Not in TSHARK.md, found here: tshark 4.0.17 shows no objects in STOP_APPL (FC 18). These
    # Digital Bond requests carry g60v2 q06, g1v7 q06 and a header with qualifier 0xED; we show
    # them and report the unknown g1v7 (and the reserved qualifier).
    ("zeek_dnp3.pcap", 163): "tshark shows no objects in FC 18 (STOP_APPL)",
    ("zeek_dnp3.pcap", 166): "tshark shows no objects in FC 18 (STOP_APPL)",
    ("zeek_dnp3.pcap", 174): "tshark shows no objects in FC 18 (STOP_APPL)",
    ("zeek_dnp3.pcap", 176): "tshark shows no objects in FC 18 (STOP_APPL)",
    # Not in TSHARK.md, found here: tshark 4.0.17 reports g51v2 (CTO, unsynchronised,
    # IEEE 1815-2012 A.29.2; 6-byte time48 like g51v1) as "Unknown Object\\Variation" and stops.
    # We decode it and resolve the three g2v3 relative times after it.
    ("opendnp3conf_8.15.2.pcap", 10): "tshark does not know g51v2 (unsynchronised CTO)",
    # TSHARK.md: g85-g88 values are "Unknown Object" and the fragment stops (here marked
    # Malformed). The response carries three g86v1 data-set descriptors (qualifier 0x5B, u16
    # size prefixes 125, 53 and 55 bytes) which we walk by their sizes to the end of the fragment.
    ("iti_dataset_exchange.pcap", 6): "tshark cannot decode g86v1 (data-set descriptor)",
}

# TSV captures carry no malformed/expert column; these counts from MANIFEST.tsv
# (malformed_pkts) are checked against the number of packets we flag.
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


# ---- tshark ground truth ----------------------------------------------------------------------

def _walk(o, out):
    """Collect (key, scalar) pairs of a tshark JSON tree in document order."""
    if isinstance(o, dict):
        for k, v in o.items():
            if isinstance(v, (dict, list)):
                if isinstance(v, list) and v and not isinstance(v[0], (dict, list)):
                    for x in v:
                        out.append((k, x))
                else:
                    if k == "_ws.expert" or k == "_ws.malformed":
                        out.append((k, v))
                    _walk(v, out)
            else:
                out.append((k, v))
    elif isinstance(o, list):
        for x in o:
            _walk(x, out)


def _empty_packet():
    return {"links": [], "funcs": [], "iins": [], "objs": [], "prefix": [], "range": [],
            "flags": []}


def truth_from_json(path):
    pkts = {}
    with open(path) as f:
        data = json.load(f)
    for p in data:
        layers = p["_source"]["layers"]
        num = int(layers["frame"]["frame.number"])
        dnp = layers.get("dnp3")
        if dnp is None:
            continue
        pk = _empty_packet()
        for elem in (dnp if isinstance(dnp, list) else [dnp]):
            pairs = []
            _walk(elem, pairs)
            link = {}
            for k, v in pairs:
                if k == "dnp3.src":
                    link["src"] = int(v)
                elif k == "dnp3.dst":
                    link["dst"] = int(v)
                elif k == "dnp3.ctl.prm":
                    link["prm"] = int(v)
                elif k in ("dnp3.ctl.prifunc", "dnp3.ctl.secfunc"):
                    link["func"] = int(v)
                elif k == "dnp3.al.func":
                    pk["funcs"].append(int(v))
                elif k == "dnp3.al.iin":
                    pk["iins"].append(int(v, 16))
                elif k == "dnp3.al.obj":
                    pk["objs"].append(int(v, 16))
                elif k == "dnp3.al.objq.prefix":
                    pk["prefix"].append(int(v))
                elif k == "dnp3.al.objq.range":
                    pk["range"].append(int(v))
                elif k == "_ws.expert":
                    msg = v.get("_ws.expert.message", "") if isinstance(v, dict) else str(v)
                    if msg != "IIN Abnormality":
                        pk["flags"].append(msg)
                elif k == "dnp3.data_chunk.CRC.incorrect" or "CRC.incorrect" in k:
                    pk["flags"].append("data chunk CRC incorrect")
            pk["links"].append((link.get("src"), link.get("dst"), link.get("prm"), link.get("func")))
        if "_ws.malformed" in layers:
            pk["flags"].append("Malformed Packet")
        pkts[num] = pk
    return pkts


def truth_from_tsv(path):
    pkts = {}
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    hdr = rows[0]
    col = {name: i for i, name in enumerate(hdr)}

    def vals(row, name):
        v = row[col[name]] if col[name] < len(row) else ""
        return [x for x in re.split(r"[,|]", v) if x != ""]

    for row in rows[1:]:
        if not row:
            continue
        num = int(row[col["frame.number"]])
        pk = _empty_packet()
        srcs, dsts, prms = vals(row, "dnp3.src"), vals(row, "dnp3.dst"), vals(row, "dnp3.ctl.prm")
        pri, sec = vals(row, "dnp3.ctl.prifunc"), vals(row, "dnp3.ctl.secfunc")
        pi = si = 0
        for i in range(len(srcs)):
            prm = int(prms[i]) if i < len(prms) else None
            if prm == 1 and pi < len(pri):
                func = int(pri[pi]); pi += 1
            elif prm == 0 and si < len(sec):
                func = int(sec[si]); si += 1
            else:
                func = None
            pk["links"].append((int(srcs[i]), int(dsts[i]) if i < len(dsts) else None, prm, func))
        pk["funcs"] = [int(x) for x in vals(row, "dnp3.al.func")]
        pk["iins"] = [int(x, 16) for x in vals(row, "dnp3.al.iin")]
        pk["objs"] = [int(x, 16) for x in vals(row, "dnp3.al.obj")]
        pk["prefix"] = [int(x) for x in vals(row, "dnp3.al.objq.prefix")]
        pk["range"] = [int(x) for x in vals(row, "dnp3.al.objq.range")]
        pkts[num] = pk
    return pkts


def tsv_flagged(cap_path, port_args):
    """TSV ground truth has no expert column; ask tshark (when installed) which packets it flags."""
    try:
        cmd = ["tshark", "-n", "-r", cap_path, "-Y",
               "_ws.malformed || _ws.expert.severity >= 6291456", "-T", "fields", "-e",
               "frame.number", "-e", "_ws.expert.message"]
        if port_args:
            cmd[3:3] = ["-d", "tcp.port==%s,dnp3" % port_args[1]]
        p = subprocess.run(cmd, capture_output=True, timeout=300, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    out = {}
    for ln in p.stdout.splitlines():
        parts = ln.split("\t")
        msgs = [m for m in (parts[1].split(",") if len(parts) > 1 else []) if m and m != "IIN Abnormality"]
        if not msgs and len(parts) > 1 and parts[1] == "IIN Abnormality":
            continue
        out[int(parts[0])] = msgs or ["Malformed Packet"]
    return out


# ---- our decode -----------------------------------------------------------------------------------

def ours(cap_path, port_args):
    p = subprocess.run([BIN, "decode", "--pcap", cap_path, "--json"] + port_args,
                       capture_output=True, timeout=600)
    pkts = {}
    bad_lines = 0
    for ln in p.stdout.decode("utf-8", "replace").splitlines():
        if not ln.strip():
            continue
        try:
            o = json.loads(ln)
        except ValueError:
            bad_lines += 1
            continue
        num = o.get("frame")
        pk = pkts.setdefault(num, dict(_empty_packet(), errors=[], known=[]))
        if "error" in o:
            pk["errors"].append(o["error"])
        link = o.get("link")
        if link is not None:
            pk["links"].append((link.get("src"), link.get("dst"), 1 if link.get("prm") else 0,
                                link.get("func")))
        app = o.get("app")
        if app is not None:
            pk["funcs"].append(app.get("func"))
            if "iin" in app:
                pk["iins"].append(app["iin"])
            for h in app.get("objects", []):
                pk["objs"].append(h.get("group", 0) * 256 + h.get("variation", 0))
                pk["known"].append("name" in h)
                q = h.get("qualifier", 0)
                pk["prefix"].append((q >> 4) & 7)
                pk["range"].append(q & 15)
    return p.returncode, pkts, bad_lines, p.stderr.decode("utf-8", "replace")


# ---- comparison ------------------------------------------------------------------------------------

def _cut_after_unknown(m):
    """Object lists up to and including the first header our table does not know: the size of
    an unknown object is unknowable, so neither decoder's reading of what follows means anything."""
    n = len(m["objs"])
    for i, known in enumerate(m["known"]):
        if not known:
            n = i + 1
            break
    return n


def compare_capture(name, truth, mine, flagged, used_exempt):
    compared = agreed = 0
    problems = []
    keys = ("funcs", "iins", "objs", "prefix", "range")
    for num in sorted(truth):
        t = truth[num]
        m = mine.get(num, dict(_empty_packet(), errors=[], known=[]))
        compared += 1
        why = []
        exempt = (name, num) in EXEMPT
        if t["links"] != m["links"]:
            why.append("links tshark=%r ours=%r" % (t["links"], m["links"]))
        if t["funcs"] != m["funcs"]:
            why.append("funcs tshark=%r ours=%r" % (t["funcs"], m["funcs"]))
        tflags = list(t["flags"]) + (flagged.get(num, []) if flagged else [])
        if exempt:
            # tshark is silent or wrong here (see EXEMPT): what it did show must be what we
            # show first; the rest is ours alone.
            used_exempt.add((name, num))
            for key in keys:
                if m[key][:len(t[key])] != t[key]:
                    why.append("%s tshark=%r ours=%r" % (key, t[key], m[key]))
        elif not tflags:
            for key in keys:
                if t[key] != m[key]:
                    why.append("%s tshark=%r ours=%r" % (key, t[key], m[key]))
        else:
            # tshark stopped at the problem: compare what both decoded, up to the first
            # object of unknown size.
            cut = _cut_after_unknown(m)
            for key in keys:
                tk, mk = t[key], m[key]
                if key in ("objs", "prefix", "range"):
                    tk, mk = tk[:cut], mk[:cut]
                n = min(len(tk), len(mk))
                if tk[:n] != mk[:n]:
                    why.append("%s tshark=%r ours=%r" % (key, t[key], m[key]))
            if not m["errors"]:
                why.append("tshark flags %r, our decode reports no error" % sorted(set(tflags)))
        if why:
            problems.append("%s frame %d: %s" % (name, num, "; ".join(why)))
        else:
            agreed += 1
    # Packets only we decoded: they must be errors only (tshark did not see DNP3 there).
    for num in sorted((k for k in mine if k not in truth), key=lambda k: (k is None, k or 0)):
        m = mine[num]
        if num is None:
            problems.append("%s: JSON line without a frame number" % name)
            continue
        if m["links"] or m["funcs"]:
            if (name, num) in EXEMPT:
                used_exempt.add((name, num))
                continue
            problems.append("%s frame %d: we decoded %r but tshark shows no DNP3 there" %
                            (name, num, m["links"]))
        elif not m["errors"]:
            problems.append("%s frame %d: output without link frame or error" % (name, num))
    return compared, agreed, problems


def read_manifest():
    rows = []
    with open(os.path.join(CAPS, "MANIFEST.tsv"), newline="") as f:
        rd = csv.DictReader(f, delimiter="\t")
        for r in rd:
            rows.append(r)
    return rows


def main():
    if not os.path.isdir(CAPS):
        print("SKIP: captures not found at %s (set DNP3C_CAPTURES)" % (CAPS or "<unset>"))
        return 77
    if not BIN or not os.access(BIN, os.X_OK):
        print("SKIP: DNP3_BIN not set or not executable (%r)" % BIN)
        return 77
    rows = read_manifest()
    used_exempt = set()
    total_c = total_a = 0
    t0 = time.time()
    print("%-48s %8s %8s %6s" % ("capture", "packets", "agreed", "errors"))
    for r in rows:
        name = r["file"]
        path = os.path.join(CAPS, name)
        if not os.path.exists(path):
            fail("%s listed in MANIFEST.tsv but missing" % name)
            continue
        port_args = []
        m = re.search(r"port\s*==\s*(\d+)", r.get("tshark_decode_as", "") or "")
        if m:
            port_args = ["--port", m.group(1)]
        gj = path + ".tshark.json"
        gt = path + ".tshark.fields.tsv"
        flagged = None
        if os.path.exists(gj):
            truth = truth_from_json(gj)
        elif os.path.exists(gt):
            truth = truth_from_tsv(gt)
            flagged = tsv_flagged(path, port_args)
            want_mal = int(r.get("malformed_pkts") or 0)
            if flagged is None:
                flagged = {}
                if want_mal:
                    print("note: %s: tshark unavailable, %d malformed packet(s) per MANIFEST "
                          "not located" % (name, want_mal))
        else:
            fail("%s: no ground truth (.tshark.json or .tshark.fields.tsv)" % name)
            continue
        rc, mine, bad_lines, err = ours(path, port_args)
        if bad_lines:
            fail("%s: %d output lines are not JSON" % (name, bad_lines))
        if rc not in (0, 3):
            fail("%s: dnp3 decode exited %d: %s" % (name, rc, err.strip()[:300]))
        compared, agreed, problems = compare_capture(name, truth, mine, flagged, used_exempt)
        n_err = sum(1 for k, v in mine.items() if v["errors"])
        # Exit status must say whether anything went wrong.
        if n_err and rc != 3:
            fail("%s: %d packets with errors but exit status %d (want 3)" % (name, n_err, rc))
        if not n_err and rc != 0:
            fail("%s: no errors but exit status %d (want 0)" % (name, rc))
        # Link frame totals: e.g. ION7550's 49 spurious retransmissions must not be decoded twice.
        t_links = sum(len(p["links"]) for p in truth.values())
        m_links = sum(len(p["links"]) for p in mine.values())
        if t_links != m_links:
            fail("%s: tshark shows %d link frames, we decode %d" % (name, t_links, m_links))
        for pr in problems[:20]:
            fail(pr)
        if len(problems) > 20:
            fail("%s: ... and %d more disagreements" % (name, len(problems) - 20))
        total_c += compared
        total_a += agreed
        print("%-48s %8d %8d %6d" % (name, compared, agreed, n_err))
    unused = set(EXEMPT) - used_exempt
    for k in sorted(unused):
        fail("exemption %r not needed any more: %s" % (k, EXEMPT[k]))
    print("total: %d packets compared, %d agreed, %d exemption(s) used, %.1fs" %
          (total_c, total_a, len(used_exempt), time.time() - t0))
    for k in sorted(used_exempt):
        print("  exempt %s frame %d: %s" % (k[0], k[1], EXEMPT[k]))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
