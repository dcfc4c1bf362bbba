"""dnp3wire: a small DNP3 master for end-to-end tests, written from the standard
(IEEE 1815-2012 clauses 9 link, 8 transport, 4 application), independent of the C code.

    m = Master("127.0.0.1", port, master=1, outstation=10)
    rsp = m.request(FC_READ, CLASS_0123)     # confirms what asks for it, returns the response
    rsp.iin, rsp.func, rsp.objects            # IIN1 << 8 | IIN2, 0x81, bytes after the header
    m.close()

Also: a Process helper that starts `dnp3 outstation` and reads the port it listens on.
"""
import os
import re
import select
import signal
import socket
import struct
import subprocess
import time

# Every wait below is this many times longer: `make valgrind` runs the `dnp3` processes
# under valgrind (scripts/valgrind.sh sets DNP3C_TIME_SCALE), which starts and runs them
# several times slower.
TIME_SCALE = float(os.environ.get("DNP3C_TIME_SCALE") or 1)

# ---- CRC-16/DNP (9.2.4.1.6): polynomial 0x3D65, reflected, complemented ----------------------
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0xA6BC if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc(data):
    c = 0
    for b in data:
        c = (c >> 8) ^ _TABLE[(c ^ b) & 0xFF]
    return struct.pack("<H", (~c) & 0xFFFF)


# ---- link layer ----------------------------------------------------------------------------
LINK_UNCONFIRMED = 4  # primary: UNCONFIRMED_USER_DATA
LINK_REQUEST_STATUS = 9
LINK_RESET = 0
LINK_STATUS = 11  # secondary


def frame(ctrl, dst, src, user=b""):
    """One FT3 frame: header block + 16-byte data blocks, each with its CRC."""
    hdr = bytes([0x05, 0x64, 5 + len(user), ctrl]) + struct.pack("<HH", dst, src)
    out = hdr + crc(hdr)
    for i in range(0, len(user), 16):
        blk = user[i:i + 16]
        out += blk + crc(blk)
    return out


def master_ctrl(func, prm=True):
    return 0x80 | (0x40 if prm else 0) | func  # DIR=1: from a master


# ---- application layer ---------------------------------------------------------------------
FC_CONFIRM, FC_READ, FC_WRITE = 0, 1, 2
FC_SELECT, FC_OPERATE, FC_DIRECT_OPERATE, FC_DIRECT_OPERATE_NR = 3, 4, 5, 6
FC_ENABLE_UNSOLICITED, FC_DISABLE_UNSOLICITED = 20, 21
FC_RESPONSE, FC_UNSOLICITED = 0x81, 0x82

CLASS_0123 = bytes.fromhex("3c0206 3c0306 3c0406 3c0106")  # class 1, 2, 3, 0 (all)
CLASS_0 = bytes.fromhex("3c0106")
CLASS_123 = bytes.fromhex("3c0206 3c0306 3c0406")
CLEAR_RESTART = bytes.fromhex("500100 0707 00")  # write g80v1 index 7 = 0

IIN_DEVICE_RESTART = 0x8000
IIN_NEED_TIME = 0x1000
IIN_CLASS1, IIN_CLASS2, IIN_CLASS3 = 0x0200, 0x0400, 0x0800
IIN_NO_FUNC, IIN_OBJECT_UNKNOWN, IIN_PARAM_ERROR = 0x0001, 0x0002, 0x0004


def crob(index, code, count=1, on_ms=100, off_ms=100, status=0):
    """g12v1 with qualifier 0x28 (count 1, 2-octet index)."""
    return bytes([12, 1, 0x28]) + struct.pack("<HH", 1, index) + bytes([code, count]) + \
        struct.pack("<IIB", on_ms, off_ms, status)


class Fragment:
    def __init__(self, src, dst, data):
        self.src, self.dst, self.data = src, dst, data
        self.control = data[0]
        self.seq = data[0] & 0x0F
        self.con = bool(data[0] & 0x20)
        self.uns = bool(data[0] & 0x10)
        self.func = data[1]
        self.iin = (data[2] << 8) | data[3] if len(data) >= 4 else 0
        self.objects = data[4:]

    def __repr__(self):
        return "Fragment(func=0x%02x seq=%d con=%d uns=%d iin=0x%04x %s)" % (
            self.func, self.seq, self.con, self.uns, self.iin, self.objects.hex())


class Master:
    def __init__(self, host, port, master=1, outstation=10, timeout=5.0, sock=None):
        self.master, self.outstation, self.timeout = master, outstation, timeout * TIME_SCALE
        self.sock = sock or socket.create_connection((host, port), timeout=self.timeout)
        self.buf = b""
        self.seq = 0
        self.tseq = 0
        self.partial = None
        self.unsolicited = []  # unsolicited fragments seen (confirmed when asked)
        self.link_frames = []  # (ctrl, dst, src) of every header-only frame received

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending --
    def send_raw(self, data):
        self.sock.sendall(data)

    def send_fragment(self, apdu, dst=None):
        """Segments apdu (transport header + up to 249 octets each) into unconfirmed frames."""
        dst = self.outstation if dst is None else dst
        chunks = [apdu[i:i + 249] for i in range(0, len(apdu), 249)] or [b""]
        out = b""
        for i, ch in enumerate(chunks):
            th = (0x40 if i == 0 else 0) | (0x80 if i == len(chunks) - 1 else 0) | self.tseq
            self.tseq = (self.tseq + 1) & 0x3F
            out += frame(master_ctrl(LINK_UNCONFIRMED), dst, self.master, bytes([th]) + ch)
        self.send_raw(out)

    def send_request(self, func, objects=b"", seq=None, dst=None):
        if seq is None:
            seq = self.seq
            self.seq = (self.seq + 1) & 0x0F
        self.send_fragment(bytes([0xC0 | seq, func]) + objects, dst)
        return seq

    def confirm(self, frag):
        ac = 0xC0 | (0x10 if frag.uns else 0) | frag.seq
        self.send_fragment(bytes([ac, FC_CONFIRM]))

    # -- receiving --
    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer from the outstation")
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            raise TimeoutError("no answer from the outstation")
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("outstation closed the connection")
        self.buf += data

    def _frame(self, deadline):
        """Next link frame: (ctrl, dst, src, user data), CRCs checked."""
        while True:
            i = self.buf.find(b"\x05\x64")
            if i > 0:
                raise AssertionError("garbage before a frame: %s" % self.buf[:i].hex())
            if len(self.buf) >= 10:
                length = self.buf[2]
                nuser = length - 5
                total = 10 + nuser + 2 * ((nuser + 15) // 16)
                if len(self.buf) >= total:
                    raw, self.buf = self.buf[:total], self.buf[total:]
                    assert crc(raw[:8]) == raw[8:10], "header CRC"
                    user, pos = b"", 10
                    while pos < total:
                        n = min(16, total - pos - 2)
                        blk = raw[pos:pos + n]
                        assert crc(blk) == raw[pos + n:pos + n + 2], "block CRC"
                        user += blk
                        pos += n + 2
                    dst, src = struct.unpack("<HH", raw[4:8])
                    return raw[3], dst, src, user
            self._recv(deadline)

    def fragment(self, timeout=None):
        """Next application fragment from the outstation (link requests answered)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            ctrl, dst, src, user = self._frame(deadline)
            assert not ctrl & 0x80, "DIR bit set by the outstation"
            func = ctrl & 0x0F
            if not user:
                self.link_frames.append((ctrl, dst, src))
                if ctrl & 0x40 and func == LINK_REQUEST_STATUS:  # keep-alive: answer it
                    self.send_raw(frame(0x80 | LINK_STATUS, src, self.master))
                continue
            th, seg = user[0], user[1:]
            if th & 0x40:
                self.partial = seg
            elif self.partial is not None:
                self.partial += seg
            if th & 0x80 and self.partial is not None:
                data, self.partial = self.partial, None
                return Fragment(src, dst, data)

    def response(self, timeout=None, confirm=True):
        """Next solicited response; unsolicited ones met on the way are kept and confirmed."""
        while True:
            f = self.fragment(timeout)
            if f.func == FC_UNSOLICITED:
                self.unsolicited.append(f)
                if f.con:
                    self.confirm(f)
                continue
            if f.con and confirm:
                self.confirm(f)
            return f

    def request(self, func, objects=b"", timeout=None, confirm=True):
        """One request; returns the response (the first fragment if there are several)."""
        seq = self.send_request(func, objects)
        f = self.response(timeout, confirm)
        assert f.seq == seq, "response sequence %d, request %d" % (f.seq, seq)
        return f

    def request_all(self, func, objects=b""):
        """A request whose response may be several fragments: all of them, confirmed."""
        frags = [self.request(func, objects)]
        while not frags[-1].control & 0x40:  # until FIN
            frags.append(self.response())
        return frags

    def wait_unsolicited(self, timeout, pred=lambda f: True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for f in self.unsolicited:
                if pred(f):
                    return f
            try:
                f = self.fragment(max(0.05, deadline - time.monotonic()))
            except TimeoutError:
                break
            if f.func == FC_UNSOLICITED:
                self.unsolicited.append(f)
                if f.con:
                    self.confirm(f)
        for f in self.unsolicited:
            if pred(f):
                return f
        return None


# ---- the process under test -----------------------------------------------------------------
def _die_with_parent():
    """In the child: SIGKILL when the test process dies (a killed test leaves no process)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Outstation:
    """`dnp3 outstation ARGS` with its stderr in a file; .port is the port it listens on."""

    def __init__(self, binary, args, logdir, name="outstation", wait_listen=True):
        self.err_path = os.path.join(logdir, name + ".err")
        self.out_path = os.path.join(logdir, name + ".out")
        self.errf = open(self.err_path, "w")
        self.outf = open(self.out_path, "w")
        self.proc = subprocess.Popen([binary, "outstation"] + args, stdout=self.outf,
                                     stderr=self.errf, preexec_fn=_die_with_parent)
        self.port = None
        if wait_listen:
            self.port = self._wait_port()

    def log(self):
        with open(self.err_path) as f:
            return f.read()

    def out(self):
        with open(self.out_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=5.0):
        deadline = time.monotonic() + timeout * TIME_SCALE
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log())
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("log never matched %r:\n%s" % (pattern, self.log()))

    def _wait_port(self):
        m = self.wait_log(r"listening on [^\s]*:(\d+) \(")
        return int(m.group(1))

    def counters(self, timeout=5.0):
        """SIGUSR1, then the counter lines printed on stdout, as {line prefix: {name: value}}."""
        before = self.out().count("runtime:")
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout * TIME_SCALE
        while time.monotonic() < deadline:
            text = self.out()
            if text.count("runtime:") > before and text.rstrip().split("\n")[-1].startswith(
                    "association"):
                break
            time.sleep(0.05)
        text = self.out()
        block = text[text.rfind("runtime:"):]
        result = {}
        for line in block.strip().split("\n"):
            head, _, rest = line.partition(": ")
            result[head] = {k: int(v) for k, v in (kv.split("=") for kv in rest.split())}
        return result

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal it and wait; returns the exit status (kills it if it hangs)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout * TIME_SCALE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("outstation did not stop within %ss" % timeout)
        self.errf.close()
        self.outf.close()
        return self.proc.returncode


# tshark 4.0.17 does not advance past the value of g43v1 and g43v3 (32-bit analog command
# events) and marks the packet malformed (../shared/TSHARK.md): the one exemption, by packet.
TSHARK_BLIND_OBJECTS = (0x2B01, 0x2B03)


def _blind_frames(base):
    out = subprocess.run(base + ["-Y", "_ws.malformed", "-T", "fields", "-E", "occurrence=a",
                                 "-E", "aggregator=|", "-e", "frame.number", "-e", "dnp3.al.obj"],
                         capture_output=True, text=True)
    blind = set()
    for line in out.stdout.strip().split("\n"):
        if not line:
            continue
        num, _, objs = line.partition("\t")
        if any(int(o, 0) in TSHARK_BLIND_OBJECTS for o in objs.split("|") if o):
            blind.add(num)
    return blind


def tshark_check(pcap, port, allow_iin_abnormal=False):
    """Every TCP payload on port is DNP3; no malformed packet, no CRC or other expert
    warning (dnp3.iin_abnormal only when allowed; a packet tshark marks malformed only
    because it holds g43v1/g43v3, see TSHARK_BLIND_OBJECTS, is exempt). Returns the list
    of problems."""
    problems = []
    base = ["tshark", "-n", "-r", pcap, "-d", "tcp.port==%d,dnp3" % port]
    out = subprocess.run(base + ["-Y", "tcp.port==%d && tcp.len > 0 && !dnp3" % port],
                         capture_output=True, text=True)
    if out.stdout.strip():
        problems.append("payloads not dissected as DNP3:\n" + out.stdout)
    display = "_ws.malformed || _ws.expert.severity >= warning"
    if allow_iin_abnormal:  # only packets whose warnings are something else than iin_abnormal
        display = "_ws.malformed || (_ws.expert.severity >= warning && !dnp3.iin_abnormal)"
    blind = _blind_frames(base)
    out = subprocess.run(base + ["-Y", display, "-T", "fields", "-e", "frame.number",
                                 "-e", "_ws.col.Info"], capture_output=True, text=True)
    lines = [x for x in out.stdout.strip().split("\n") if x and x.split("\t")[0] not in blind]
    if lines:
        problems.append("malformed or warnings:\n" + "\n".join(lines))
    return problems


def tshark_fields(pcap, port, fields, display="dnp3"):
    cmd = ["tshark", "-n", "-r", pcap, "-d", "tcp.port==%d,dnp3" % port, "-Y", display, "-T",
           "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.strip().split("\n") if line]
