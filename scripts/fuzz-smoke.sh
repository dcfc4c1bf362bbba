#!/usr/bin/env bash
# `make fuzz-smoke` (CI): every libFuzzer target for N seconds (default 30)
# through scripts/fuzz.sh, growing a scratch corpus that is thrown away so
# CI runs start from the seeds alone. Any crash fails the run.
set -euo pipefail
build=${1:-build-asan}
seconds=${2:-30}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
FUZZ_CORPUS=$scratch bash "$(dirname "$0")/fuzz.sh" "$build" "$seconds"
