#!/usr/bin/env bash
# `make coverage`: line coverage of the library (src/) and the tool
# (tools/dnp3/) by the whole test suite, per file, with gcov alone (no extra
# packages). Uses its own build directory.
set -euo pipefail
build=${1:-build-cov}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=--coverage \
  -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage > /dev/null
cmake --build "$build" -j "$(nproc)" > /dev/null
find "$build" -name '*.gcda' -delete
(cd "$build" && ctest -j "$(nproc)" > /dev/null) || echo "coverage: some tests failed (figures still shown)"
top=$(pwd)
echo "line coverage by the test suite:"
find "$build/CMakeFiles/dnp3c_objects.dir" "$build/CMakeFiles/dnp3tool.dir" -name '*.gcda' |
while read -r gcda; do
  gcov -n -o "$(dirname "$gcda")" "$gcda" 2>/dev/null
done | awk -v top="$top/" '
  /^File / { f = $2; gsub("\047", "", f); sub(top, "", f) }
  /^Lines executed:/ && f ~ /^(src|tools)\/.*\.c$/ {
    split($2, a, ":"); pct = a[2]; sub("%", "", pct); n = $4
    if (!(f in seen)) { seen[f] = 1; printf "  %6.1f%%  %5d lines  %s\n", pct, n, f; tot += n; hit += n * pct / 100 }
  }
  END { if (tot) printf "  %6.1f%%  %5d lines  total\n", 100 * hit / tot, tot }' | sort -k3
