#!/usr/bin/env bash
# `make valgrind`: every unit test and corpus replay under valgrind memcheck
# (leaks and errors are failures). The test list and each command line come
# from ctest itself, so nothing here goes stale when tests are added.
set -euo pipefail
build=${1:-build}
command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/deps.sh installs it)"; exit 1; }
cd "$build"
ctest --show-only=json-v1 | python3 -c '
import json, shlex, sys
for t in json.load(sys.stdin)["tests"]:
    if t["name"].startswith(("unit.", "fuzz_replay.")):
        env = [p["value"] for p in t.get("properties", []) if p["name"] == "ENVIRONMENT"]
        print(t["name"] + "\t" + " ".join(env[0] if env else []) + "\t" + shlex.join(t["command"]))
' > valgrind-tests.txt
status=0; n=0; bad=0
while IFS=$'\t' read -r name env cmd; do
  n=$((n + 1))
  log="valgrind-${name}.log"
  # shellcheck disable=SC2086
  if env $env valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --track-origins=yes $cmd > "$log" 2>&1; then
    echo "valgrind: $name clean"
  else
    rc=$?
    if [ $rc -eq 77 ]; then echo "valgrind: $name skipped"; continue; fi
    echo "valgrind: $name FAILED (exit $rc, see $build/$log)"; tail -30 "$log"; status=1; bad=$((bad + 1))
  fi
done < valgrind-tests.txt
echo "valgrind: $((n - bad)) passed, $bad failed"
exit $status
