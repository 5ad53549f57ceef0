#!/usr/bin/env bash
# End-to-end demo pipeline (what scripts/demo.sh shows, at test size):
# dpgen writes a segment and CSV, dpinspect summarizes, verifies and exports
# it, and the export must agree with the CSV; then dpload publishes the CSV
# as a dataset created from the orders contract, a bad batch is refused, and
# dpinspect answers over the mesh.
# Usage: demo_pipeline.sh DPGEN DPINSPECT WORKDIR DPLOAD CONTRACT
set -euo pipefail
dpgen=$1 dpinspect=$2 work=$3 dpload=$4 contract=$5
rm -rf "$work"
mkdir -p "$work"
cd "$work"

"$dpgen" orders --rows 50000 --seed 42 --segment orders.dpc --csv orders.csv --row-group-rows 20000
"$dpinspect" orders.dpc > summary.txt
grep -q '^rows  *50000$' summary.txt
"$dpinspect" schema orders.dpc > schema.txt
grep -q 'price_usd_cents' schema.txt
"$dpinspect" pages orders.dpc --columns ts > pages.txt
"$dpinspect" verify orders.dpc > verify.txt
grep -q ': OK' verify.txt
"$dpinspect" cat orders.dpc --limit 5 > head.csv
[ "$(wc -l < head.csv)" -eq 6 ]

# The segment read back equals the CSV written alongside it (timestamps differ
# only in notation: "YYYY-MM-DD HH:MM:SS.ffffff" vs ISO 8601 "...T...Z";
# discount "0.10" vs shortest form "0.1").
"$dpinspect" cat orders.dpc --columns order_id,customer_id,event_type,ts,product_id,category,quantity,price_usd_cents,country > export.csv
cut -d, -f1-8,10 orders.csv | sed -E 's/,([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9:.]{15}),/,\1T\2Z,/' > expected.csv
cmp expected.csv export.csv

# The same rows published as a data product.
"$dpload" --quiet --root mesh --into dp://orders/order_items --contract "$contract" --create orders.csv
"$dpload" --quiet --root mesh --into dp://orders/order_items --contract "$contract" orders.csv
{ head -n 3 orders.csv; sed -n 4p orders.csv | sed 's/,[A-Z][A-Z]$/,XX/'; } > bad.csv
if "$dpload" --quiet --root mesh --into dp://orders/order_items --contract "$contract" bad.csv 2> bad.err; then
  echo "a batch breaking the contract was accepted" >&2
  exit 1
fi
grep -q 'bad.csv:4: .*column "country": value "XX" is not in the enum' bad.err
"$dpinspect" versions dp://orders/order_items --root mesh > versions.txt
[ "$(tail -n 1 versions.txt | awk '{print $1, $3, $5}')" = "2 append 100000" ]
"$dpinspect" stats dp://orders/order_items@1 --root mesh --agg count,sum:quantity --csv > v1.csv
[ "$(tail -n 1 v1.csv | cut -d, -f1)" = "50000" ]
"$dpinspect" stats dp://orders/order_items --root mesh --group-by country --agg count --csv > by_country.csv
[ "$(wc -l < by_country.csv)" -eq 16 ]
"$dpinspect" verify dp://orders/order_items --root mesh | grep -q ': OK'
echo "demo pipeline OK"
