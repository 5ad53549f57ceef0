#!/usr/bin/env bash
# Quick start 1: install what is missing, build, generate an order-events
# segment and inspect it with dpinspect.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDP_BUILD_TESTS=OFF -DDP_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p out
rm -f out/orders.dpc out/orders.csv
build/tools/dpgen orders --rows 1000000 --seed 42 --segment out/orders.dpc --csv out/orders.csv
echo; echo "== dpinspect out/orders.dpc"; build/tools/dpinspect out/orders.dpc
echo; echo "== dpinspect schema out/orders.dpc"; build/tools/dpinspect schema out/orders.dpc
echo; echo "== dpinspect verify out/orders.dpc"; build/tools/dpinspect verify out/orders.dpc
echo; echo "== dpinspect cat out/orders.dpc --limit 5"; build/tools/dpinspect cat out/orders.dpc --limit 5
