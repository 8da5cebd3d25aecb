/**
 * The dashboard summary's query (EarningsRepository.summaries) for a push pass of 1,000 users:
 * `today` and `epoch_total` as two scans of each user's bucket rows (the query before) against
 * one scan summing both with FILTER (this build's), alternated on the same database, results
 * compared row by row. A fresh database with the migrations applied, seeded with 30 days of
 * hourly Network and Referral rows per user.
 *
 * Usage: npx tsc -p tsconfig.build.json && node bench/micro/summary-query.mjs [--users 5000] [--days 30] [--batch 1000] [--runs 10]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase, parseArgs, ROOT } from '../lib/proc.mjs';
import { fmt, median } from '../lib/stats.mjs';

const o = parseArgs(process.argv.slice(2), { users: 5_000, days: 30, batch: 1_000, runs: 10 });
const TWO_SCANS = `SELECT u.id AS user_id, COALESCE(b.network, 0)::text AS network, b.updated_at,
    (SELECT COALESCE(sum(e.amount), 0)::text FROM earnings e WHERE e.user_id = u.id AND e."timestamp" >= $2) AS today,
    (SELECT COALESCE(sum(e.amount), 0)::text FROM earnings e WHERE e.user_id = u.id AND e."timestamp" >= $3 AND e."timestamp" < $4) AS epoch_total
  FROM unnest($1::bigint[]) AS u(id) LEFT JOIN user_balances b ON b.user_id = u.id`;

const db = await createDatabase('bench_summary');
const client = new pg.Client({ connectionString: db.url });
try {
  execFileSync(process.execPath, [join(ROOT, 'dist/src/database/migrate.cli.js')], { env: { ...process.env, DATABASE_URL: db.url }, stdio: 'ignore' });
  await client.connect();
  await client.query(`INSERT INTO users (id, email, username, password_hash, referral_code)
    SELECT i, 'u' || i || '@bench', 'u' || i, 'x', 'c' || i FROM generate_series(1, $1::int) i`, [o.users]);
  await client.query(`INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref)
    SELECT u, s, date_trunc('hour', now()) - h * interval '1 hour', 0, 1.5, ''
      FROM generate_series(1, $1::int) u, generate_series(0, 24 * $2::int) h, unnest(ARRAY['Network', 'Referral']) s`, [o.users, o.days]);
  await client.query(`INSERT INTO user_balances (user_id, network, referral, bonus) SELECT i, 100, 10, 0 FROM generate_series(1, $1::int) i`, [o.users]);
  await client.query('ANALYZE');

  const { EarningsRepository } = await import(join(ROOT, 'dist/src/modules/earnings/earnings.repository.js'));
  // The repository's own statement, captured from a data source that only records it.
  let oneScan = '';
  new EarningsRepository({ query: (text) => ((oneScan = text), Promise.resolve([])) }).summaries([], new Date(), new Date(), new Date());

  const now = new Date();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const params = [Array.from({ length: o.batch }, (_, i) => 1 + ((i * 7) % o.users)), today, today, new Date(today.getTime() + 86_400_000)];
  const times = { 'two scans': [], 'one scan': [] };
  for (let run = 0; run < o.runs; run++) {
    const results = {};
    for (const [name, text] of run % 2 === 0 ? [['two scans', TWO_SCANS], ['one scan', oneScan]] : [['one scan', oneScan], ['two scans', TWO_SCANS]]) {
      const t0 = performance.now();
      const { rows } = await client.query(text, params);
      times[name].push(performance.now() - t0);
      results[name] = JSON.stringify(rows.map((row) => [row.user_id, row.today, row.epoch_total]));
    }
    if (results['two scans'] !== results['one scan']) throw new Error(`run ${run}: the two queries disagree`);
  }
  const [before, after] = [median(times['two scans']), median(times['one scan'])];
  console.log(`${o.batch} users of ${o.users}, ${o.days} days of hourly rows: two scans ${fmt(before, 1)} ms, one scan ${fmt(after, 1)} ms (median of ${o.runs}); ratio ${fmt(after / before, 2)}×; same sums in every run`);
} finally {
  await client.end().catch(() => undefined);
  await db.drop();
}
