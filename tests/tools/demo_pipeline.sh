#!/usr/bin/env bash
# End-to-end demo pipeline (what scripts/demo.sh shows, at test size):
# dpgen writes a segment and CSV, dpinspect summarizes, verifies and exports
# it, and the export must agree with the CSV. Usage: demo_pipeline.sh DPGEN DPINSPECT WORKDIR
set -euo pipefail
dpgen=$1 dpinspect=$2 work=$3
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
echo "demo pipeline OK"
