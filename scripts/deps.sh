#!/usr/bin/env bash
# Installs the Debian 12 packages dnp3c builds and tests with. Checks with dpkg
# first and runs apt-get (update + install) only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config make
  clang libclang-rt-14-dev          # libFuzzer + sanitizers (make test-asan, fuzz-smoke)
  libuv1-dev                         # event loop of the network runtime (src/runtime)
  libpcap-dev                        # capture reading/writing (dnp3 decode --pcap)
  libyaml-dev                        # configuration files (dnp3 outstation --config)
  libcmocka-dev                      # unit tests
  tshark                             # independent decoder our frames are checked against
  python3                            # end-to-end test scripts
  valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/deps.sh: missing Debian packages: ${missing[*]}" >&2
  echo "scripts/deps.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "scripts/deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, no prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
