#!/usr/bin/env bash
# `make demo`: until the outstation and master exist, the demo encodes a
# master/outstation conversation with the codec into a capture, decodes it with
# `dnp3 decode`, and, where tshark is installed, shows tshark's reading of the
# same bytes beside it.
set -euo pipefail
build=${1:-build}
pcap="$build/demo.pcap"

echo "== 1. encode (examples/demo_exchange.c)"
"$build/example_demo_exchange" "$pcap"

echo
echo "== 2. decode: $build/dnp3 decode --pcap $pcap"
"$build/dnp3" decode --pcap "$pcap"

echo
json="$build/demo.jsonl"
"$build/dnp3" decode --pcap "$pcap" --json > "$json"
echo "== 3. the same capture as JSON Lines ($json: first 3 of $(wc -l < "$json") frames)"
head -n 3 "$json"

if command -v tshark >/dev/null 2>&1; then
  echo
  echo "== 4. an independent decoder: tshark $(tshark --version 2>/dev/null | head -1 | awk '{print $3}')"
  tshark -r "$pcap" -d tcp.port==20000,dnp3 -T fields -E header=y \
    -e frame.number -e dnp3.src -e dnp3.dst -e dnp3.al.func -e dnp3.al.iin -e dnp3.al.obj \
    -e _ws.expert.message 2>/dev/null
fi
echo
echo "demo: done (capture kept at $pcap; open it in Wireshark too)"
