#!/usr/bin/env bash
# Runs every libFuzzer target for N seconds from its seeds (committed + extracted
# from the shared captures). Any crash fails the run; new corpus entries go to a
# scratch directory, never into the repository.
set -euo pipefail
build=${1:-build-asan}
seconds=${2:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); short=${name#fuzz_}
  scratch=$(mktemp -d)
  seeds=("$scratch")
  [ -d "$here/fuzz/corpus/$short" ] && seeds+=("$here/fuzz/corpus/$short")
  [ -d "$build/corpus/$short" ] && seeds+=("$build/corpus/$short")
  echo "== fuzz $short for ${seconds}s (seeds: ${seeds[*]:1})"
  if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
        -artifact_prefix="$scratch/" "${seeds[@]}" 2>"$scratch/log"; then
    tail -50 "$scratch/log"; echo "fuzz $short: FAILED (artifacts in $scratch)"; status=1
  else
    grep -E 'stat::number_of_executed_units|Done' "$scratch/log" | tail -2
  fi
done
exit $status
