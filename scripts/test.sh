#!/usr/bin/env bash
# Quick start 2: install what is missing, build and run the whole test suite.
# DP_SANITIZE=address,undefined or thread builds into build-<sanitizer>.
# DP_BUILD_TARGETS (space separated) builds only those targets; CTEST_ARGS
# passes options to ctest (e.g. "-L concurrency").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
san="${DP_SANITIZE:-}"
dir=build-test${san:+-${san//,/-}}
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDP_BUILD_BENCH=ON)
[ -n "$san" ] && flags=(-DCMAKE_BUILD_TYPE=Debug -DDP_BUILD_BENCH=OFF "-DDP_SANITIZE=$san")
[ "${CI:-}" = "true" ] && flags+=(-DDP_WERROR=ON)
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
targets=(${DP_BUILD_TARGETS:-})
cmake --build "$dir" -j"$(nproc)" ${targets[@]:+--target "${targets[@]}"}
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
