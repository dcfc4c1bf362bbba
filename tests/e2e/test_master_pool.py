#!/usr/bin/env python3
"""`dnp3 master` shares one pool of queued commands between its associations.

  - with `--pool-slots 1` and `--toggle`, a fake outstation (written here, from IEEE 1815-2012)
    answers every request but the SELECT, which it never answers: the one command holds the
    pool's only slot until its response timeout, and every toggle after it is refused. While
    it waits the outstation sends unsolicited responses with an event (each one handled makes
    the master try its next toggle). Checked: exactly one SELECT reached the outstation; each refusal
    is logged twice at WARN (the library: "task refused: shared pool exhausted (1 of 1
    tasks ...)"; the tool: "operate binary output 1 ...: ... pool ..."), and the exit summary
    `pool at exit: ... pool_exhausted=N` (WARN) gives exactly the number of refusals; SIGTERM
    still ends it with exit status 0;
  - the pool line at start names its size (`1 association, one pool of 1 command slots and
    256 bytes`: 256 bytes per slot by default), SIGUSR1 logs `pool now: ...` (the SELECT holds
    the slot);
  - without the options the size comes from the associations: 16 slots and 4096 bytes for one
    (what a private pool would hold), 64 slots for four (`pool: {slots, bytes}` of the file
    overrides it, --pool-slots overrides the file);
  - --pool-slots 0 or a non-number, --pool-bytes 0: exit 2 and one line saying so.
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnp3wire import TIME_SCALE, Master, frame  # noqa: E402
from e2elib import BIN, check, dnp3, failures, require_bin, wait_for  # noqa: E402

OUTSTATION, MASTER = 10, 1
FC_SELECT = 3
UNSOL_EVENT = bytes.fromhex("020128 0100 0000 81")


class SilentSelectOutstation(threading.Thread):
    """Accepts one master; answers each request with a null response (IIN 0) except SELECT,
    which it counts and never answers; every 100 ms an unsolicited response (CON) with one
    binary input event."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.selects = 0
        self.requests = []  # function codes, in order
        self.unsolicited_sent = 0
        self.stop = threading.Event()
        self.tseq = 0
        self.useq = 0
        self.error = None

    def send(self, sock, apdu):
        th = 0xC0 | self.tseq  # FIR FIN: every fragment here fits in one segment
        self.tseq = (self.tseq + 1) & 0x3F
        sock.sendall(frame(0x44, MASTER, OUTSTATION, bytes([th]) + apdu))  # DIR 0, PRM, UNCONF

    def run(self):
        try:
            self.serve()
        except (ConnectionError, OSError, TimeoutError) as e:
            if not self.stop.is_set():
                self.error = e

    def serve(self):
        r, _, _ = select.select([self.lsock], [], [], 20 * TIME_SCALE)
        if not r:
            return
        sock, _ = self.lsock.accept()
        rx = Master("", 0, sock=sock)  # its frame reader only (CRCs checked)
        next_unsol = time.monotonic() + 0.3
        partial = b""
        while not self.stop.is_set():
            if time.monotonic() >= next_unsol:
                # CON, one binary input event (g2v1 index 0 ON): delivered, so handled
                self.send(sock, bytes([0xF0 | self.useq, 0x82, 0, 0]) + UNSOL_EVENT)
                self.useq = (self.useq + 1) & 0x0F
                self.unsolicited_sent += 1
                next_unsol = time.monotonic() + 0.1
            try:
                ctrl, dst, src, user = rx._frame(time.monotonic() + 0.05)
            except TimeoutError:
                continue
            if not user:
                if ctrl & 0x0F == 9:  # REQUEST_LINK_STATUS: LINK_STATUS
                    sock.sendall(frame(0x0B, src, OUTSTATION))
                elif ctrl & 0x0F == 0:  # RESET_LINK_STATES: ACK
                    sock.sendall(frame(0x00, src, OUTSTATION))
                continue
            th, seg = user[0], user[1:]
            partial = seg if th & 0x40 else partial + seg
            if not th & 0x80:
                continue
            seq, fc = partial[0] & 0x0F, partial[1]
            if fc == 0:
                continue  # a confirm of our unsolicited response
            self.requests.append(fc)
            if fc == FC_SELECT:
                self.selects += 1
                continue
            self.send(sock, bytes([0xC0 | seq, 0x81, 0, 0]))


def test_refused_when_full(tmp):
    o = SilentSelectOutstation()
    o.start()
    errp = os.path.join(tmp, "pool.err")
    with open(errp, "w") as errf:
        p = subprocess.Popen([BIN, "master", "127.0.0.1:%d" % o.port, "-q", "--pool-slots", "1",
                              "--toggle", "1", "--toggle-period", "100ms", "--timeout", "60s"],
                             stdout=subprocess.DEVNULL, stderr=errf)

        def log():
            with open(errp) as f:
                return f.read()
        try:
            wait_for(lambda: log().count("task refused: shared pool exhausted") >= 3, 20,
                     "three refusals")
            p.send_signal(signal.SIGUSR1)
            wait_for(lambda: "pool now:" in log(), 10, "the SIGUSR1 pool line")
        finally:
            o.stop.set()  # the master's closing the connection is no error
            p.terminate()
            rc = p.wait(20 * TIME_SCALE)
            o.join(10)
    text = log()
    check(rc == 0, "exit status 0 after SIGTERM, refusals included (got %d)\n%s" % (rc, text))
    check(o.error is None, "the fake outstation: %r" % o.error)
    check("1 association, one pool of 1 command slots and 256 bytes" in text,
          "the pool's size at start:\n" + text)
    check(o.selects == 1, "one SELECT reached the outstation (got %d)" % o.selects)
    check(o.requests.count(4) == 0, "no OPERATE (the SELECT was never answered)")
    # the CROB of the SELECT that holds the slot, and the one refused: 0C 01 17 01 01 + 11
    lib = re.findall(r"WARN .*task refused: shared pool exhausted \(1 of 1 tasks, (\d+) of 256 "
                     r"bytes in use, (\d+) asked\)", text)
    tool = re.findall(r"WARN .*operate binary output 1 LATCH_\w+ \(select-before-operate\): (.*)",
                      text)
    check(len(lib) >= 3 and len(lib) == len(tool),
          "each refusal logged by the library and the tool (%d, %d)\n%s" % (len(lib), len(tool),
                                                                             text))
    check(all(u == "16" and a == "16" for u, a in lib), "one CROB's 16 bytes in use: %r" % lib)
    check(all("pool" in t for t in tool), "the tool names the pool: %r" % tool[:1])
    m = re.search(r"WARN  master: pool at exit: 0 of 1 task slots and 0 of 256 bytes in use; "
                  r"pool_exhausted=(\d+) \(commands refused\)", text)
    check(m is not None, "the exit summary (the link-down freed the slot):\n" + text)
    check(int(m.group(1)) == len(lib), "pool_exhausted=%s, %d refusals logged" % (m.group(1),
                                                                                  len(lib)))
    check(re.search(r"WARN  master: pool now: 1 of 1 task slots", text) is not None,
          "the SIGUSR1 line: the SELECT holds the slot:\n" + text)
    print("ok refused_when_full: 1 SELECT, %d refusals logged and counted, %d unsolicited"
          % (len(lib), o.unsolicited_sent))


def pool_line(args, tmp, name):
    """The pool line `dnp3 master` logs at start (against a port nobody listens on)."""
    errp = os.path.join(tmp, name + ".err")
    with open(errp, "w") as errf:
        p = subprocess.Popen([BIN, "master"] + args, stdout=subprocess.DEVNULL, stderr=errf)
        try:
            wait_for(lambda: "one pool of" in open(errp).read(), 10, "the pool line")
        finally:
            p.terminate()
            rc = p.wait(20 * TIME_SCALE)
    check(rc == 0, "%s: exit status %d" % (name, rc))
    m = re.search(r"master: (\d+) associations?, one pool of (\d+) command slots and (\d+) "
                  r"bytes", open(errp).read())
    return m.groups() if m else None


def test_sizes(tmp):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]  # bound, not listening: connects are refused (and retried)
    check(pool_line(["127.0.0.1:%d" % port], tmp, "one") == ("1", "16", "4096"),
          "one association: 16 slots, 4096 bytes")
    yaml = os.path.join(tmp, "four.yaml")
    with open(yaml, "w") as f:
        f.write("associations:\n")
        for a in range(4):
            f.write("  - {endpoints: [127.0.0.1:%d], address: %d}\n" % (port, 10 + a))
    check(pool_line(["--config", yaml], tmp, "four") == ("4", "64", "16384"),
          "four associations: 64 slots, 16384 bytes")
    with open(yaml, "a") as f:
        f.write("pool: {slots: 10, bytes: 1000}\n")
    check(pool_line(["--config", yaml], tmp, "file") == ("4", "10", "1000"), "pool: of the file")
    check(pool_line(["--config", yaml, "--pool-slots", "3"], tmp, "both") == ("4", "3", "1000"),
          "--pool-slots over the file's")
    check(pool_line(["127.0.0.1:%d" % port, "--pool-bytes", "1K"], tmp, "bytes") ==
          ("1", "16", "1024"), "--pool-bytes 1K")
    dead.close()
    for bad, what in ((["--pool-slots", "0"], "--pool-slots: '0'"),
                      (["--pool-slots", "x"], "--pool-slots: 'x'"),
                      (["--pool-bytes", "0"], "--pool-bytes: '0'")):
        rc, _, err = dnp3("master", "127.0.0.1:1", *bad)
        check(rc == 2 and what in err and err.count("\n") == 1,
              "%s: exit 2, one line (%d: %r)" % (bad, rc, err))
    print("ok sizes: 16 / 64 slots from the associations, the file's, the options', refusals")


def main():
    require_bin()
    with tempfile.TemporaryDirectory() as tmp:
        test_sizes(tmp)
        test_refused_when_full(tmp)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all pool tests passed")


if __name__ == "__main__":
    main()
