#!/usr/bin/env bash
# Configures the build directory of one kind and prints its path. test.sh
# and fuzz.sh both configure through here, so that a build one of them made
# is the one the other finds (same flags: nothing is rebuilt).
#
#   scripts/configure.sh [KIND]
#
# KIND:
#   default             RelWithDebInfo + benchmarks, gcc      -> build-test
#   address,undefined   ASan + UBSan at -O1, gcc              -> build-test-address-undefined
#   thread              TSan at -O1, gcc                      -> build-test-thread
#   fuzz                clang: ASan + UBSan at -O1, fuzzer    -> build-fuzz
#                       coverage on every library, the libFuzzer
#                       targets AND the whole test suite (so one build
#                       serves the sanitizer tests and the fuzzing)
# CI=true adds -DDP_WERROR=ON. Sanitizer builds keep assertions on and use
# -O1: at -O0 the suite ran 3x longer under ASan (427 s vs 144 s on 2 cores)
# for a build only ~20% shorter.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-default}
flags=()
case "$kind" in
  default)
    dir=build-test
    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDP_BUILD_BENCH=ON) ;;
  address,undefined|thread)
    dir=build-test-${kind//,/-}
    flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DDP_BUILD_BENCH=OFF "-DDP_SANITIZE=$kind") ;;
  fuzz)
    command -v clang++ >/dev/null || {
      echo "configure.sh: clang++ is required for the fuzz build (apt-get install clang libclang-rt-dev)" >&2
      exit 2
    }
    export CXX=clang++
    dir=build-fuzz
    # libFuzzer's usual -O1 with line tables only: reports still name file:line.
    flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" -DDP_BUILD_BENCH=OFF -DDP_FUZZ=ON) ;;
  *)
    echo "configure.sh: unknown kind '$kind' (default | address,undefined | thread | fuzz)" >&2
    exit 2 ;;
esac
[ "${CI:-}" = "true" ] && flags+=(-DDP_WERROR=ON)
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
echo "$dir"
