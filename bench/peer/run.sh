#!/usr/bin/env bash
# Peer comparison: dpstore vs DuckDB (npm @duckdb/node-api) on the same
# generated order events. Nothing of DuckDB is committed: it is installed
# into the work directory at run time.
#
#   bench/peer/run.sh [--rows 10M] [--threads 1,2] [--runs 5] [--build DIR] [--work DIR]
#
# Needs node + npm, and a build with DP_BUILD_BENCH=ON (default build-rel,
# configured and built here if missing). Prints a markdown table of medians
# and ratios; raw JSON lands in the work directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=10M threads=1,2 runs=5 build=build-rel work=/dev/shm/dp-peer
while (($#)); do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "run.sh: node is required" >&2; exit 2; }
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDP_BUILD_TESTS=OFF -DDP_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target dpgen dpstore_orders >/dev/null

mkdir -p "$work"
csv="$work/orders-$rows.csv" seg="$work/orders-$rows.dpc"
[ -f "$csv" ] || "$build/tools/dpgen" orders --rows "$rows" --seed 42 --csv "$csv"
[ -f "$seg" ] || "$build/tools/dpgen" orders --rows "$rows" --seed 42 --segment "$seg"
if [ ! -d "$work/npm/node_modules/@duckdb/node-api" ]; then
  npm install --silent --prefix "$work/npm" @duckdb/node-api >/dev/null
fi
cp bench/peer/duckdb_orders.mjs bench/peer/compare.mjs "$work/npm/"

"$build/bench/peer/dpstore_orders" --segment "$seg" --threads "$threads" --runs "$runs" > "$work/dpstore-$rows.json"
node "$work/npm/duckdb_orders.mjs" --csv "$csv" --work "$work/duck-$rows" --threads "$threads" --runs "$runs" \
  > "$work/duckdb-$rows.json"
node "$work/npm/compare.mjs" "$work/dpstore-$rows.json" "$work/duckdb-$rows.json" "$seg"
