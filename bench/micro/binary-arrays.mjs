/**
 * The ledger's array parameters two ways, alternated in one process: text literals (`{1,2,3}`,
 * built as the service built them before: ids joined in chunks of 4,096, other numbers by
 * `columnLiteral`; parsed by PostgreSQL's `array_in`) against
 * the binary format (`src/database/binary-arrays.ts`, read by `array_recv`). Two figures per
 * run: the service's CPU to build a shard's arrays (25,000 ids and 25,000 scores, as one ledger
 * statement of a 100,000-user flush carries), and PostgreSQL's time for a statement that unnests
 * 100,000 int8 elements and sums them (the sums are compared: both ways must arrive exact).
 *
 * Usage: npx tsc -p tsconfig.build.json && node bench/micro/binary-arrays.mjs [--rows 25000] [--statement-rows 100000] [--runs 9]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { parseArgs, ROOT } from '../lib/proc.mjs';
import { fmt, median } from '../lib/stats.mjs';

const o = parseArgs(process.argv.slice(2), { rows: 25_000, statementRows: 100_000, runs: 9 });
const { int8Array, float8ArrayOf } = await import(join(ROOT, 'dist/src/database/binary-arrays.js'));
const { columnLiteral, forChunks } = await import(join(ROOT, 'dist/src/common/event-loop.js'));

/** The int8[] text literal of the service before the binary format (its `integersLiteral`). */
async function integersLiteral(values, length) {
  const parts = [];
  await forChunks(length, (start, end) => parts.push(values.subarray(start, end).join(',')));
  if (parts.length === 0) return '{}';
  parts[0] = `{${parts[0]}`;
  parts[parts.length - 1] = `${parts[parts.length - 1]}}`;
  return parts.join(',');
}

const idsOf = (n) => Float64Array.from({ length: n }, (_, i) => 1_000_000 + ((i * 7_919) % 900_000_000));
const ids = idsOf(o.rows);
const scores = Float64Array.from({ length: o.rows }, (_, i) => (i % 997) / 997);
const clamped = (i) => Math.min(1, Math.max(0, scores[i]));

const ways = {
  text: { ids: (values, n) => integersLiteral(values, n), scores: () => columnLiteral(o.rows, clamped) },
  binary: { ids: (values, n) => int8Array(values, n), scores: () => float8ArrayOf(o.rows, clamped) },
};

/** Main-thread CPU (µs) of building one shard's two arrays, ten times over. */
async function buildCpu(way) {
  const started = process.cpuUsage();
  for (let k = 0; k < 10; k++) {
    await way.ids(ids, o.rows);
    await way.scores();
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 10;
}

const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
await client.connect();
const statementIds = idsOf(o.statementRows);
const expected = statementIds.reduce((sum, id) => sum + BigInt(id), 0n).toString();

/** Wall time (ms) of one statement that unnests the ids and sums them, the parameter built beforehand. */
async function statementMs(way) {
  const parameter = await way.ids(statementIds, o.statementRows);
  const started = performance.now();
  const { rows } = await client.query('SELECT sum(x)::text AS s FROM unnest($1::bigint[]) AS x', [parameter]);
  const ms = performance.now() - started;
  if (rows[0].s !== expected) throw new Error(`sum ${rows[0].s}, expected ${expected}`);
  return ms;
}

const figures = { text: { build: [], statement: [] }, binary: { build: [], statement: [] } };
for (let run = 0; run < o.runs; run++) {
  const order = run % 2 === 0 ? ['text', 'binary'] : ['binary', 'text'];
  for (const name of order) {
    figures[name].build.push(await buildCpu(ways[name]));
    figures[name].statement.push(await statementMs(ways[name]));
  }
}
await client.end();

const result = {};
for (const name of ['text', 'binary']) {
  result[name] = { buildCpuUs: median(figures[name].build), statementMs: median(figures[name].statement) };
  console.log(`${name.padEnd(6)} build ${fmt(result[name].buildCpuUs / 1000, 2)} ms of CPU per shard, statement ${fmt(result[name].statementMs, 1)} ms`);
}
console.log(
  `binary / text: build ${fmt(result.binary.buildCpuUs / result.text.buildCpuUs, 2)}×, statement ${fmt(result.binary.statementMs / result.text.statementMs, 2)}× (medians of ${o.runs}, alternated; sums exact)`,
);
