// DuckDB side of the peer comparison (bench/peer/README.md).
//
//   node duckdb_orders.mjs --csv orders.csv --work DIR --threads 1,2 --runs 5
//
// Loads the dpgen order-events CSV into a DuckDB native table (file-backed)
// and writes a Parquet file with zstd, then runs Q1..Q6 (bench/peer/queries.md)
// against both with each thread count: page cache warm, one warm-up run,
// median of --runs. Prints one JSON document on stdout: load times, file
// sizes, and per query/engine/threads the median and all samples in ms plus
// the answer (to be compared with dpstore's).
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

function parseArgs(argv) {
  const args = { threads: [1, 2], runs: 5 };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i], value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === '--csv') args.csv = value;
    else if (key === '--work') args.work = value;
    else if (key === '--threads') args.threads = value.split(',').map(Number);
    else if (key === '--runs') args.runs = Number(value);
    else throw new Error(`unknown option ${key}`);
  }
  if (!args.csv || !args.work) throw new Error('usage: --csv FILE --work DIR [--threads 1,2] [--runs 5]');
  return args;
}

// The CSV's types, spelled out so DuckDB does not sniff (the same schema as
// `dpinspect schema` of the dpgen segment).
const kColumns = `{'order_id': 'BIGINT', 'customer_id': 'BIGINT', 'event_type': 'VARCHAR',
  'ts': 'TIMESTAMP', 'product_id': 'INTEGER', 'category': 'VARCHAR', 'quantity': 'INTEGER',
  'price_usd_cents': 'BIGINT', 'discount': 'DOUBLE', 'country': 'VARCHAR'}`;

// Keep in sync with bench/peer/queries.md and bench/scan/scan_bench.cc.
const kQueries = {
  Q1: `SELECT sum(price_usd_cents) FROM T`,
  Q2: `SELECT count(*), sum(quantity) FROM T
       WHERE ts >= TIMESTAMP '2024-06-01' AND ts < TIMESTAMP '2024-07-01'`,
  Q3: `SELECT category, count(*), sum(price_usd_cents), avg(discount) FROM T
       GROUP BY category ORDER BY category`,
  Q4: `SELECT date_trunc('day', ts) AS day, count(*), sum(price_usd_cents) FROM T
       WHERE country = 'DE' AND ts >= TIMESTAMP '2024-04-01' AND ts < TIMESTAMP '2024-07-01'
       GROUP BY day ORDER BY day`,
  Q5_exact: `SELECT count(DISTINCT customer_id) FROM T`,
  Q5_approx: `SELECT approx_count_distinct(customer_id) FROM T`,
  // A filtered projection of 4 numeric columns, materialized inside DuckDB
  // (the closest it has to handing rows to an embedding consumer).
  Q6: `CREATE OR REPLACE TEMP TABLE q6 AS
       SELECT order_id, customer_id, quantity, price_usd_cents FROM T
       WHERE quantity >= 5 AND discount > 0`,
};
const kQ6Count = `SELECT count(*) FROM T WHERE quantity >= 5 AND discount > 0`;

const jsonable = (v) => (typeof v === 'bigint' ? v.toString() : v?.toString?.() ?? v);

async function timeIt(fn) {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

async function runQueries(connection, table, runs) {
  const out = {};
  for (const [name, sqlTemplate] of Object.entries(kQueries)) {
    const sql = sqlTemplate.replaceAll(/\bT\b/g, table);
    await connection.run(sql);  // warm-up
    const samples = [];
    let answer = null;
    for (let i = 0; i < runs; i++) {
      const [ms, reader] = await timeIt(() => connection.runAndReadAll(sql));
      samples.push(ms);
      if (i === 0 && name !== 'Q6') answer = reader.getRows().map((r) => r.map(jsonable));
    }
    if (name === 'Q6') {
      const reader = await connection.runAndReadAll(kQ6Count.replaceAll(/\bT\b/g, table));
      answer = reader.getRows().map((r) => r.map(jsonable));
    }
    samples.sort((a, b) => a - b);
    out[name] = { median_ms: samples[Math.floor(samples.length / 2)], samples_ms: samples, answer };
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv);
  fs.mkdirSync(args.work, { recursive: true });
  const dbPath = path.join(args.work, 'orders.duckdb');
  const parquetPath = path.join(args.work, 'orders_zstd.parquet');
  const result = { duckdb_version: null, csv: args.csv, csv_bytes: fs.statSync(args.csv).size,
                   load: {}, sizes: {}, queries: {} };

  // CSV load into a native table, once per thread count (fresh database each time).
  for (const threads of args.threads) {
    for (const f of [dbPath, dbPath + '.wal']) fs.rmSync(f, { force: true });
    const instance = await DuckDBInstance.create(dbPath, { threads: String(threads) });
    const connection = await instance.connect();
    const [ms] = await timeIt(() => connection.run(
      `CREATE TABLE orders AS SELECT * FROM read_csv('${args.csv}', header = true, columns = ${kColumns})`));
    await connection.run('CHECKPOINT');
    const rows = (await connection.runAndReadAll('SELECT count(*) FROM orders')).getRows()[0][0];
    result.load[threads] = { ms, rows: Number(rows), rows_per_s: Number(rows) / (ms / 1000) };
    if (!result.duckdb_version) {
      result.duckdb_version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];
    }
    connection.closeSync();
    instance.closeSync?.();
  }
  result.sizes.native_bytes = fs.statSync(dbPath).size;

  const instance = await DuckDBInstance.create(dbPath);
  const connection = await instance.connect();
  fs.rmSync(parquetPath, { force: true });
  await connection.run(`COPY orders TO '${parquetPath}' (FORMAT parquet, COMPRESSION zstd)`);
  result.sizes.parquet_zstd_bytes = fs.statSync(parquetPath).size;
  await connection.run(`CREATE VIEW orders_parquet AS SELECT * FROM read_parquet('${parquetPath}')`);

  for (const threads of args.threads) {
    await connection.run(`SET threads = ${threads}`);
    result.queries[threads] = {
      native: await runQueries(connection, 'orders', args.runs),
      parquet: await runQueries(connection, 'orders_parquet', args.runs),
    };
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  process.stderr.write(`duckdb_orders: ${err.message}\n`);
  process.exit(1);
});
