#!/usr/bin/env bash
# `make valgrind`: under valgrind memcheck, with errors and definite or
# indirect leaks counted as failures:
#  1. every unit test, scenario test and fuzz corpus replay (run directly);
#  2. a named set of end-to-end tests ($VALGRIND_E2E, below), each with
#     DNP3_BIN pointing at a wrapper that runs every `dnp3` the test starts
#     under valgrind, one log per process in BUILD/valgrind-e2e/<test>/.
#     The test must pass and every log must end with "ERROR SUMMARY: 0".
# The test list and each command line come from ctest itself, so nothing here
# goes stale when tests are added. VALGRIND_ONLY=REGEX runs only the tests
# whose name matches (as ctest -R would).
set -euo pipefail
build=${1:-build}
# The outstation session (test_outstation_session), the master's session with
# unsolicited events, toggles and a reconnect (test_master_session), a master
# that stops because its output failed (test_master_output), the master, poll
# and operate against a dnp3 outstation (test_master_cli), probe
# (test_probe) and decode (test_decode_text). Each tolerates the slowdown
# (waits are scaled by DNP3C_TIME_SCALE) and ends its dnp3 processes cleanly
# (no SIGKILL, so every process writes its leak summary).
VALGRIND_E2E=${VALGRIND_E2E:-"e2e.test_outstation_session e2e.test_master_session e2e.test_master_output e2e.test_master_cli e2e.test_probe e2e.test_decode_text"}
command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/deps.sh installs it)"; exit 1; }
cd "$build"
vg=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect)
ctest --show-only=json-v1 | VALGRIND_E2E="$VALGRIND_E2E" VALGRIND_ONLY="${VALGRIND_ONLY:-}" python3 -c '
import json, os, re, shlex, sys
e2e = os.environ["VALGRIND_E2E"].split()
only = re.compile(os.environ["VALGRIND_ONLY"])
for t in json.load(sys.stdin)["tests"]:
    name = t["name"]
    if not only.search(name):
        continue
    if name.startswith(("unit.", "scenario.", "fuzz_replay.")) or name in e2e:
        env = [p["value"] for p in t.get("properties", []) if p["name"] == "ENVIRONMENT"]
        print(name + "\t" + " ".join(env[0] if env else []) + "\t" + shlex.join(t["command"]))
' > valgrind-tests.txt

# The e2e wrapper: DNP3_BIN for the test, the real binary under valgrind.
real=$(pwd)/dnp3
logs=$(pwd)/valgrind-e2e
wrapper=$(pwd)/dnp3-valgrind
cat > "$wrapper" <<WRAP
#!/bin/sh
exec ${vg[*]} --log-file="\${DNP3C_VALGRIND_LOGS:-/tmp}/dnp3.%p.log" "$real" "\$@"
WRAP
chmod +x "$wrapper"

# e2e logs: every process must have finished with no error (leaks included).
check_logs() {
  local dir=$1 bad=0 f
  for f in "$dir"/*.log; do
    [ -e "$f" ] || { echo "valgrind: no dnp3 process ran under valgrind"; return 1; }
    if ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
      echo "valgrind: $f:"; grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|Invalid|uninitialised' "$f" | head -10
      bad=1
    fi
  done
  return $bad
}

status=0; n=0; bad=0; t0=$(date +%s)
while IFS=$'\t' read -r name env cmd; do
  n=$((n + 1))
  log="valgrind-${name}.log"
  rc=0; start=$(date +%s)
  case $name in
  e2e.*)
    rm -rf "${logs:?}/$name"; mkdir -p "$logs/$name"
    # shellcheck disable=SC2086
    env $env DNP3_BIN="$wrapper" DNP3C_VALGRIND_LOGS="$logs/$name" DNP3C_TIME_SCALE=4 $cmd > "$log" 2>&1 || rc=$?
    if [ $rc -eq 0 ] && ! check_logs "$logs/$name" >> "$log"; then rc=98; fi
    ;;
  *)
    # shellcheck disable=SC2086
    env $env "${vg[@]}" --quiet --track-origins=yes $cmd > "$log" 2>&1 || rc=$?
    ;;
  esac
  if [ $rc -eq 0 ]; then
    echo "valgrind: $name clean ($(($(date +%s) - start)) s)"
  elif [ $rc -eq 77 ]; then
    echo "valgrind: $name skipped"
  else
    echo "valgrind: $name FAILED (exit $rc, see $build/$log)"; tail -30 "$log"; status=1; bad=$((bad + 1))
  fi
done < valgrind-tests.txt
echo "valgrind: $((n - bad)) passed, $bad failed ($(($(date +%s) - t0)) s)"
exit $status
