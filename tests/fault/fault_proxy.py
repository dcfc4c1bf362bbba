#!/usr/bin/env python3
"""fault_proxy: a loopback TCP proxy that injects faults between a DNP3 master
and an outstation (test code for issue 9, not part of the library).

    fault_proxy.py --listen 0 --upstream 20000 --seed 7 \\
        --cut-every 2000-20000 --stall-every 500-5000 --stall-ms 100-800 \\
        --flip-rate 0.05 --log /tmp/faults.log

The client (the master) connects to 127.0.0.1:<listen>; for every accepted
connection the proxy connects to 127.0.0.1:<upstream> (the outstation) and
forwards both directions, `c2s` (client to server, master to outstation) and
`s2c`, applying a plan of faults. The first line on stdout is always
`listen port=<n>`.

The plan is a pure function of the seed, the connection number (1, 2, ...),
the direction and the bytes received so far: every offset below is an offset
in the stream *received* from the source on that connection and direction,
counted from 0. Each fault kind draws from its own random stream, seeded with
"<seed>:<conn>:<dir>:<kind>", so the plan does not depend on how TCP happens
to chunk the data. `--print-plan N` prints the offset-based part of the plan
(cut, stall, split, coalesce, delay) for the first N connections without
opening any socket; faults planned past a connection's first cut (in either
direction) never happen. Flips and seeded drops depend on the frames in the
stream too: the same seed and the same bytes give the same ones.

Fault kinds (log `kind=`):
  cut       the bytes before `offset` are forwarded, then both sockets close
            (FIN, or RST with --cut-rst). One per connection at most.
  stall     the bytes before `offset` are forwarded, then this direction
            forwards nothing for `ms`; the other direction keeps flowing.
  delay     every write from `offset` on is held `ms` after it was read.
  split     the bytes before `offset` and the bytes from it are sent in two
            writes, `gap_ms` apart (TCP_NODELAY is set, so two segments).
  coalesce  the bytes [offset, offset+len) are held until all have arrived
            (or --coalesce-hold-ms passed) and sent in one write; `len` logs
            what was actually sent together.
  drop      the bytes [offset, offset+len) are not forwarded. Seeded drops
            remove whole link frames (`frame=` gives the frame's offset).
  flip      bit `bit` (0 = least significant) of the byte at `offset` is
            inverted. Seeded flips only land inside DNP3 link frames (scripted
            ones land where asked; `frame=` is absent outside a frame, and
            inside one they count against its limit), which the proxy
            finds itself (05 64 start, LEN octet: 10 + n + 2*ceil(n/16) octets
            for n = LEN-5 user octets), never in the two start octets, and never
            more than 2 bits per frame: CRC-16/DNP detects every 1- and 2-bit
            error within a frame (IEEE 1815-2012 9.2.4.2), so a flipped frame is
            always rejected and a test never depends on luck. A possible start
            (05, or 05 64) is held until its LEN octet arrives, at most
            --hold-start-ms; released earlier, the frame is still found and
            flipped alike, but then never dropped.

Log: one line per record, `<record> key=value ...`, flushed at once:
  listen port=N
  open conn=N
  refused conn=N reason=<exception>   (the upstream could not be reached;
            the client's connection is closed)
  fault conn=N dir=c2s|s2c kind=K offset=O [ms=M] [len=L] [bit=B] [frame=F] [gap_ms=G]
  skip conn=N dir=D kind=flip offset=O bit=B reason=limit   (a scripted flip
            refused because its frame already has 2 flipped bits)
  close conn=N c2s=<bytes read> s2c=<bytes read>
  summary faults=T cut=.. stall=.. delay=.. split=.. coalesce=.. drop=.. flip=.. conns=N
`summary` is written when the proxy ends on SIGTERM or SIGINT (exit code 0).

Script file (--script), one fault per line, `#` starts a comment:
  <conn|*> <c2s|s2c> cut <offset>
  <conn|*> <dir> stall <offset> <ms>
  <conn|*> <dir> delay <offset> <ms>
  <conn|*> <dir> split <offset>
  <conn|*> <dir> coalesce <offset> <len>
  <conn|*> <dir> drop <offset> <len>
  <conn|*> <dir> flip <offset> <bit>
Script faults and seeded faults may be combined.
"""
import argparse
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time

KINDS = ("cut", "stall", "delay", "split", "coalesce", "drop", "flip")
DIRS = ("c2s", "s2c")
NEVER = float("inf")


class Log:
    """Thread-safe, line-flushed fault log and counters."""

    def __init__(self, stream):
        self.stream = stream
        self.lock = threading.Lock()
        self.counts = dict((k, 0) for k in KINDS)
        self.conns = 0

    def line(self, record, **fields):
        text = record + "".join(" %s=%s" % (k, v) for k, v in fields.items())
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def fault(self, conn, direction, kind, offset, **extra):
        with self.lock:
            self.counts[kind] += 1
        self.line("fault", conn=conn, dir=direction, kind=kind, offset=offset, **extra)

    def summary(self):
        with self.lock:
            counts = dict(self.counts)
        self.line("summary", faults=sum(counts.values()), **counts, conns=self.conns)


def parse_range(text):
    """'A-B' or 'A' -> (A, B) integers, A <= B."""
    lo, _, hi = text.partition("-")
    lo = int(lo)
    hi = int(hi) if hi else lo
    if lo < 0 or hi < lo:
        raise argparse.ArgumentTypeError("bad range %r" % text)
    return (lo, hi)


def frame_size(length_octet):
    """Total octets of an FT3 frame whose LEN octet is given (IEEE 1815-2012 9.2.4.1.2)."""
    n = length_octet - 5
    return 10 + n + 2 * ((n + 15) // 16)


class Schedule:
    """Offsets of one seeded, offset-based fault kind in one direction."""

    def __init__(self, rng, every, param=None):
        self.rng = rng
        self.every = every
        self.param = param
        self.next = NEVER
        self.value = None
        if every:
            self.next = rng.randint(*every)
            self._draw_value()

    def _draw_value(self):
        self.value = self.rng.randint(*self.param) if self.param else None

    def advance(self):
        self.next += max(1, self.rng.randint(*self.every))
        self._draw_value()


class Plan:
    """Everything one direction of one connection will do, from seed + script."""

    def __init__(self, opts, conn, direction, script):
        def rng(kind):
            return random.Random("%d:%d:%s:%s" % (opts.seed, conn, direction, kind))

        self.cut = Schedule(rng("cut"), opts.cut_every)
        self.stall = Schedule(rng("stall"), opts.stall_every, opts.stall_ms)
        self.split = Schedule(rng("split"), opts.split_every)
        self.coalesce = Schedule(rng("coalesce"), opts.coalesce_every, opts.coalesce_len)
        self.flip_rng = rng("flip")
        self.drop_rng = rng("drop")
        self.flip_rate = opts.flip_rate
        self.drop_rate = opts.drop_rate
        self.delay_ms = opts.delay_ms
        # Scripted faults for this connection and direction: {kind: [(offset, arg)]}.
        self.script = dict((k, []) for k in KINDS)
        for c, d, kind, offset, arg in script:
            if (c is None or c == conn) and d == direction:
                self.script[kind].append((offset, arg))
        for items in self.script.values():
            items.sort()

    def scripted_at(self, kind, lo, hi):
        """Scripted faults of a kind with lo <= offset < hi."""
        return [(o, a) for o, a in self.script[kind] if lo <= o < hi]

    def first_scripted(self, kind, lo):
        for o, a in self.script[kind]:
            if o >= lo:
                return o
        return NEVER


class FrameTracker:
    """Finds DNP3 link frames in one direction's received stream and applies the
    byte-level faults: seeded whole-frame drops, flips (seeded and scripted, at
    most 2 bits per frame) and scripted byte drops. A possible frame start (05,
    or 05 64) is held back until its LEN octet shows whether it is a frame."""

    HUNT, S05, S64, FRAME = range(4)

    def __init__(self, plan, log, conn, direction):
        self.plan = plan
        self.log = log
        self.conn = conn
        self.dir = direction
        self.state = self.HUNT
        self.pending = bytearray()  # held 05 or 05 64
        self.pending_at = 0  # offset of pending[0]
        self.released = False  # pending was already forwarded (see release)
        self.start = 0  # offset of the current frame's 05
        self.end = 0  # offset just past the current frame
        self.flips = {}  # offset -> xor mask of the seeded flips of this frame
        self.nflips = 0
        self.dropping = False
        self.sflips = {}
        for o, bit in plan.script["flip"]:
            self.sflips.setdefault(o, []).append(bit)
        self.sdrops = [(o, o + n) for o, n in plan.script["drop"]]

    def feed(self, data, base):
        """The bytes to forward for `data`, received at stream offset `base`."""
        out = bytearray()
        i, n = 0, len(data)
        scripted = bool(self.sflips or self.sdrops)
        while i < n:
            if scripted:
                self._step(out, data[i], base + i)
                i += 1
            elif self.state == self.FRAME:
                i = self._frame_run(out, data, base, i)
            elif self.state == self.HUNT:
                # Fast path: bytes before the next 05 are forwarded as they are.
                k = data.find(b"\x05", i)
                k = n if k < 0 else k
                out += data[i:k]
                if k < n:
                    self._step(out, data[k], base + k)
                    k += 1
                i = k
            else:
                self._step(out, data[i], base + i)
                i += 1
        return bytes(out)

    def _frame_run(self, out, data, base, i):
        """Forwards the rest of the current frame found in data[i:] at once
        (seeded flips and drops only). Returns the index after it."""
        offset = base + i
        j = min(len(data), i + (self.end - offset))
        if not self.dropping:
            run = bytearray(data[i:j])
            for o, mask in self.flips.items():
                if offset <= o < offset + len(run):
                    run[o - offset] ^= mask
            out += run
        if base + j >= self.end:
            self.state = self.HUNT
        return j

    def flush(self):
        """Forwards a held possible start and forgets it (at end of stream)."""
        out = self.release()
        self.pending = bytearray()
        self.released = False
        if self.state != self.FRAME:
            self.state = self.HUNT
        return out

    def holding(self):
        return bool(self.pending) and not self.released

    def release(self):
        """Forwards a held possible start now, without forgetting it: the
        frame, if the next bytes make one, is still found and still gets the
        same flips, so the plan does not depend on timing. Only its seeded
        drop is given up (never a dangling 05 64 on the wire)."""
        out = bytearray()
        if not self.released:
            for i, byte in enumerate(self.pending):
                self._emit(out, byte, self.pending_at + i, False)
            self.released = bool(self.pending)
        return bytes(out)

    def _step(self, out, byte, offset):
        st = self.state
        if st == self.FRAME:
            self._emit(out, byte, offset, True)
            if offset + 1 >= self.end:
                self.state = self.HUNT
        elif st == self.S64 and byte >= 5:
            self._begin(offset, byte, self.released)
            if not self.released:
                for i, b in enumerate(self.pending):
                    self._emit(out, b, self.pending_at + i, True)
            self.pending = bytearray()
            self.released = False
            self._emit(out, byte, offset, True)
            self.state = self.FRAME
        elif st == self.S05 and byte == 0x64:
            self.pending.append(byte)
            if self.released:
                self._emit(out, byte, offset, False)
            self.state = self.S64
        else:
            out.extend(self.flush())
            if byte == 0x05:
                self.pending = bytearray([byte])
                self.pending_at = offset
                self.released = False
                self.state = self.S05
            else:
                self._emit(out, byte, offset, False)

    def _begin(self, offset, length_octet, start_sent):
        """`offset` is the LEN octet of a frame that starts at offset-2;
        start_sent: its 05 64 were already forwarded (so it is not dropped)."""
        self.start = offset - 2
        self.end = self.start + frame_size(length_octet)
        self.flips = {}
        self.nflips = 0
        # Always the same draws per frame, so the plan depends only on the stream.
        drop = self.plan.drop_rng.random() < self.plan.drop_rate
        flip = self.plan.flip_rng.random() < self.plan.flip_rate
        k = self.plan.flip_rng.choice((1, 2))
        # Bit positions from the LEN octet on: the start octets are never flipped.
        bits = sorted(self.plan.flip_rng.sample(range((self.end - offset) * 8), k))
        self.dropping = drop and not start_sent
        if self.dropping:
            self.log.fault(self.conn, self.dir, "drop", self.start,
                           len=self.end - self.start, frame=self.start)
        elif flip:
            for b in bits:
                if self._count_flip(offset + b // 8, b % 8):
                    self.flips[offset + b // 8] = self.flips.get(offset + b // 8, 0) | (1 << (b % 8))

    def _count_flip(self, offset, bit):
        if self.nflips >= 2:
            self.log.line("skip", conn=self.conn, dir=self.dir, kind="flip",
                          offset=offset, bit=bit, reason="limit")
            return False
        self.nflips += 1
        self.log.fault(self.conn, self.dir, "flip", offset, bit=bit, frame=self.start)
        return True

    def _emit(self, out, byte, offset, in_frame):
        if in_frame and self.dropping:
            return
        for lo, hi in self.sdrops:
            if lo <= offset < hi:
                return
        mask = self.flips.get(offset, 0) if in_frame else 0
        for bit in self.sflips.get(offset, ()):
            if not in_frame:
                self.log.fault(self.conn, self.dir, "flip", offset, bit=bit)
                mask ^= 1 << bit
            elif self._count_flip(offset, bit):
                mask ^= 1 << bit
        out.append(byte ^ mask)


class Connection:
    """One accepted client and its upstream socket, with a pump per direction."""

    def __init__(self, proxy, n, client, upstream):
        self.proxy = proxy
        self.n = n
        self.socks = {"c2s": (client, upstream), "s2c": (upstream, client)}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.read = {"c2s": 0, "s2c": 0}
        self.cut_done = False
        self.threads = [threading.Thread(target=self._pump, args=(d,), daemon=True) for d in DIRS]
        self.finished = 0

    def start(self):
        for t in self.threads:
            t.start()

    def cut(self):
        with self.lock:
            self.stop.set()
            for s in self.socks["c2s"]:
                try:
                    if self.proxy.opts.cut_rst:
                        # The final close() then sends RST; SHUT_RD wakes the other pump.
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        s.shutdown(socket.SHUT_RD)
                    else:
                        s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _pump(self, direction):
        src, dst = self.socks[direction]
        plan = Plan(self.proxy.opts, self.n, direction, self.proxy.script)
        pump = Pump(self, direction, src, dst, plan)
        try:
            pump.run()
        except OSError:
            # A peer reset or vanished: end both directions (not a fault of ours).
            self.cut()
        self.read[direction] = pump.off
        with self.lock:
            self.finished += 1
            last = self.finished == 2
        if last:
            for s in self.socks["c2s"]:
                s.close()
            self.proxy.log.line("close", conn=self.n, c2s=self.read["c2s"], s2c=self.read["s2c"])
            self.proxy.forget(self)


class Pump:
    """Forwards one direction of one connection, applying its plan."""

    def __init__(self, conn, direction, src, dst, plan):
        self.conn = conn
        self.dir = direction
        self.src = src
        self.dst = dst
        self.plan = plan
        self.log = conn.proxy.log
        self.opts = conn.proxy.opts
        self.tracker = FrameTracker(plan, self.log, conn.n, direction)
        self.off = 0  # received bytes so far
        self.delay = 0.0  # seconds each write is held after it was read
        self.coalescing = None  # (offset, end, deadline) while coalescing
        self.cobuf = bytearray()
        self.seeded_delay = None
        if self.opts.delay_ms:
            self.seeded_delay = random.Random("%d:%d:%s:delay" % (
                self.opts.seed, conn.n, direction)).randint(*self.opts.delay_ms)

    def fault(self, kind, offset, **extra):
        self.log.fault(self.conn.n, self.dir, kind, offset, **extra)

    def run(self):
        while not self.conn.stop.is_set():
            timeout = 0.2
            if self.tracker.holding():
                timeout = self.opts.hold_start_ms / 1000.0
            if self.coalescing:
                timeout = max(0.0, min(timeout, self.coalescing[2] - time.monotonic()))
            ready, _, _ = select.select([self.src], [], [], timeout)
            if self.conn.stop.is_set():
                return
            if not ready:
                self._idle()
                continue
            data = self.src.recv(65536)
            if not data:
                self._end_coalesce()
                self._send(self.tracker.flush(), time.monotonic())
                try:
                    self.dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            if not self._process(data, time.monotonic()):
                return

    def _idle(self):
        if self.coalescing and time.monotonic() >= self.coalescing[2]:
            self._end_coalesce()
        if self.tracker.holding() and not self.coalescing:
            self._send(self.tracker.release(), time.monotonic())

    def _next_event(self):
        p = self.plan
        cands = [p.cut.next, p.stall.next, p.split.next,
                 p.first_scripted("cut", self.off), p.first_scripted("stall", self.off),
                 p.first_scripted("split", self.off), p.first_scripted("delay", self.off),
                 p.first_scripted("drop", self.off)]
        if self.coalescing:
            cands.append(self.coalescing[1])
        else:
            cands += [p.coalesce.next, p.first_scripted("coalesce", self.off)]
        if self.seeded_delay is not None:
            cands.append(0)
        return min(cands)

    def _process(self, data, t_read):
        """Forwards data, handling every fault whose offset falls in it.
        Returns False once the connection was cut."""
        while data:
            nxt = self._next_event()
            if nxt <= self.off:
                if not self._events():
                    return False
                continue
            piece = data[:nxt - self.off] if nxt != NEVER else data
            data = data[len(piece):]
            out = self.tracker.feed(piece, self.off)
            self.off += len(piece)
            self._forward(out, t_read)
        return True

    def _events(self):
        """Handles every fault at offset self.off (cut first)."""
        p, off = self.plan, self.off
        if p.cut.next <= off or p.first_scripted("cut", off) == off:
            self._end_coalesce()
            self._send(self.tracker.release(), time.monotonic())
            with self.conn.lock:
                first = not self.conn.cut_done
                self.conn.cut_done = True
            if first:
                self.fault("cut", off)
            self.conn.cut()
            return False
        if self.seeded_delay is not None:
            self.delay = self.seeded_delay / 1000.0
            self.fault("delay", off, ms=self.seeded_delay)
            self.seeded_delay = None
        for _, ms in p.scripted_at("delay", off, off + 1):
            self.delay = ms / 1000.0
            self.fault("delay", off, ms=ms)
        if self.coalescing and self.coalescing[1] <= off:
            self._end_coalesce()
        if not self.coalescing:
            self._start_coalesce(off)
        for _, n in p.scripted_at("drop", off, off + 1):
            self.fault("drop", off, len=n)
        self._split_and_stall(off)
        self._skip_scripted(off)
        return True

    def _start_coalesce(self, off):
        p = self.plan
        n = None
        if p.coalesce.next <= off:
            n = p.coalesce.value
            p.coalesce.advance()
        for _, ln in p.scripted_at("coalesce", off, off + 1):
            n = ln
        if n:
            deadline = time.monotonic() + self.opts.coalesce_hold_ms / 1000.0
            self.coalescing = (off, off + n, deadline)

    def _end_coalesce(self):
        if not self.coalescing:
            return
        start = self.coalescing[0]
        self.coalescing = None
        self.fault("coalesce", start, len=self.off - start)
        buf, self.cobuf = bytes(self.cobuf), bytearray()
        self._send(buf, time.monotonic())

    def _split_and_stall(self, off):
        p = self.plan
        split = p.split.next <= off or p.scripted_at("split", off, off + 1)
        if p.split.next <= off:
            p.split.advance()
        if split and not self.coalescing:
            self._send(self.tracker.release(), time.monotonic())
            self.fault("split", off, gap_ms=self.opts.split_gap_ms)
            self.conn.stop.wait(self.opts.split_gap_ms / 1000.0)
        stall_ms = []
        if p.stall.next <= off:
            stall_ms.append(p.stall.value)
            p.stall.advance()
        stall_ms += [ms for _, ms in p.scripted_at("stall", off, off + 1)]
        for ms in stall_ms:
            self._end_coalesce()
            self._send(self.tracker.release(), time.monotonic())
            self.fault("stall", off, ms=ms)
            self.conn.stop.wait(ms / 1000.0)

    def _skip_scripted(self, off):
        """Marks the scripted faults at `off` as done (they are sorted)."""
        for kind in ("stall", "split", "delay", "drop", "coalesce"):
            items = self.plan.script[kind]
            while items and items[0][0] <= off:
                items.pop(0)

    def _forward(self, out, t_read):
        if self.coalescing:
            self.cobuf.extend(out)
            if self.off >= self.coalescing[1]:
                self._end_coalesce()
            return
        self._send(out, t_read)

    def _send(self, out, t_read):
        if not out:
            return
        if self.delay:
            wait = t_read + self.delay - time.monotonic()
            if wait > 0:
                self.conn.stop.wait(wait)
        self.dst.sendall(out)


class Proxy:
    def __init__(self, opts, script, log):
        self.opts = opts
        self.script = script
        self.log = log
        self.conns = set()
        self.lock = threading.Lock()
        self.stopping = False

    def forget(self, conn):
        with self.lock:
            self.conns.discard(conn)

    def serve(self, listener):
        n = 0
        parent = os.getppid()
        while not self.stopping:
            if self.opts.exit_with_parent and os.getppid() != parent:
                break
            try:
                ready, _, _ = select.select([listener], [], [], 0.2)
            except InterruptedError:
                continue
            if not ready or self.stopping:
                continue
            client, _ = listener.accept()
            n += 1
            self.log.conns = n
            try:
                upstream = socket.create_connection(("127.0.0.1", self.opts.upstream), timeout=5)
                upstream.settimeout(None)
            except OSError as e:
                self.log.line("refused", conn=n, reason=type(e).__name__)
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(self, n, client, upstream)
            with self.lock:
                self.conns.add(conn)
            self.log.line("open", conn=n)
            conn.start()

    def shutdown(self):
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            c.stop.set()
            for s in c.socks["c2s"]:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for c in conns:
            for t in c.threads:
                t.join(2.0)


def read_script(path):
    """Parses a script file into (conn or None, dir, kind, offset, arg) tuples."""
    nargs = {"cut": 0, "split": 0, "stall": 1, "delay": 1, "coalesce": 1, "drop": 1, "flip": 1}
    out = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            where = "%s:%d" % (path, lineno)
            if len(words) < 4 or words[2] not in nargs or words[1] not in DIRS:
                raise SystemExit("%s: expected '<conn|*> <c2s|s2c> <kind> <offset> [arg]'" % where)
            kind = words[2]
            if len(words) != 4 + nargs[kind]:
                raise SystemExit("%s: %s takes %d argument(s) after the offset" % (where, kind, nargs[kind]))
            conn = None if words[0] == "*" else int(words[0])
            arg = int(words[4]) if nargs[kind] else None
            if kind == "flip" and not 0 <= arg <= 7:
                raise SystemExit("%s: bit must be 0..7" % where)
            out.append((conn, words[1], kind, int(words[3]), arg))
    return out


def print_plan(opts, script, out):
    """The offset-based faults the seed plans for the first connections."""
    for conn in range(1, opts.print_plan + 1):
        for d in DIRS:
            p = Plan(opts, conn, d, script)
            if opts.delay_ms:
                ms = random.Random("%d:%d:%s:delay" % (opts.seed, conn, d)).randint(*opts.delay_ms)
                out.write("plan conn=%d dir=%s kind=delay offset=0 ms=%d\n" % (conn, d, ms))
            if p.cut.next != NEVER:
                out.write("plan conn=%d dir=%s kind=cut offset=%d\n" % (conn, d, p.cut.next))
            for kind, sched, key in (("stall", p.stall, "ms"), ("split", p.split, None),
                                     ("coalesce", p.coalesce, "len")):
                while sched.next < opts.plan_bytes:
                    extra = " %s=%d" % (key, sched.value) if key else ""
                    out.write("plan conn=%d dir=%s kind=%s offset=%d%s\n" % (conn, d, kind, sched.next, extra))
                    sched.advance()


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", type=int, default=0, help="port on 127.0.0.1 (0: any; see the 'listen' line)")
    ap.add_argument("--upstream", type=int, help="outstation port on 127.0.0.1")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cut-every", type=parse_range, help="bytes A-B between cuts (per direction)")
    ap.add_argument("--cut-rst", action="store_true", help="cut with RST instead of FIN")
    ap.add_argument("--stall-every", type=parse_range, help="bytes A-B between stalls")
    ap.add_argument("--stall-ms", type=parse_range, default=(200, 200), help="stall length A-B ms")
    ap.add_argument("--delay-ms", type=parse_range, help="latency A-B ms (drawn once per connection and direction)")
    ap.add_argument("--split-every", type=parse_range, help="bytes A-B between split points")
    ap.add_argument("--split-gap-ms", type=int, default=5)
    ap.add_argument("--coalesce-every", type=parse_range, help="bytes A-B between coalesced runs")
    ap.add_argument("--coalesce-len", type=parse_range, default=(64, 512), help="bytes A-B sent in one write")
    ap.add_argument("--coalesce-hold-ms", type=int, default=200, help="longest hold for a coalesced run")
    ap.add_argument("--flip-rate", type=float, default=0.0, help="chance a link frame gets 1 or 2 flipped bits")
    ap.add_argument("--drop-rate", type=float, default=0.0, help="chance a whole link frame is dropped")
    ap.add_argument("--hold-start-ms", type=int, default=100,
                    help="longest hold of a 05 or 05 64 awaiting the LEN octet")
    ap.add_argument("--script", help="explicit faults, one per line (see the module doc)")
    ap.add_argument("--log", help="fault log file (default: stdout)")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="end (as on SIGTERM) when the parent process ends: for test scripts")
    ap.add_argument("--print-plan", type=int, default=0, metavar="N",
                    help="print the seeded offset-based plan of the first N connections and exit")
    ap.add_argument("--plan-bytes", type=int, default=100000, help="how far --print-plan looks")
    opts = ap.parse_args(argv)
    if opts.upstream is None and not opts.print_plan:
        ap.error("--upstream is required")
    for rate in (opts.flip_rate, opts.drop_rate):
        if not 0.0 <= rate <= 1.0:
            ap.error("rates are between 0 and 1")
    return opts


def main(argv):
    opts = parse_args(argv)
    script = read_script(opts.script) if opts.script else []
    if opts.print_plan:
        print_plan(opts, script, sys.stdout)
        return 0
    stream = open(opts.log, "w") if opts.log else sys.stdout
    log = Log(stream)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", opts.listen))
    listener.listen(64)
    proxy = Proxy(opts, script, log)

    def on_signal(signum, frame):
        proxy.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    port = listener.getsockname()[1]
    sys.stdout.write("listen port=%d\n" % port)
    sys.stdout.flush()
    if stream is not sys.stdout:
        log.line("listen", port=port)
    proxy.serve(listener)
    listener.close()
    proxy.shutdown()
    log.summary()
    if stream is not sys.stdout:
        stream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
