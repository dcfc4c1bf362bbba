#!/usr/bin/env bash
# `make fuzz`: runs libFuzzer targets one after the other, each for SECONDS,
# from its seeds (committed in fuzz/corpus/<name>, extracted from the shared
# captures into BUILD/corpus/<name>) and the corpus it grew last time.
#
#   scripts/fuzz.sh BUILD SECONDS [NAME...]      (no NAME: every target)
#
# The grown corpus is kept outside the repository, in
# $FUZZ_CORPUS/<name> (default BUILD/fuzz-corpus), and crash, leak and
# timeout inputs go to BUILD/fuzz-crashes/<name>/. Per target it prints one
# line: executions, exec/s, corpus size (libFuzzer's, seeds included) and the
# count of grown-corpus files. Any crash fails the run, naming the input file
# (replay it with BUILD/fuzz_<name> FILE; minimise it with -minimize_crash=1).
set -euo pipefail
build=${1:-build-asan}
seconds=${2:-30}
shift 2 || shift $#
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
corpus_root=${FUZZ_CORPUS:-$build/fuzz-corpus}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for bin in "$build"/fuzz_*; do
    [ -x "$bin" ] && [ -f "$bin" ] && names+=("$(basename "$bin" | sed 's/^fuzz_//')")
  done
fi
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no fuzz_* binaries in $build (configure with -DDNP3C_FUZZ=ON, clang)"; exit 1; }
status=0
printf '%-16s %12s %9s %8s %7s  %s\n' target executions exec/s corpus grown result
for short in "${names[@]}"; do
  bin="$build/fuzz_$short"
  [ -x "$bin" ] || { echo "fuzz: no target $bin"; status=1; continue; }
  corpus="$corpus_root/$short"; crashes="$build/fuzz-crashes/$short"
  mkdir -p "$corpus" "$crashes"
  dirs=("$corpus")
  [ -d "$here/fuzz/corpus/$short" ] && dirs+=("$here/fuzz/corpus/$short")
  [ -d "$build/corpus/$short" ] && dirs+=("$build/corpus/$short")
  log="$crashes/last.log"
  rc=0
  nice "$bin" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=60 \
    -artifact_prefix="$crashes/" "${dirs[@]}" > "$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | sed 's/corp: //')
  grown=$(find "$corpus" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    printf '%-16s %12s %9s %8s %7s  %s\n' "$short" "${execs:-?}" "${rate:-?}" "${size:-?}" "$grown" ok
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    printf '%-16s %12s %9s %8s %7s  %s\n' "$short" "${execs:-?}" "${rate:-?}" "${size:-?}" "$grown" FAILED
    grep -E 'ERROR:|SUMMARY:|invariant failed' "$log" | head -5 || true
    echo "fuzz $short: FAILED (exit $rc): crash input ${artifact:-not written}, log $log"
    status=1
  fi
done
exit $status
