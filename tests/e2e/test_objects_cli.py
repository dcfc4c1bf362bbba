"""`dnp3 objects`: the object library as a table, straight from the codec.
Sizes are checked against DNP3-FACTS section 5 values written here by hand."""
import os
import subprocess
import sys

BIN = os.environ.get("DNP3_BIN")
if not BIN:
    print("SKIP: DNP3_BIN not set (run through ctest)")
    sys.exit(77)
failures = []


def run(*args):
    return subprocess.run([BIN, "objects", *args], capture_output=True, text=True)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def rows(stdout):
    out = {}
    for line in stdout.splitlines()[1:]:
        parts = line.split(None, 1)
        out[parts[0]] = line
    return out


# (object, size column) from the standard's object definitions (FACTS 5).
EXPECTED = {"g1v2": "1", "g2v2": "7", "g2v3": "3", "g12v1": "11", "g20v1": "5", "g21v5": "11",
            "g30v5": "5", "g32v3": "11", "g32v8": "15", "g41v1": "5", "g43v8": "15",
            "g50v1": "6", "g50v4": "11", "g51v2": "6", "g52v1": "2", "g122v2": "13",
            "g1v1": "1 bit", "g3v1": "2 bits", "g70v3": "free (0x5B)", "g110v7": "7"}

r = run()
check(r.returncode == 0, "full list exits 0")
table = rows(r.stdout)
check(len(table) > 200, "full list has every object (%d rows)" % len(table))
for obj, size in EXPECTED.items():
    r = run(obj)
    got = rows(r.stdout).get(obj, "")
    check(r.returncode == 0 and got.split()[1:1 + len(size.split())] == size.split(),
          "%s size %r (got %r)" % (obj, size, got))

r = run("32")
check(r.returncode == 0 and len(rows(r.stdout)) == 9, "group 32 lists v0..v8")
r = run("g30v9")
check(r.returncode == 1 and "no object matches" in r.stderr, "unknown object exits 1 with a reason")
r = run("thirty")
check(r.returncode == 2 and "not a group or object" in r.stderr, "bad argument exits 2")
r = subprocess.run([BIN, "help"], capture_output=True, text=True)
check("objects" in r.stdout, "dnp3 help lists objects")

print("%d passed, %d failed" % (len(EXPECTED) + 6 - len(failures), len(failures)))
sys.exit(1 if failures else 0)
