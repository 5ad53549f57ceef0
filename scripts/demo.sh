#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and walk through a data
# product: generate order events, publish them as dp://orders/order_items
# (created from its contract), append, inspect the catalog and the version
# timeline, ask stats questions (with time travel), watch a bad batch be
# refused, verify. Everything is written under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDP_BUILD_TESTS=OFF -DDP_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)"

bin=build/tools
mesh=out/mesh
contract=tests/data/contracts/orders.yaml
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@"; }

rm -rf out
mkdir -p out
step "generate 1M order events (and 200k more for a second load) as CSV"
run $bin/dpgen orders --rows 1000000 --seed 42 --csv out/orders-1.csv
run $bin/dpgen orders --rows 200000 --seed 7 --csv out/orders-2.csv

step "publish: create the product and dataset from the contract, load, validate every row"
run $bin/dpload --root $mesh --into dp://orders/order_items --contract $contract --create \
    --message "initial load" out/orders-1.csv
run $bin/dpload --root $mesh --into dp://orders/order_items --contract $contract \
    --message "second batch" out/orders-2.csv

step "a batch that breaks the contract is refused as a whole; nothing is committed"
{ head -n 3 out/orders-2.csv; head -n 4 out/orders-2.csv | tail -n 1 | sed 's/,[A-Z][A-Z]$/,XX/'; } > out/bad.csv
if $bin/dpload --root $mesh --into dp://orders/order_items --contract $contract out/bad.csv; then
  echo "demo: the bad batch was accepted" >&2
  exit 1
fi

step "the catalog of the mesh"
run $bin/dpinspect $mesh

step "the version timeline"
run $bin/dpinspect versions dp://orders/order_items --root $mesh

step "stats: DE orders in Q2 2024 per month (pruned by event time and zone maps)"
run $bin/dpinspect stats dp://orders/order_items --root $mesh --from 2024-04-01 --to 2024-07-01 \
    --where "country = 'DE'" --group-by time:month --agg count,sum:price_usd_cents,avg:discount

step "stats: per category, as of version 1 (time travel)"
run $bin/dpinspect stats dp://orders/order_items@1 --root $mesh --group-by category \
    --agg count,approx_distinct:customer_id --csv | head -n 6

step "schema with its semantic-version history"
run $bin/dpinspect schema dp://orders/order_items --root $mesh

step "verify every checksum of the latest version"
run $bin/dpinspect verify dp://orders/order_items --root $mesh
