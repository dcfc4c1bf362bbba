#!/usr/bin/env python3
"""tests/fault/fault_proxy.py, checked against a trivial loopback server.

Every fault kind does exactly what its log line says: a cut forwards exactly
the bytes before its offset; a stall holds one direction while the other
flows (checked as an order of events, never as a duration); split, coalesce
and delay keep the byte stream intact; drops remove exactly the logged bytes;
flips change exactly the logged bits, only inside link frames, 1 or 2 per
frame and never more, so every damaged frame fails its CRC. The same seed
gives the same plan, and SIGTERM ends the proxy with exit code 0 and a
summary whose counts match the fault lines.

The flipped stream is also fed to `dnp3 decode` (DNP3_BIN, set by ctest): the
library's link parser accepts exactly the intact frames and discards every
flipped one.

Run by ctest; needs only Python 3 and the loopback interface.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading

from e2elib import check, crc_dnp, failures  # noqa: E402
from e2elib import frame as ft3_frame  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "..", "fault", "fault_proxy.py")


def frame(dst, src, user):
    """An unconfirmed user data frame (control 0xC4) with correct CRCs."""
    return ft3_frame(0xC4, dst, src, user)


def crc_ok(fr):
    """True when every block of a frame (header, then 16-octet data blocks) checks."""
    blocks = [fr[:10]] + [fr[i:i + 18] for i in range(10, len(fr), 18)]
    for b in blocks:
        body, c = b[:-2], b[-2] | (b[-1] << 8)
        if crc_dnp(body) != c:
            return False
    return True


def frame_stream(seed, count):
    """Frames of many sizes with garbage between some of them: the garbage has
    lone 05s and a 05 64 with a LEN below 5, none of which starts a frame.
    Returns (bytes, [(start, end)] of the frames)."""
    rng = random.Random(seed)
    out = bytearray()
    spans = []
    garbage = [b"", b"\x00\x11", b"\x05\x00", b"\x05\x05\x22", b"\x05\x64\x02\x33"]
    for i in range(count):
        out += garbage[i % len(garbage)]
        user = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 15, 16, 17, 100, 250))))
        fr = frame(10, 1, user)
        spans.append((len(out), len(out) + len(fr)))
        out += fr
    return bytes(out), spans


class Server:
    """A loopback server: records what each connection receives (and the read
    boundaries), echoes it back if asked, and calls on_data for each read."""

    def __init__(self, echo=False, on_data=None):
        self.echo = echo
        self.on_data = on_data
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received = []  # per connection: bytearray
        self.reads = []  # per connection: offsets where each read began
        self.done = []  # per connection: threading.Event set at EOF
        self.lock = threading.Lock()
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                idx = len(self.received)
                self.received.append(bytearray())
                self.reads.append([])
                self.done.append(threading.Event())
            threading.Thread(target=self._serve, args=(c, idx), daemon=True).start()

    def _serve(self, c, idx):
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                self.reads[idx].append(len(self.received[idx]))
                self.received[idx] += d
                if self.on_data:
                    self.on_data(c, bytes(self.received[idx]))
                if self.echo:
                    c.sendall(d)
        except OSError:
            pass
        c.close()
        self.done[idx].set()

    def wait(self, idx):
        for _ in range(100):
            with self.lock:
                if idx < len(self.done):
                    break
            threading.Event().wait(0.05)
        check(self.done[idx].wait(20), "server connection %d ended" % idx)
        return bytes(self.received[idx])

    def close(self):
        # shutdown wakes the blocked accept(); only then is the descriptor
        # closed, so the accepting thread can never reach a later server's
        # socket that reuses its number.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.acceptor.join(10)
        self.sock.close()


class Proxy:
    def __init__(self, upstream, args=(), script=None):
        self.dir = tempfile.mkdtemp(prefix="fault_proxy_")
        self.logpath = os.path.join(self.dir, "faults.log")
        cmd = [sys.executable, PROXY, "--upstream", str(upstream), "--log", self.logpath,
               "--exit-with-parent"] + list(args)
        if script is not None:
            path = os.path.join(self.dir, "plan.txt")
            with open(path, "w") as f:
                f.write(script)
            cmd += ["--script", path]
        self.errpath = os.path.join(self.dir, "stderr")
        with open(self.errpath, "w") as err:
            self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        first = self.p.stdout.readline().split()
        check(first[:1] == ["listen"], "first stdout line is 'listen port=N': %r" % first)
        self.port = int(first[1].split("=")[1])

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=20)

    def stop(self):
        """SIGTERM: exit 0, then the log as a list of (record, {key: value})."""
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(20)
        check(rc == 0, "proxy exits 0 on SIGTERM, got %r" % rc)
        with open(self.errpath) as f:
            err = f.read()
        check(err == "", "proxy wrote nothing to stderr: %s" % err)
        recs = []
        with open(self.logpath) as f:
            for line in f:
                words = line.split()
                recs.append((words[0], dict(w.split("=", 1) for w in words[1:])))
        shutil.rmtree(self.dir, ignore_errors=True)
        faults = [r for k, r in recs if k == "fault"]
        summary = [r for k, r in recs if k == "summary"]
        check(len(summary) == 1, "one summary line")
        if summary:
            s = summary[0]
            check(int(s["faults"]) == len(faults), "summary counts every fault: %r" % s)
            for kind in ("cut", "stall", "delay", "split", "coalesce", "drop", "flip"):
                n = sum(1 for r in faults if r["kind"] == kind)
                check(int(s[kind]) == n, "summary %s=%s, log has %d" % (kind, s[kind], n))
        return recs


def faults_of(recs):
    return [r for k, r in recs if k == "fault"]


def read_all(sock):
    got = bytearray()
    try:
        while True:
            d = sock.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    return bytes(got)


def printable(n, seed):
    """Bytes that never contain 05, so no frame finding is involved."""
    rng = random.Random(seed)
    return bytes(rng.randrange(0x20, 0x7F) for _ in range(n))


def test_cut_client_to_server():
    srv = Server()
    px = Proxy(srv.port, script="1 c2s cut 300\n")
    data = printable(1000, 1)
    c = px.connect()
    try:
        c.sendall(data)
    except OSError:
        pass
    got = srv.wait(0)
    check(got == data[:300], "c2s cut at 300: server got exactly 300 bytes (got %d)" % len(got))
    check(read_all(c) == b"", "client sees the connection end")
    c.close()
    recs = px.stop()
    check(faults_of(recs) == [{"conn": "1", "dir": "c2s", "kind": "cut", "offset": "300"}],
          "one cut logged at c2s 300: %r" % faults_of(recs))
    srv.close()


def test_cut_with_rst():
    # An RST may discard bytes still queued at the receiver, so only a prefix is promised.
    srv = Server()
    px = Proxy(srv.port, ["--cut-rst"], script="1 c2s cut 300\n")
    data = printable(1000, 6)
    c = px.connect()
    try:
        c.sendall(data)
    except OSError:
        pass
    got = srv.wait(0)
    check(len(got) <= 300 and got == data[:len(got)], "RST cut: server got a prefix of at most 300")
    check(read_all(c) == b"", "client sees the connection end (EOF or reset)")
    c.close()
    recs = px.stop()
    check(faults_of(recs) == [{"conn": "1", "dir": "c2s", "kind": "cut", "offset": "300"}],
          "one cut logged at c2s 300: %r" % faults_of(recs))
    srv.close()


def test_cut_server_to_client():
    srv = Server(echo=True)
    px = Proxy(srv.port, script="1 s2c cut 123\n")
    data = printable(500, 2)
    c = px.connect()
    c.sendall(data)
    got = read_all(c)
    check(got == data[:123], "s2c cut at 123: client got exactly 123 echoed bytes (got %d)" % len(got))
    c.close()
    recs = px.stop()
    check(faults_of(recs) == [{"conn": "1", "dir": "s2c", "kind": "cut", "offset": "123"}],
          "one cut logged at s2c 123: %r" % faults_of(recs))
    srv.close()


def test_seeded_cuts_follow_the_printed_plan():
    args = ["--seed", "5", "--cut-every", "100-400"]
    plan = subprocess.run([sys.executable, PROXY, "--print-plan", "4"] + args,
                          capture_output=True, text=True, check=True).stdout
    planned = {}
    for line in plan.splitlines():
        f = dict(w.split("=", 1) for w in line.split()[1:])
        if f["kind"] == "cut" and f["dir"] == "c2s":
            planned[int(f["conn"])] = int(f["offset"])
    check(sorted(planned) == [1, 2, 3, 4] and len(set(planned.values())) == 4,
          "each connection has its own planned cut: %r" % planned)
    srv = Server()
    px = Proxy(srv.port, args)
    data = printable(1000, 3)
    for n in range(1, 5):
        c = px.connect()
        try:
            c.sendall(data)
        except OSError:
            pass
        got = srv.wait(n - 1)
        check(got == data[:planned[n]], "conn %d cut at the planned %d, server got %d" % (
            n, planned[n], len(got)))
        read_all(c)
        c.close()
    recs = px.stop()
    cuts = [(int(r["conn"]), r["dir"], int(r["offset"])) for r in faults_of(recs)]
    check(cuts == [(n, "c2s", planned[n]) for n in range(1, 5)], "logged cuts %r" % cuts)
    srv.close()


def test_stall_holds_one_direction_while_the_other_flows():
    order = []
    client_got_reply = threading.Event()

    def on_data(conn, so_far):
        if not order:
            order.append("server got AAAA" if so_far == b"AAAA" else "server got %r" % so_far)
            conn.sendall(b"pong")
        elif len(so_far) > 4 and "server got BBBB" not in order:
            # Only after the stall: the reply went through s2c meanwhile.
            order.append("client had pong" if client_got_reply.is_set() else "client lacked pong")
            order.append("server got BBBB")

    srv = Server(on_data=on_data)
    px = Proxy(srv.port, script="1 c2s stall 4 3000\n")
    c = px.connect()
    c.sendall(b"AAAABBBB")
    reply = b""
    while len(reply) < 4:
        reply += c.recv(4 - len(reply))
    client_got_reply.set()
    c.shutdown(socket.SHUT_WR)
    got = srv.wait(0)
    c.close()
    check(reply == b"pong", "s2c flowed during the c2s stall")
    check(order == ["server got AAAA", "client had pong", "server got BBBB"], "order %r" % order)
    check(got == b"AAAABBBB", "stream intact after the stall: %r" % got)
    recs = px.stop()
    check(faults_of(recs) == [{"conn": "1", "dir": "c2s", "kind": "stall", "offset": "4", "ms": "3000"}],
          "stall logged: %r" % faults_of(recs))
    srv.close()


def send_slowly(sock, data, piece, pause_s):
    for i in range(0, len(data), piece):
        sock.sendall(data[i:i + piece])
        threading.Event().wait(pause_s)


def test_split_coalesce_delay_preserve_the_stream():
    srv = Server(echo=True)
    script = ("1 c2s split 10\n"
              "1 c2s split 500\n"
              "1 c2s coalesce 1000 300\n"
              "1 s2c delay 0 20\n"
              "1 s2c split 1500\n")
    px = Proxy(srv.port, ["--coalesce-hold-ms", "5000"], script=script)
    data = printable(2000, 4)
    c = px.connect()
    send_slowly(c, data, 50, 0.002)
    c.shutdown(socket.SHUT_WR)
    echoed = read_all(c)
    got = srv.wait(0)
    c.close()
    check(got == data, "c2s stream intact through split and coalesce")
    check(echoed == data, "s2c stream intact through delay and split")
    inside = [r for r in srv.reads[0] if 1000 < r < 1300]
    check(inside == [], "bytes 1000..1299 arrived in one write (reads began at %r)" % inside)
    recs = px.stop()
    want = [{"conn": "1", "dir": "c2s", "kind": "split", "offset": "10", "gap_ms": "5"},
            {"conn": "1", "dir": "c2s", "kind": "split", "offset": "500", "gap_ms": "5"},
            {"conn": "1", "dir": "c2s", "kind": "coalesce", "offset": "1000", "len": "300"}]
    got_c2s = [r for r in faults_of(recs) if r["dir"] == "c2s"]
    check(got_c2s == want, "c2s faults logged: %r" % got_c2s)
    got_s2c = [r for r in faults_of(recs) if r["dir"] == "s2c"]
    check(got_s2c == [{"conn": "1", "dir": "s2c", "kind": "delay", "offset": "0", "ms": "20"},
                      {"conn": "1", "dir": "s2c", "kind": "split", "offset": "1500", "gap_ms": "5"}],
          "s2c faults logged: %r" % got_s2c)
    srv.close()


def run_frames(args, data, seed, script=None):
    """Sends data through a proxy in reads of random sizes; returns (received, recs)."""
    srv = Server()
    px = Proxy(srv.port, args, script=script)
    c = px.connect()
    rng = random.Random(seed)
    i = 0
    while i < len(data):
        n = rng.randint(1, 40)
        c.sendall(data[i:i + n])
        i += n
        if rng.random() < 0.2:
            threading.Event().wait(0.001)
    c.shutdown(socket.SHUT_WR)
    got = srv.wait(0)
    c.close()
    recs = px.stop()
    srv.close()
    return got, recs


def test_flips_are_exactly_logged_and_at_most_two_per_frame():
    data, spans = frame_stream(7, 60)
    got, recs = run_frames(["--seed", "11", "--flip-rate", "0.7"], data, 1)
    check(len(got) == len(data), "flips keep the length")
    diff = set()
    for off, (a, b) in enumerate(zip(data, got)):
        for bit in range(8):
            if (a ^ b) >> bit & 1:
                diff.add((off, bit))
    flips = [r for r in faults_of(recs) if r["kind"] == "flip"]
    logged = set((int(r["offset"]), int(r["bit"])) for r in flips)
    check(len(logged) == len(flips), "no bit logged twice")
    check(diff == logged, "changed bits == logged flips (%d changed, %d logged)" % (len(diff), len(logged)))
    per_frame = {}
    for r in flips:
        per_frame.setdefault(int(r["frame"]), []).append(int(r["offset"]))
    starts = dict(spans)
    for start, offs in per_frame.items():
        check(start in starts, "flip frame= %d is a frame start" % start)
        check(1 <= len(offs) <= 2, "frame %d has %d flips" % (start, len(offs)))
        check(all(start + 2 <= o < starts.get(start, 0) for o in offs), "flips inside frame %d, after 05 64" % start)
    for start, end in spans:
        damaged = start in per_frame
        check(crc_ok(got[start:end]) != damaged, "frame at %d: CRC fails iff flipped" % start)
    check_decode_rejects(got, data, spans, per_frame)
    counts = [len(v) for v in per_frame.values()]
    check(counts.count(1) > 0 and counts.count(2) > 0 and len(per_frame) < len(spans),
          "seed 11 gives 1- and 2-bit frames and clean ones: %r" % counts)
    again, recs2 = run_frames(["--seed", "11", "--flip-rate", "0.7"], data, 2)
    check(again == got and faults_of(recs2) == faults_of(recs),
          "same seed, same stream, other TCP chunking: same flips")
    other, _ = run_frames(["--seed", "12", "--flip-rate", "0.7"], data, 1)
    check(other != got, "another seed flips other bits")


def check_decode_rejects(got, data, spans, damaged):
    """The library's own link parser (through `dnp3 decode`) accepts exactly
    the frames the proxy left intact, in order, and none it flipped."""
    binary = os.environ.get("DNP3_BIN", "")
    if not binary or not os.access(binary, os.X_OK):
        print("note: DNP3_BIN not set, the dnp3 decode check is skipped")
        return
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(got)
        f.flush()
        p = subprocess.run([binary, "decode", "--json", "--file", f.name], capture_output=True,
                           text=True, timeout=60)

    objs = [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
    accepted = [o["link"]["len"] for o in objs if "link" in o]
    intact = [data[a + 2] for a, b in spans if a not in damaged]
    check(accepted == intact, "dnp3 decode accepts the %d intact frames and no flipped one (got %d)" % (
        len(intact), len(accepted)))
    runs = [(o["offset"], o["offset"] + o["discarded"]) for o in objs if "discarded" in o]
    missed = [a for a in damaged if not any(lo <= a < hi for lo, hi in runs)]
    check(missed == [], "each flipped frame is inside a reported discard: missed %r" % missed)


def test_scripted_flips_honour_the_frame_limit():
    fr = frame(10, 1, b"0123456789abcdef0123")
    data = b"\x77" + fr + b"\x77"
    script = "1 c2s flip 0 3\n1 c2s flip 4 0\n1 c2s flip 5 1\n1 c2s flip 20 7\n"
    got, recs = run_frames([], data, 3, script=script)
    want = bytearray(data)
    want[0] ^= 1 << 3
    want[4] ^= 1 << 0
    want[5] ^= 1 << 1
    check(got == bytes(want), "two flips in the frame, one outside it; the third in the frame refused")
    flips = faults_of(recs)
    check(flips == [{"conn": "1", "dir": "c2s", "kind": "flip", "offset": "0", "bit": "3"},
                    {"conn": "1", "dir": "c2s", "kind": "flip", "offset": "4", "bit": "0", "frame": "1"},
                    {"conn": "1", "dir": "c2s", "kind": "flip", "offset": "5", "bit": "1", "frame": "1"}],
          "flips logged: %r" % flips)
    skips = [r for k, r in recs if k == "skip"]
    check(skips == [{"conn": "1", "dir": "c2s", "kind": "flip", "offset": "20", "bit": "7", "reason": "limit"}],
          "third flip in the frame logged as skipped: %r" % skips)


def test_drops_remove_exactly_the_logged_bytes():
    data, spans = frame_stream(8, 40)
    got, recs = run_frames(["--seed", "3", "--drop-rate", "0.3"], data, 4)
    drops = [r for r in faults_of(recs) if r["kind"] == "drop"]
    want = bytearray()
    cut = sorted((int(r["offset"]), int(r["offset"]) + int(r["len"])) for r in drops)
    pos = 0
    for a, b in cut:
        want += data[pos:a]
        pos = b
    want += data[pos:]
    check(got == bytes(want), "received == sent minus the logged frames")
    check(all((a, b) in spans and int(r["frame"]) == a for (a, b), r in zip(cut, drops)),
          "seeded drops are whole frames")
    check(0 < len(drops) < len(spans), "seed 3 drops some frames, not all: %d" % len(drops))
    plain = printable(100, 5)
    got, recs = run_frames([], plain, 5, script="1 c2s drop 7 5\n")
    check(got == plain[:7] + plain[12:], "scripted drop 7+5 removes bytes 7..11")
    check(faults_of(recs) == [{"conn": "1", "dir": "c2s", "kind": "drop", "offset": "7", "len": "5"}],
          "scripted drop logged")


def test_frame_finder_ignores_chunking():
    # In-process: the flips and drops the frame finder decides depend on the
    # seed and the bytes only, never on how the bytes were chunked, and the
    # whole-frame fast path agrees with the byte-by-byte one (forced by a
    # scripted flip far beyond the data).
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.dirname(PROXY))
    import fault_proxy as fp

    class Quiet:
        def __init__(self):
            self.faults = []

        def fault(self, *args, **extra):
            self.faults.append((args, extra))

        def line(self, *args, **extra):
            pass

    data, spans = frame_stream(9, 300)
    opts = fp.parse_args(["--print-plan", "1", "--seed", "4", "--flip-rate", "0.3", "--drop-rate", "0.1"])
    results = []
    for chunk, script in ((len(data), []), (1, []), (7, []), (50, [(None, "c2s", "flip", 10 ** 9, 1)])):
        log = Quiet()
        tr = fp.FrameTracker(fp.Plan(opts, 1, "c2s", script), log, 1, "c2s")
        out = bytearray()
        for i in range(0, len(data), chunk):
            out += tr.feed(data[i:i + chunk], i)
        out += tr.flush()
        results.append((bytes(out), log.faults))
    check(all(r == results[0] for r in results), "same output and faults for every chunking")
    check(len(results[0][1]) > 10, "seed 4 injects faults: %d" % len(results[0][1]))
    # A possible start held too long is released (the sender paused after 05
    # or 05 64): the frame is still found and gets the same flips.
    opts = fp.parse_args(["--print-plan", "1", "--seed", "4", "--flip-rate", "0.5"])
    results = []
    for chunk, release in ((len(data), False), (1, True), (3, True)):
        log = Quiet()
        tr = fp.FrameTracker(fp.Plan(opts, 1, "c2s", []), log, 1, "c2s")
        out = bytearray()
        for i in range(0, len(data), chunk):
            out += tr.feed(data[i:i + chunk], i)
            if release:
                out += tr.release()
        out += tr.flush()
        results.append((bytes(out), log.faults))
    check(all(r == results[0] for r in results), "released starts: same output and flips")


def test_same_seed_same_plan():
    def plan(seed):
        return subprocess.run(
            [sys.executable, PROXY, "--print-plan", "3", "--seed", str(seed), "--cut-every", "2000-20000",
             "--stall-every", "500-5000", "--stall-ms", "100-800", "--split-every", "100-900",
             "--coalesce-every", "1000-3000", "--delay-ms", "1-50"],
            capture_output=True, text=True, check=True).stdout
    a, b, c = plan(42), plan(42), plan(43)
    check(a == b and len(a.splitlines()) > 20, "same seed, same plan")
    check(a != c, "another seed, another plan")
    kinds = set(dict(w.split("=", 1) for w in ln.split()[1:])["kind"] for ln in a.splitlines())
    check(kinds == {"cut", "stall", "split", "coalesce", "delay"}, "plan has every offset-based kind: %r" % kinds)


def main():
    tests = [(k, v) for k, v in sorted(globals().items()) if k.startswith("test_")]
    for name, fn in tests:
        before = len(failures)
        fn()
        print("%s %s" % ("ok  " if len(failures) == before else "FAIL", name))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
