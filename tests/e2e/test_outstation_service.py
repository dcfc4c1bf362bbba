#!/usr/bin/env python3
"""examples/dnp3-outstation.service: systemd accepts it (systemd-analyze verify, with the
binary path pointed at the built dnp3), it runs as an unprivileged user (DynamicUser, no
capabilities, never User=root), it does not restart on the exit statuses a restart cannot
cure (2-5), and its ExecStartPre check passes on the documented example configuration.
Skips (77) without systemd-analyze.
"""
import os
import shutil
import subprocess
import sys
import tempfile

from e2elib import BIN, require_bin

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
UNIT = os.path.join(ROOT, "examples", "dnp3-outstation.service")
EXAMPLE = os.path.join(ROOT, "examples", "outstation.yaml")


def main():
    require_bin()
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("SKIP: systemd-analyze not installed")
        sys.exit(77)
    with open(UNIT) as f:
        text = f.read()
    settings = {}
    for line in text.split("\n"):
        if "=" in line and not line.startswith("#"):
            k, _, v = line.partition("=")
            settings.setdefault(k.strip(), []).append(v.strip())
    assert settings["DynamicUser"] == ["yes"], settings.get("DynamicUser")
    assert all(u != "root" for u in settings.get("User", [])), settings["User"]
    assert settings["CapabilityBoundingSet"] == [""] and settings["NoNewPrivileges"] == ["yes"]
    assert settings["RestartPreventExitStatus"] == ["2 3 4 5"], settings
    assert "--config /etc/dnp3/outstation.yaml --check" in settings["ExecStartPre"][0]
    with tempfile.TemporaryDirectory() as tmp:
        unit = os.path.join(tmp, "dnp3-outstation.service")
        with open(unit, "w") as f:
            f.write(text.replace("/usr/local/bin/dnp3", os.path.abspath(BIN)))
        p = subprocess.run([analyze, "verify", unit], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and not p.stderr.strip(), p.stderr
    p = subprocess.run([BIN, "outstation", "--config", EXAMPLE, "--check"], capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    print("ok")


if __name__ == "__main__":
    main()
