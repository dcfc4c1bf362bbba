#!/usr/bin/env bash
# Runs every benchmark program and gathers their BENCH lines into one table.
# Figures are for comparison within one run (ours vs the reference beside it);
# this machine is shared, so absolute numbers move from run to run.
set -euo pipefail
build=${1:-build}
out=$(mktemp)
status=0
for bin in "$build"/bench_*; do
  [ -x "$bin" ] || continue
  echo "== $(basename "$bin")"
  if ! "$bin" | tee -a "$out"; then
    echo "bench: $(basename "$bin") FAILED"; status=1
  fi
done
echo
echo "== summary"
grep '^BENCH ' "$out" || true
rm -f "$out"
exit $status
