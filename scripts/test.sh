#!/usr/bin/env bash
# Quick start 2: install what is missing, build and run the whole test suite.
# DP_SANITIZE=address,undefined or thread builds into build-test-<sanitizer>;
# DP_FUZZ=1 builds with clang into build-fuzz (ASan + UBSan, plus the
# libFuzzer targets that scripts/fuzz.sh then runs without rebuilding).
# DP_BUILD_TARGETS (space separated) builds only those targets; CTEST_ARGS
# passes options to ctest (e.g. "-L concurrency").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
kind=${DP_SANITIZE:-default}
[ "${DP_FUZZ:-}" = 1 ] && kind=fuzz
dir=$(scripts/configure.sh "$kind")
targets=(${DP_BUILD_TARGETS:-})
cmake --build "$dir" -j"$(nproc)" ${targets[@]:+--target "${targets[@]}"}
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
