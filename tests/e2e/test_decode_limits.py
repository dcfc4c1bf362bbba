#!/usr/bin/env python3
"""`dnp3 decode` loses nothing silently, at any scale (issue 6, items 7-10 and 13).

Every capture here is written by this script into a temporary directory (never
committed): many sequential or concurrent connections, frames split across TCP
segments, many link-address pairs on one connection, packets the capture layer
cannot read. Memory is checked as peak resident size of the child (a bound, not
a duration). Run by ctest with DNP3_BIN set; exit 77 = skipped.
"""
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile

from e2elib import BIN, check, crc_dnp, failures, require_bin  # noqa: E402

TMP = tempfile.mkdtemp(prefix="dnp3-limits-")

# ---- DNP3 frames -------------------------------------------------------------

_CRC = {}


def crc_cached(data):
    v = _CRC.get(data)
    if v is None:
        v = _CRC[data] = crc_dnp(data)
    return v


def frame(ctrl, dst, src, user=b""):
    hdr = bytes([0x05, 0x64, 5 + len(user), ctrl, dst & 0xFF, dst >> 8, src & 0xFF, src >> 8])
    c = crc_cached(hdr)
    out = hdr + bytes([c & 0xFF, c >> 8])
    for i in range(0, len(user), 16):
        blk = user[i:i + 16]
        c = crc_cached(blk)
        out += blk + bytes([c & 0xFF, c >> 8])
    return out


MASTER, OUTSTATION = 1, 1024
# One-segment fragments: READ class 0 (request) and an empty RESPONSE.
READ = frame(0xC4, OUTSTATION, MASTER, bytes([0xC0, 0xC0, 0x01, 0x3C, 0x01, 0x06]))
RESPONSE = frame(0x44, MASTER, OUTSTATION, bytes([0xC0, 0xC0, 0x81, 0x00, 0x00]))


# ---- pcap writing --------------------------------------------------------------

class Pcap:
    """Classic pcap, Ethernet link type; no checksums (the decoder reads none)."""

    def __init__(self, path, snaplen=65535):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        self.t = 1700000000 * 1000000
        self.n = 0

    def raw(self, pkt, orig_len=None):
        self.t += 10
        self.n += 1
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(pkt),
                                 orig_len if orig_len is not None else len(pkt)))
        self.f.write(pkt)

    def close(self):
        self.f.close()


ETH_IP4 = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"


def ip4(a):
    return struct.pack(">I", a)


def tcp_packet(src, sport, dst, dport, seq, flags, payload=b"", doff=5, ihl=5, frag=0):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, 0, doff << 4, flags, 65535, 0,
                      0) + payload
    hdr = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(tcp), 0, frag, 64, 6, 0, ip4(src),
                      ip4(dst))
    return ETH_IP4 + hdr + tcp


SYN, FIN, RST, PSH_ACK, ACK = 0x02, 0x11, 0x04, 0x18, 0x10
CLIENT_BASE = 0x0A000000  # 10.0.0.0 + n
SERVER = 0x0A0000FE


class Conn:
    """One TCP connection, client -> outstation port 20000; seq kept per side."""

    def __init__(self, cap, i):
        self.cap = cap
        self.c = CLIENT_BASE + 1 + i // 50000
        self.cp = 1024 + i % 50000
        self.cseq = 1000
        self.sseq = 9000

    def syn(self):
        self.cap.raw(tcp_packet(self.c, self.cp, SERVER, 20000, self.cseq, SYN))
        self.cap.raw(tcp_packet(SERVER, 20000, self.c, self.cp, self.sseq, SYN | ACK))
        self.cseq += 1
        self.sseq += 1

    def send(self, data, from_client=True):
        if from_client:
            self.cap.raw(tcp_packet(self.c, self.cp, SERVER, 20000, self.cseq, PSH_ACK, data))
            self.cseq += len(data)
        else:
            self.cap.raw(tcp_packet(SERVER, 20000, self.c, self.cp, self.sseq, PSH_ACK, data))
            self.sseq += len(data)

    def fin(self):
        self.cap.raw(tcp_packet(self.c, self.cp, SERVER, 20000, self.cseq, FIN))
        self.cap.raw(tcp_packet(SERVER, 20000, self.c, self.cp, self.sseq, FIN))


# ---- running the tool --------------------------------------------------------------

def run(args, stdin=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def count_fragments(args):
    """Runs decode --json; returns (rc, fragments decoded, records with an error, stderr)."""
    rc, out, err = run(["decode", "--json"] + args)
    frags = errors = 0
    for ln in out.splitlines():
        o = json.loads(ln)
        frags += "app" in o
        errors += "error" in o
    return rc, frags, errors, err


def peak_rss_kib(args, stdin_path=None):
    """Peak resident size of `dnp3 args` in KiB, measured in a fresh process whose only
    child is the command (RUSAGE_CHILDREN is the largest child waited for)."""
    code = ("import resource,subprocess,sys\n"
            "f=open(sys.argv[1],'rb') if sys.argv[1] else subprocess.DEVNULL\n"
            "p=subprocess.run(sys.argv[2:],stdin=f,stdout=subprocess.DEVNULL)\n"
            "print(p.returncode,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code, stdin_path or "", BIN] + args,
                         capture_output=True, timeout=600, check=True).stdout.split()
    return int(out[0]), int(out[1])


# ---- item 7: flow limits --------------------------------------------------------------

def test_sequential_connections():
    """40,000 connections one after another: 80,000 fragments, every one decoded."""
    path = os.path.join(TMP, "seq.pcap")
    cap = Pcap(path)
    for i in range(40000):
        c = Conn(cap, i)
        c.syn()
        c.send(READ)
        c.send(RESPONSE, from_client=False)
        c.fin()
    cap.close()
    rc, frags, errors, err = count_fragments(["--pcap", path])
    check(frags == 80000, "40,000 sequential connections: %d of 80,000 fragments" % frags)
    check(rc == 0 and errors == 0 and err == "", "sequential connections: rc %d, %d errors, %r"
          % (rc, errors, err[:200]))


def split_frames(n, name, lead=False):
    """n concurrent connections, each one READ frame split over two segments (after one
    whole READ on a connection of its own with lead)."""
    path = os.path.join(TMP, name)
    cap = Pcap(path)
    if lead:
        Conn(cap, n).send(READ)
    conns = [Conn(cap, i) for i in range(n)]
    half = len(READ) // 2
    for c in conns:
        c.send(READ[:half])
    for c in conns:
        c.send(READ[half:])
    cap.close()
    return path


def test_concurrent_split_frames():
    for n in (4097, 100000):
        path = split_frames(n, "split%d.pcap" % n)
        rc, frags, errors, err = count_fragments(["--pcap", path])
        check(frags == n, "%d concurrent split frames: %d decoded" % (n, frags))
        check(rc == 0 and errors == 0 and err == "", "%d concurrent: rc %d, %r" % (n, rc, err[:200]))


def test_half_frames_reported():
    """10,000 connections holding half a frame at the end: each is reported."""
    path = os.path.join(TMP, "half.pcap")
    cap = Pcap(path)
    for i in range(10000):
        Conn(cap, i).send(READ[:9])
    cap.close()
    rc, out, err = run(["decode", "--json", "--pcap", path])
    lines = [json.loads(ln) for ln in out.splitlines()]
    cut = [o for o in lines if "error" in o and o.get("discarded") == 9]
    check(len(cut) == 10000, "10,000 half frames: %d reported" % len(cut))
    check(rc == 1, "nothing decoded: exit 1 (got %d)" % rc)


def test_address_pairs_one_connection():
    """300 link-address pairs interleaved on one connection, each a two-segment fragment."""
    path = os.path.join(TMP, "pairs.pcap")
    cap = Pcap(path)
    c = Conn(cap, 0)
    c.syn()
    # First segments (FIR, not FIN) of every pair, then the last ones (FIN).
    for fin in (False, True):
        data = b""
        for k in range(300):
            th = 0x81 if fin else 0x40  # FIN seq 1, or FIR seq 0
            user = bytes([th]) + (bytes([0xC0, 0x01, 0x3C, 0x02, 0x06]) if not fin
                                  else bytes([0x3C, 0x03, 0x06]))
            data += frame(0xC4, 2000 + k, 10 + k, user)
            if len(data) > 1200:
                c.send(data)
                data = b""
        if data:
            c.send(data)
    c.fin()
    cap.close()
    rc, frags, errors, err = count_fragments(["--pcap", path])
    check(frags == 300, "300 address pairs on one connection: %d fragments" % frags)
    check(rc == 0 and errors == 0, "address pairs: rc %d, %d errors" % (rc, errors))


def test_memory_limit_eviction_reported():
    """At a memory limit too small for every flow, flows are dropped and each loss reported."""
    path = split_frames(5000, "evict.pcap", lead=True)
    rc, frags, errors, err = count_fragments(["--pcap", path, "--max-memory", "1M"])
    drops = [ln for ln in err.splitlines() if "dropped flow" in ln]
    check(rc == 3, "eviction: exit 3 (got %d)" % rc)
    check(len(drops) > 0 and len(drops) + frags >= 5001,
          "each lost frame is either decoded or reported: %d decoded, %d reported"
          % (frags, len(drops)))
    check(drops and "memory limit (1048576 bytes) reached at packet" in drops[0]
          and "bytes of a partial link frame" in drops[0], "eviction line: %r" % drops[:1])
    rc, out, err = run(["decode", "--pcap", path, "--max-memory", "1x"])
    check(rc == 2 and "--max-memory: unknown unit 'x'" in err, "bad --max-memory: %r" % err)


# ---- item 8: unreadable packets ------------------------------------------------------------

def test_unreadable_packets():
    path = os.path.join(TMP, "bad.pcap")
    cap = Pcap(path)
    c = Conn(cap, 0)
    c.syn()                                      # 1, 2
    c.send(READ)                                 # 3: fine
    pkt = tcp_packet(c.c, c.cp, SERVER, 20000, c.cseq, PSH_ACK, READ)
    cap.raw(pkt[:14] + bytes([0x43]) + pkt[15:])  # 4: IHL 3
    cap.raw(tcp_packet(c.c, c.cp, SERVER, 20000, c.cseq, PSH_ACK, READ, doff=4))  # 5
    vlan = b"".join(b"\x81\x00\x00\x01" for _ in range(9))
    cap.raw(pkt[:12] + vlan + pkt[12:])          # 6: nine VLAN tags
    # 7: IPv6 with 17 hop-by-hop/destination option headers before TCP.
    ext = b"".join(bytes([60, 0]) + b"\x01\x04\x00\x00\x00\x00" for _ in range(16))
    ext += bytes([6, 0]) + b"\x01\x04\x00\x00\x00\x00"
    tcp = struct.pack(">HHIIBBHHH", c.cp, 20000, 1, 0, 0x50, PSH_ACK, 65535, 0, 0)
    ip6 = struct.pack(">IHBB16s16s", 0x60000000, len(ext) + len(tcp), 0, 64, b"\x20\x01" + b"\0" * 13
                      + b"\x01", b"\x20\x01" + b"\0" * 13 + b"\x02")
    cap.raw(b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x86\xdd" + ip6 + ext + tcp)
    # 8: a non-first IP fragment.
    cap.raw(tcp_packet(c.c, c.cp, SERVER, 20000, c.cseq, PSH_ACK, READ, frag=0x0002))
    # 9: the response, cut by the snap length (60 of its bytes kept).
    resp = tcp_packet(SERVER, 20000, c.c, c.cp, c.sseq, PSH_ACK, RESPONSE + RESPONSE)
    cap.raw(resp[:60], len(resp))
    cap.close()
    rc, out, err = run(["decode", "--pcap", path])
    lines = err.splitlines()
    for num in (4, 5, 6, 7, 8, 9):
        check(any(ln.startswith("dnp3 decode: packet %d: " % num) for ln in lines),
              "unreadable packet %d named on stderr: %r" % (num, lines))
    check(any(ln == "dnp3 decode: 6 packet(s) not read whole: 4 malformed, 1 IP fragment(s), 1 cut "
              "by the snap length (each named above)" for ln in lines), "summary line: %r" % lines)
    check(rc == 3, "unreadable packets: exit 3 (got %d)" % rc)


def test_port_matching_nothing():
    path = os.path.join(TMP, "port.pcap")
    cap = Pcap(path)
    c = Conn(cap, 0)
    c.syn()
    c.send(READ)
    cap.close()
    rc, out, err = run(["decode", "--pcap", path, "--port", "1"])
    check("no DNP3 traffic on port 1; ports seen: 20000" in err, "--port 1: %r" % err)
    check(rc == 1, "--port matching nothing: exit 1 (got %d)" % rc)


# ---- item 9: write errors --------------------------------------------------------------------

def test_write_errors():
    path = split_frames(2000, "write.pcap")
    with open("/dev/full", "wb") as full:
        for args in (["decode", "--pcap", path], ["objects"], ["help"], ["--version"],
                     ["decode", "--help"], ["decode", "05 64 05 C0 01 00 00 04 E9 21"]):
            p = subprocess.run([BIN] + args, stdout=full, stderr=subprocess.PIPE, timeout=60)
            err = p.stderr.decode()
            check(p.returncode != 0 and "cannot write output: No space left on device" in err,
                  "%s > /dev/full: rc %d, %r" % (" ".join(args), p.returncode, err))
    # A reader that goes away, with SIGPIPE ignored: stop at once, quietly, non-zero.
    code = ("import signal,subprocess,sys\n"
            "signal.signal(signal.SIGPIPE, signal.SIG_IGN)\n"
            "p=subprocess.Popen(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE,"
            "restore_signals=False)\n"
            "p.stdout.readline(); p.stdout.close()\n"
            "err=p.stderr.read(); print(p.wait()); sys.stdout.write(err.decode())\n")
    out = subprocess.run([sys.executable, "-c", code, BIN, "decode", "--pcap", path],
                         capture_output=True, timeout=120).stdout.decode().split("\n", 1)
    check(out[0].strip() == "1" and out[1].strip() == "",
          "closed pipe: exit 1 and nothing said (got %r)" % out)


# ---- item 10: streamed input -------------------------------------------------------------------

def test_streamed_input_memory():
    raw = os.path.join(TMP, "big.bin")
    block = READ + b"\x00" * (1024 * 1024 - len(READ))  # a frame in every MiB of zeros
    with open(raw, "wb") as f:
        for _ in range(200):
            f.write(block)
    rc, kib = peak_rss_kib(["decode", "--file", raw])
    check(rc == 3 and kib < 32 * 1024, "raw 200 MiB: rc %d, peak RSS %d KiB (want < 32 MiB)"
          % (rc, kib))
    rc, kib = peak_rss_kib(["decode", "--file", "-"], raw)
    check(rc == 3 and kib < 32 * 1024, "raw on stdin: rc %d, peak RSS %d KiB" % (rc, kib))
    hexf = os.path.join(TMP, "big.hex")
    frame_hex = (" ".join("%02X" % b for b in READ) + "\n").encode()
    line = frame_hex + b"\n" * (1024 * 1024 - len(frame_hex))
    with open(hexf, "wb") as f:
        for _ in range(100):
            f.write(line)
    rc, kib = peak_rss_kib(["decode", "-"], hexf)
    check(rc == 0 and kib < 32 * 1024, "hex %d MiB on stdin: rc %d, peak RSS %d KiB"
          % (os.path.getsize(hexf) >> 20, rc, kib))
    os.unlink(raw)
    os.unlink(hexf)
    # --app is bounded by the largest fragment.
    big = os.path.join(TMP, "app.bin")
    with open(big, "wb") as f:
        f.write(b"\xC0\x81\x00\x00" + b"\x00" * 70000)
    rc, out, err = run(["decode", "--app", "--file", big])
    check(rc == 1 and "longer than the largest fragment (65535 bytes)" in err, "--app too long: %r"
          % err)


# ---- item 13: contradictions and messages ----------------------------------------------------------

def test_contradictions():
    hexarg = "05 64 05 C0 01 00 00 04 E9 21"
    cases = [
        (["decode", "--pcap", "a", "--pcap", "b"], "--pcap given twice ('a' and 'b')"),
        (["decode", "--file", "a", "--file", "b"], "--file given twice ('a' and 'b')"),
        (["decode", "--port", "20000", hexarg], "--port applies only to --pcap"),
        (["decode", "--port", "20000", "--file", "x"], "--port applies only to --pcap"),
        (["decode", hexarg, "-"], "give one input: HEX arguments or - (standard input)"),
        (["decode", "--file", "x", hexarg], "give one input: HEX, -, --file or --pcap"),
        (["decode", "--app", "--pcap", "x"], "--app does not apply to --pcap"),
        (["objects", " 30"], "' 30' is not a group or object"),
        (["objects", "+30"], "'+30' is not a group or object"),
        (["objects", "g-0"], "'g-0' is not a group or object"),
        (["objects", "30", "40"], "give at most one group or object"),
    ]
    for args, want in cases:
        rc, out, err = run(args)
        check(rc == 2 and want in err and len(err.strip().splitlines()) == 1,
              "%r: usage error %r (rc %d, %r)" % (args, want, rc, err))
    # --file - reads raw bytes from standard input, like --pcap - does captures.
    rc, out, err = run(["decode", "--file", "-"], stdin=bytes.fromhex(hexarg.replace(" ", "")))
    check(rc == 0 and b"RESET_LINK_STATES" in out, "--file - reads standard input (rc %d)" % rc)
    # Hex on stdin after a NUL byte is not silently ignored.
    rc, out, err = run(["decode"], stdin=b"05 64\x0005 C0")
    check(rc == 2 and "position 6" in err and "byte 0x00" in err, "NUL in hex: %r" % err)
    # Messages.
    rc, out, err = run(["decode", "--pcap", os.path.join(TMP, "none.pcap")])
    check(rc == 1 and err.count("none.pcap") == 1 and "No such file" in err,
          "missing capture named once: %r" % err)
    rc, out, err = run(["decode", "--file", TMP])
    check(rc == 1 and "Is a directory" in err, "--file DIR: %r" % err)
    junk = os.path.join(TMP, "junk.pcap")
    with open(junk, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + b"\x01\x02\x03")
    rc, out, err = run(["decode", "--pcap", junk])
    check(rc != 0 and "after packet 0" not in err and err.strip(), "damaged first record: %r" % err)
    rc, out, err = run(["decode", "--file", "/dev/null"])
    check(rc == 1 and "the input is empty" in err, "empty input says so: %r" % err)
    rc, out, err = run(["decode"], stdin=b"")
    check(rc == 1 and "the input is empty" in err, "empty stdin says so: %r" % err)


def main():
    require_bin()
    only = os.environ.get("ONLY")
    for t in (test_sequential_connections, test_concurrent_split_frames,
              test_half_frames_reported, test_address_pairs_one_connection,
              test_memory_limit_eviction_reported, test_unreadable_packets,
              test_port_matching_nothing, test_write_errors, test_streamed_input_memory,
              test_contradictions):
        if only and t.__name__ not in only.split(","):
            continue
        before = len(failures)
        try:
            t()
        except Exception as e:  # a crash in one group must not hide the others
            check(False, "%s raised %r" % (t.__name__, e))
        print("%-36s %s" % (t.__name__, "ok" if len(failures) == before else "FAILED"),
              flush=True)
    for name in os.listdir(TMP):
        os.unlink(os.path.join(TMP, name))
    os.rmdir(TMP)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all decode limit checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
