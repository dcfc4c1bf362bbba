"""`make install` delivers a usable library: install the build into a scratch
prefix, then compile and link examples/demo_exchange.c against the installed
headers and the shared libdnp3c using nothing but `pkg-config libdnp3c`, run
it, and check that the capture it writes decodes cleanly. Also checks that
the shared library exports only the public dnp3_* API."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

build = os.environ.get("DNP3C_BUILD")
if not build or not os.path.isdir(build):
    print("SKIP: DNP3C_BUILD not set (run through ctest)")
    sys.exit(77)
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
cache = open(os.path.join(build, "CMakeCache.txt")).read()
sanitized = re.search(r"^DNP3C_SANITIZE:BOOL=ON$", cache, re.M) is not None
cc = re.search(r"^CMAKE_C_COMPILER:(?:FILEPATH|STRING)=(.*)$", cache, re.M).group(1)
failures = []

with tempfile.TemporaryDirectory() as prefix:
    subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True,
                   stdout=subprocess.DEVNULL)
    libdir = next(os.path.join(prefix, d) for d in ("lib", "lib64", "lib/x86_64-linux-gnu")
                  if os.path.exists(os.path.join(prefix, d, "pkgconfig", "libdnp3c.pc")))
    for f in ("include/dnp3/codec.h", "include/dnp3/app.h", "bin/dnp3"):
        if not os.path.exists(os.path.join(prefix, f)):
            failures.append("not installed: " + f)

    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libdnp3c"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    incs = [os.path.normpath(f[2:]) for f in flags if f.startswith("-I")]
    if os.path.join(prefix, "include") not in incs:
        failures.append("pkg-config cflags do not point at the prefix: %r" % flags)
    exe = os.path.join(prefix, "demo")
    cmd = [cc, "-std=c11", "-Wall", "-Werror", os.path.join(repo, "examples/demo_exchange.c"),
           "-o", exe] + flags
    if sanitized:
        cmd += ["-fsanitize=address,undefined"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        failures.append("compiling against the installed library failed:\n" + r.stderr)
    else:
        pcap = os.path.join(prefix, "demo.pcap")
        run_env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        r = subprocess.run([exe, pcap], env=run_env, capture_output=True, text=True)
        if r.returncode != 0:
            failures.append("demo program failed: " + r.stderr)
        ldd = subprocess.run(["ldd", exe], env=run_env, capture_output=True, text=True).stdout
        if libdir not in ldd:
            failures.append("demo is not linked to the installed shared library:\n" + ldd)
        d = subprocess.run([os.path.join(prefix, "bin", "dnp3"), "decode", "--pcap", pcap],
                           env=run_env, capture_output=True, text=True)
        if d.returncode != 0 or d.stdout.count("Frame ") != 15:
            failures.append("installed dnp3 decode: exit %d, %d frames" %
                            (d.returncode, d.stdout.count("Frame ")))

    so = os.path.join(libdir, "libdnp3c.so")
    nm = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True, text=True).stdout
    exported = [line.split()[-1] for line in nm.splitlines() if line.split()[-2] in "TDBR"]
    # A --coverage build links gcov's runtime into the library; those are the
    # toolchain's symbols, not ours.
    coverage = re.search(r"^CMAKE_C_FLAGS:STRING=.*--coverage", cache, re.M) is not None
    toolchain = ("__gcov", "mangle_path") if coverage else ()
    private = [s for s in exported if not s.startswith(("dnp3_",) + toolchain)]
    if private:
        failures.append("shared library exports non-API symbols: %s" % private)
    print("installed into a scratch prefix; %d public symbols exported" % len(exported))

for f in failures:
    print("FAIL:", f)
print("%d passed, %d failed" % (0 if failures else 1, len(failures)))
sys.exit(1 if failures else 0)
