#!/usr/bin/env bash
# `make demo`: an outstation with moving values and a master polling it, for
# about 20 seconds, on 127.0.0.1:20000.
#   - `dnp3 outstation --simulate`: values move every second, events are
#     reported unsolicited once the master enables them, and a control on a
#     binary output drives the binary input of the same index;
#   - `dnp3 master --unsol --toggle 0`: start-up (DISABLE_UNSOLICITED,
#     integrity poll, ENABLE_UNSOLICITED), integrity polls every 10 s,
#     the outstation's clock set when it asks for time (IIN1.4, LAN method),
#     unsolicited events as they come, and binary output 0 operated
#     (select-before-operate, LATCH_ON then LATCH_OFF) every 5 s.
# Both are then stopped with a signal and must exit 0. The master's traffic
# is captured and decoded at the end.
set -euo pipefail
build=${1:-build}
bin="$build/dnp3"
seconds=${DEMO_SECONDS:-20}
addr=127.0.0.1:20000
pcap="$build/demo.pcap"

if [ ! -x "$bin" ]; then
  echo "demo: $bin not found: run 'make build' first" >&2
  exit 2
fi

os_pid=
m_pid=
cleanup() {
  [ -n "$m_pid" ] && kill "$m_pid" 2>/dev/null || true
  [ -n "$os_pid" ] && kill "$os_pid" 2>/dev/null || true
}
trap cleanup EXIT

echo "== dnp3 outstation --listen $addr --simulate --points 4"
"$bin" outstation --listen "$addr" --simulate --points 4 \
  > >(sed -u 's/^/[outstation] /') 2>&1 &
os_pid=$!
sleep 0.5
if ! kill -0 "$os_pid" 2>/dev/null; then
  wait "$os_pid" || true
  echo "demo: the outstation did not start (is port 20000 in use?)" >&2
  exit 1
fi

echo "== dnp3 master $addr --unsol --integrity-period 10s --time-sync lan --toggle 0 --toggle-period 5s (${seconds} s)"
"$bin" master "$addr" --unsol --integrity-period 10s --time-sync lan --toggle 0 --toggle-period 5s --pcap "$pcap" \
  > >(sed -u 's/^/[master] /') 2>&1 &
m_pid=$!

sleep "$seconds"
echo "== stopping: SIGINT to the master, SIGTERM to the outstation"
kill -INT "$m_pid"
m_status=0
wait "$m_pid" || m_status=$?
m_pid=
kill -TERM "$os_pid"
os_status=0
wait "$os_pid" || os_status=$?
os_pid=
sleep 0.2 # let the prefixing pipes drain
echo "master exited $m_status, outstation exited $os_status"

echo
echo "== the master's capture ($pcap), first requests and responses: dnp3 decode --pcap"
{ "$bin" decode --pcap "$pcap" || true; } | head -n 12
if command -v tshark >/dev/null 2>&1; then
  bad=$(tshark -n -r "$pcap" -d tcp.port==20000,dnp3 -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null | wc -l)
  echo "tshark: $(tshark -n -r "$pcap" -d tcp.port==20000,dnp3 -Y dnp3 2>/dev/null | wc -l) DNP3 packets, $bad malformed or warned"
fi
[ "$m_status" -eq 0 ] && [ "$os_status" -eq 0 ] || { echo "demo: FAILED" >&2; exit 1; }
echo "demo: done (open $pcap in Wireshark too)"
