// Prints the dpstore vs DuckDB comparison as markdown (bench/peer/run.sh).
//   node compare.mjs dpstore.json duckdb.json [segment.dpc]
// Exits 1 when an exact answer differs between the engines.
import fs from 'node:fs';

const [dpPath, duckPath, segPath] = process.argv.slice(2);
if (!dpPath || !duckPath) {
  process.stderr.write('usage: compare.mjs dpstore.json duckdb.json [segment.dpc]\n');
  process.exit(2);
}
const dp = JSON.parse(fs.readFileSync(dpPath, 'utf8'));
const duck = JSON.parse(fs.readFileSync(duckPath, 'utf8'));

// Cells equal when both parse as numbers within 1e-9 relative, or as strings.
function sameCell(a, b) {
  const x = Number(a), y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y) && String(a).trim() !== '' && String(b).trim() !== '') {
    return x === y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
  }
  return String(a) === String(b);
}
function sameAnswer(a, b) {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((row, i) => row.length === b[i].length && row.every((c, j) => sameCell(c, b[i][j])));
}

const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const ratio = (theirs, ours) => `${(theirs / ours).toFixed(1)}x`;
let mismatches = 0;
const lines = [];
lines.push(`DuckDB ${duck.duckdb_version}; ${dp.rows} rows; medians of ${dp.runs} runs (ms).`);
lines.push('The engines run one after the other, so a burst of load on the host can slow one and not the other;');
lines.push('"min ratio" is DuckDB native\'s fastest run over dpstore\'s, and a run slower than 1.3x its fastest is counted');
lines.push('in "noisy runs".');
lines.push('');
lines.push('| threads | query | dpstore | DuckDB native | ratio | min ratio | DuckDB Parquet | ratio | answers | noisy runs |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
const fastest = (r) => Math.min(...r.samples_ms);
const noisy = (r) => r.samples_ms.filter((ms) => ms > 1.3 * fastest(r)).length;
for (const threads of Object.keys(dp.queries)) {
  const ours = dp.queries[threads], native = duck.queries[threads]?.native, parquet = duck.queries[threads]?.parquet;
  if (!native) continue;
  for (const q of Object.keys(ours)) {
    if (!native[q]) continue;
    let verdict;
    if (q === 'Q5_approx') {
      const exact = Number(ours.Q5_exact.answer[0][0]);
      const err = (v) => `${(100 * (Number(v) / exact - 1)).toFixed(2)}%`;
      verdict = `error vs exact: dpstore ${err(ours[q].answer[0][0])}, DuckDB ${err(native[q].answer[0][0])}`;
    } else if (sameAnswer(ours[q].answer, native[q].answer) && sameAnswer(ours[q].answer, parquet[q].answer)) {
      verdict = 'equal';
    } else {
      verdict = 'DIFFER';
      mismatches++;
      process.stderr.write(`${q} (${threads} threads) answers differ:\n dpstore ${JSON.stringify(ours[q].answer).slice(0, 400)}\n duckdb  ${JSON.stringify(native[q].answer).slice(0, 400)}\n`);
    }
    lines.push(`| ${threads} | ${q} | ${fmt(ours[q].median_ms)} | ${fmt(native[q].median_ms)} | ` +
               `${ratio(native[q].median_ms, ours[q].median_ms)} | ${ratio(fastest(native[q]), fastest(ours[q]))} | ` +
               `${fmt(parquet[q].median_ms)} | ${ratio(parquet[q].median_ms, ours[q].median_ms)} | ${verdict} | ` +
               `dpstore ${noisy(ours[q])}/${ours[q].samples_ms.length}, DuckDB ${noisy(native[q])}/${native[q].samples_ms.length} |`);
  }
}
lines.push('');
if (dp.queries[1]?.Q6) {
  for (const threads of Object.keys(dp.queries)) {
    const q6 = dp.queries[threads].Q6;
    lines.push(`Q6 dpstore, ${threads} thread(s): ${(q6.rows_per_s / 1e6).toFixed(1)}M rows/s delivered ` +
               `(${(q6.scanned_rows_per_s / 1e6).toFixed(1)}M rows/s scanned).`);
  }
}
if (dp.baseline_sum_values_per_s) {
  lines.push(`Baseline, plain int64 sum over the raw column in memory: ${(dp.baseline_sum_values_per_s / 1e9).toFixed(2)}e9 values/s.`);
}
const segBytes = segPath ? fs.statSync(segPath).size : dp.segment_bytes;
if (segBytes) {
  const rows = dp.rows;
  lines.push(`Size: dpstore ${(segBytes / rows).toFixed(2)} B/row; DuckDB native ${(duck.sizes.native_bytes / rows).toFixed(2)} B/row; ` +
             `DuckDB Parquet-zstd ${(duck.sizes.parquet_zstd_bytes / rows).toFixed(2)} B/row; ` +
             `dpstore / Parquet = ${(segBytes / duck.sizes.parquet_zstd_bytes).toFixed(3)}.`);
}
for (const [threads, load] of Object.entries(duck.load)) {
  lines.push(`DuckDB CSV load, ${threads} thread(s): ${fmt(load.ms)} ms, ${(load.rows_per_s / 1e6).toFixed(2)}M rows/s.`);
}
process.stdout.write(lines.join('\n') + '\n');
process.exit(mismatches ? 1 : 0);
