#!/usr/bin/env bash
# Bounded libFuzzer runs of every fuzz target under ASan+UBSan (clang).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to $FUZZ_SECONDS or 60. Each target starts
# from its committed seed corpus (tests/fuzz/corpus/<target>/, copied to a
# work directory so the tree stays clean) and its dictionary if there is
# one. A crash, leak, timeout or sanitizer report fails the script and
# leaves the input under $FUZZ_WORK/<target>/artifacts/: add it to
# tests/fuzz/regressions/<target>/ with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-60}}
shift || true
work=${FUZZ_WORK:-/tmp/dp-fuzz}
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=($(sed -n 's/^dp_add_fuzz(\([a-z_]*\) .*/\1/p' tests/fuzz/CMakeLists.txt))
fi
# The same build as `DP_FUZZ=1 scripts/test.sh` (scripts/configure.sh fuzz):
# after that one, nothing is rebuilt here.
build=$(scripts/configure.sh fuzz)
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Targets run side by side, as many at a time as there are cores (FUZZ_JOBS
# to change it); each one's exit status lands in $work/<target>/status and
# the reports are printed in target order once all have finished.
jobs=${FUZZ_JOBS:-$(nproc)}
run_target() {
  local t=$1 dir="$work/$1" dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  local rc=0
  "$build/tests/fuzz/$t" "$dir/corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=262144 -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
    > "$dir/log.txt" 2>&1 || rc=$?
  echo "$rc" > "$dir/status"
}
for t in "${targets[@]}"; do
  dir="$work/$t"
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  [ -d "tests/fuzz/corpus/$t" ] && cp -r "tests/fuzz/corpus/$t/." "$dir/corpus/"
  [ -d "tests/fuzz/regressions/$t" ] && cp -r "tests/fuzz/regressions/$t/." "$dir/corpus/"
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  echo "=== $t: ${seconds}s"
  run_target "$t" &
done
wait
failed=()
for t in "${targets[@]}"; do
  dir="$work/$t"
  if [ "$(cat "$dir/status" 2>/dev/null)" != 0 ]; then
    failed+=("$t")
    echo "--- $t failed:"
    tail -n 60 "$dir/log.txt"
  fi
  echo "--- $t:"
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov: " "$dir/log.txt" | tail -n 3 || true
done
if ((${#failed[@]})); then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs under $work/<target>/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran ${seconds}s without a finding"
