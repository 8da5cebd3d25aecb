/**
 * The ledger's biggest statement (the Network bucket upsert of a flush) two ways, on the same
 * table shape (the `earnings` unique key, NUMERIC(24,6) amounts, fillfactor 70), alternating:
 *
 * - unnest: one `INSERT … SELECT FROM unnest($1::bigint[], …) ON CONFLICT DO UPDATE`, the arrays
 *   sent as text literals built in slices (what LedgerRepository does);
 * - copy: `COPY staging FROM STDIN (FORMAT binary)` into a temporary table, streamed in chunks
 *   of 1,000 rows (a yield to the event loop between chunks), then one `INSERT … SELECT FROM staging ON CONFLICT DO UPDATE`.
 *
 * Each writes --rows rows (the same keys every run: updates, as in a steady flush) in --shards
 * transactions at once, on their own connections. Reported: wall time per run and the event
 * loop's longest block.
 *
 * Usage: node bench/micro/copy-vs-unnest.mjs [--rows 100000] [--shards 4] [--runs 5]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { median, nowMs } from '../lib/stats.mjs';
import { createDatabase, parseArgs } from '../lib/proc.mjs';

const { rows: n, shards, runs } = parseArgs(process.argv.slice(2), { rows: 100_000, shards: 4, runs: 5 });
const log = (message) => process.stderr.write(`[copy-vs-unnest] ${message}\n`);
const yieldNow = () => new Promise((resolve) => setImmediate(resolve));

const own = await createDatabase('bench_copy');
const clients = [];
try {
  for (let k = 0; k < shards; k++) {
    const client = new pg.Client({ connectionString: own.url });
    await client.connect();
    clients.push(client);
  }
  const db = clients[0];
  await db.query(
    `CREATE TABLE buckets (user_id bigint NOT NULL, source varchar(16) NOT NULL, "timestamp" timestamptz NOT NULL,
       epoch int NOT NULL, amount numeric(24,6) NOT NULL, ref varchar(64) NOT NULL DEFAULT '') WITH (fillfactor = 70)`,
  );
  await db.query(`CREATE UNIQUE INDEX uq_buckets ON buckets (user_id, source, "timestamp", ref)`);
  const bucket = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  await db.query(
    `INSERT INTO buckets SELECT i, 'Network', $2, 1, 0, '' FROM generate_series(1, $1) AS i`,
    [n, bucket],
  );
  await db.query('VACUUM ANALYZE buckets');

  const users = Array.from({ length: n }, (_, i) => i + 1);
  const parts = Array.from({ length: shards }, (_, k) => users.slice(Math.floor((k * n) / shards), Math.floor(((k + 1) * n) / shards)));
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const results = { unnest: [], copy: [] };
  const loopMax = { unnest: 0, copy: 0 };
  for (let run = 1; run <= runs; run++) {
    for (const way of ['unnest', 'copy']) {
      loop.reset();
      loop.enable();
      const started = nowMs();
      await Promise.all(parts.map((part, k) => inTransaction(clients[k], (client) => (way === 'unnest' ? viaUnnest : viaCopy)(client, part, bucket))));
      const ms = nowMs() - started;
      loop.disable();
      results[way].push(ms);
      loopMax[way] = Math.max(loopMax[way], loop.max / 1e6);
      log(`run ${run} ${way}: ${Math.round(ms)} ms (event loop blocked ≤ ${Math.round(loop.max / 1e6)} ms)`);
    }
  }
  const { rows } = await db.query(`SELECT sum(amount)::text AS total FROM buckets`);
  const expected = (BigInt(2 * runs) * users.reduce((sum, user) => sum + BigInt(micro(user)), 0n)).toString();
  process.stdout.write(
    `${JSON.stringify({
      rows: n,
      shards,
      unnestMedianMs: median(results.unnest),
      copyMedianMs: median(results.copy),
      unnestRunsMs: results.unnest,
      copyRunsMs: results.copy,
      loopMaxMs: loopMax,
      exact: rows[0].total.replace('.', '').replace(/^0+/, '') === expected,
    })}\n`,
  );
} finally {
  for (const client of clients) await client.end();
  await own.drop();
}

function micro(user) {
  return 500_000 + (user % 1000);
}

async function inTransaction(client, work) {
  await client.query('BEGIN');
  try {
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function literal(items, format) {
  const chunks = [];
  for (let i = 0; i < items.length; i += 1000) {
    chunks.push(items.slice(i, i + 1000).map(format).join(','));
    await yieldNow();
  }
  return `{${chunks.join(',')}}`;
}

async function viaUnnest(client, part, bucket) {
  const at = bucket.toISOString();
  await client.query(
    `INSERT INTO buckets (user_id, source, "timestamp", epoch, amount, ref)
     SELECT t.user_id, 'Network', t.bucket, t.epoch, t.micro * 0.000001, ''
       FROM unnest($1::bigint[], $2::timestamptz[], $3::int[], $4::bigint[]) AS t(user_id, bucket, epoch, micro)
     ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = buckets.amount + EXCLUDED.amount`,
    [await literal(part, (u) => u), await literal(part, () => at), await literal(part, () => 1), await literal(part, micro)],
  );
}

/** PostgreSQL's binary COPY: header, then per row a field count and each field as length + bytes. */
async function* binaryCopy(part, bucket) {
  const PG_EPOCH_US = BigInt(Date.UTC(2000, 0, 1)) * 1000n;
  const header = Buffer.alloc(19);
  header.write('PGCOPY\n\xff\r\n\0', 'latin1');
  yield header; // flags and header extension length: zero
  const at = BigInt(bucket.getTime()) * 1000n - PG_EPOCH_US;
  const ROW = 2 + 4 + 8 + 4 + 8 + 4 + 4 + 4 + 8;
  for (let i = 0; i < part.length; i += 1000) {
    const slice = part.slice(i, i + 1000);
    const chunk = Buffer.alloc(slice.length * ROW);
    let o = 0;
    for (const user of slice) {
      o = chunk.writeInt16BE(4, o);
      o = chunk.writeInt32BE(8, o);
      o = chunk.writeBigInt64BE(BigInt(user), o);
      o = chunk.writeInt32BE(8, o);
      o = chunk.writeBigInt64BE(at, o);
      o = chunk.writeInt32BE(4, o);
      o = chunk.writeInt32BE(1, o);
      o = chunk.writeInt32BE(8, o);
      o = chunk.writeBigInt64BE(BigInt(micro(user)), o);
    }
    yield chunk;
    await yieldNow();
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  yield trailer;
}

async function viaCopy(client, part, bucket) {
  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS staging (user_id bigint, bucket timestamptz, epoch int, micro bigint) ON COMMIT DELETE ROWS`,
  );
  await pipeline(Readable.from(binaryCopy(part, bucket)), client.query(copyStreams.from(`COPY staging FROM STDIN (FORMAT binary)`)));
  await client.query(
    `INSERT INTO buckets (user_id, source, "timestamp", epoch, amount, ref)
     SELECT s.user_id, 'Network', s.bucket, s.epoch, s.micro * 0.000001, '' FROM staging s
     ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = buckets.amount + EXCLUDED.amount`,
  );
}
