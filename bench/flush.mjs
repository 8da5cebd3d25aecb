/**
 * Accrual flush benchmark: the time to write one flush of N users' buffered accruals (one node
 * each, every user inside a referral tree deep enough for all commission tiers) into PostgreSQL,
 * through the service's own AccrualFlusher → LedgerService → LedgerRepository, in-process.
 *
 * Baseline, same run: one plain `INSERT … SELECT FROM unnest … ON CONFLICT DO UPDATE` of the same
 * N rows into a table with the same unique key, over a bare pg client — the least a flush of N
 * users can cost (one set-based statement), against the ledger's whole transaction (earnings
 * buckets, three commission tiers, referral points, node progress, balances, qualification).
 *
 * Also reported: the time the service spends planning the batch before its transactions (summing
 * credits, loading referral chains, computing commission: event-loop time) and the longest the
 * event loop was blocked during a flush (and how many blocks passed 20 ms, of wall time and of the
 * process's CPU time, and of the main thread's own CPU time: on a shared machine preemption alone
 * makes long blocks, and the process's CPU counts V8's GC helper threads); the planning step's
 * main-thread CPU beside its wall time; each statement's time is summed over the shards of a
 * flush (which run at once, so the sum can exceed the flush).
 *
 * Concurrent instances (--instances 1,2,4): that many service instances (each its own Nest
 * application and pool, in this process) on the same database, the n users dealt round-robin
 * between them (disjoint users, shared ancestors), all flushing at the same moment; reported as
 * users written per second by all of them together (median of the runs). Sampled meanwhile every
 * 10 ms from pg_stat_activity: the share of the database's active backends waiting on a lock (row
 * locks: `lockWaitShare`), and over the whole phase the deadlocks PostgreSQL detected
 * (pg_stat_database) and the ledger's transient-conflict retries
 * (`dashboard_ledger_retries_total`, where the code has it); and the CPU time of the database's
 * backends (/proc, by the database name in their process title) per 1,000 users written, with the
 * cores they used on average: what a flush costs PostgreSQL, whatever else runs on the machine.
 *
 * --root DIR: the service code to measure (DIR/dist, built), e.g. a checkout of main for a
 * before/after comparison with this same script; default this checkout.
 *
 * Usage: node bench/flush.mjs [--users 100000] [--runs 5] [--instances 1,2,4] [--shards N]
 *        [--shard-min-users N] [--fillfactor N] [--database-url …] [--root DIR]
 *        [--postgres-settings shared_buffers=4GB,max_wal_size=16GB]
 * Prints progress on stderr and one JSON line (the result) on stdout.
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { median, nowMs } from './lib/stats.mjs';
import { BENCH_JWT_SECRET, CpuMeter, createDatabase, mainThreadMs, parseArgs, ROOT } from './lib/proc.mjs';
import { startSizedPostgres } from './lib/sized-postgres.mjs';

const options = parseArgs(process.argv.slice(2), { users: 100_000, runs: 5, databaseUrl: '', fanout: 3, explain: '', fillfactor: 0, instances: '', shards: 0, shardMinUsers: 0, gaps: '', root: '', postgresSettings: '' });
const CODE = options.root === '' ? ROOT : options.root;

// The measured code's own modules (and its prom-client registry), resolved from its root.
const require = createRequire(join(CODE, 'package.json'));
const { loadConfig } = require(join(CODE, 'dist/src/config/index.js'));
const { startServer } = require(join(CODE, 'dist/src/server.js'));
const { AccrualFlusher } = require(join(CODE, 'dist/src/modules/network/accrual/accrual-flusher.service.js'));
const { LedgerRepository } = require(join(CODE, 'dist/src/modules/earnings/ledger.repository.js'));
const { LedgerService } = require(join(CODE, 'dist/src/modules/earnings/ledger.service.js'));
const { ledgerBucketStartMs } = require(join(CODE, 'dist/src/common/epoch.js'));
const promClient = require('prom-client');
/** The longest the event loop should ever be blocked at a time (issue 13's target). */
const LONG_BLOCK_MS = 20;
const log = (message) => process.stderr.write(`[flush] ${message}\n`);

// --postgres-settings shared_buffers=4GB,max_wal_size=16GB: a PostgreSQL of the run's own with
// those settings instead of the machine's (whose stock 128 MB of shared buffers a 1M-user ledger thrashes).
const sized = options.postgresSettings === '' ? null : await startSizedPostgres(String(options.postgresSettings).split(','));
if (sized !== null) log(`own PostgreSQL with ${sized.settings.join(', ')}`);
const own = options.databaseUrl === '' ? await createDatabase('bench_flush', sized?.url) : null;
const databaseUrl = own?.url ?? options.databaseUrl;
const config = loadConfig({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  DATABASE_URL: databaseUrl,
  JWT_SECRET: BENCH_JWT_SECRET,
  // The flusher's own timer must not take the benchmark's entries.
  EARNINGS_FLUSH_MS: '600000',
  ...(options.shards > 0 ? { EARNINGS_FLUSH_SHARDS: String(options.shards) } : {}),
  ...(options.shardMinUsers > 0 ? { EARNINGS_FLUSH_SHARD_MIN_USERS: String(options.shardMinUsers) } : {}),
});
const instanceCounts = options.instances === '' ? [] : String(options.instances).split(',').map(Number);
const server = await startServer(config);
const servers = [server];
for (let i = 1; i < Math.max(1, ...instanceCounts); i++) servers.push(await startServer(config));
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();

try {
  const n = options.users;
  const t = nowMs();
  // Set-based seeding: users 1..n, user i (> 1) referred by ⌊(i − 2) / fanout⌋ + 1, one node each.
  await db.query(`TRUNCATE users RESTART IDENTITY CASCADE`);
  if (options.fillfactor > 0) {
    // Experiment: leave room on each page for HOT updates of the rows a flush rewrites.
    const { rows: parts } = await db.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'earnings'`,
    );
    for (const table of ['user_balances', 'network_connections', 'referrals', ...parts.map((row) => row.relname)]) {
      await db.query(`ALTER TABLE "${table}" SET (fillfactor = ${Number(options.fillfactor)})`);
    }
    log(`fillfactor ${options.fillfactor} on user_balances, network_connections, referrals and ${parts.length} earnings partitions`);
  }
  await db.query(
    `INSERT INTO users (email, username, password_hash, referral_code)
     SELECT 'flush' || i || '@bench.example.com', 'flush_' || i, 'x', 'fl' || i FROM generate_series(1, $1) AS i`,
    [n],
  );
  await db.query(
    `INSERT INTO referrals (referrer_id, referee_id) SELECT (i - 2) / $2 + 1, i FROM generate_series(2, $1) AS i`,
    [n, options.fanout],
  );
  await db.query(
    `INSERT INTO network_connections (user_id, device_id, network_name, connected, network_score)
     SELECT i, 'node-1', 'node-1', true, 1 FROM generate_series(1, $1) AS i`,
    [n],
  );
  await db.query(`ANALYZE`);
  log(`seeded ${n} users, ${n - 1} referrals and ${n} nodes in ${Math.round(nowMs() - t)} ms`);

  // Time each statement of the ledger write (the profile of a flush), without touching src/.
  const repository = server.app.get(LedgerRepository);
  const statementMs = {};
  const statements = ['referralLinksOf', 'claimBatch', 'addToBuckets', 'addToReferralPoints', 'lockPendingReferrals', 'insertBonuses', 'addToBalances', 'advanceNodes', 'completeQualified', 'markRewarded'];
  // Each version of the code has its own statements: time those it has.
  for (const name of statements.filter((candidate) => typeof repository[candidate] === 'function')) {
    const original = repository[name].bind(repository);
    repository[name] = async (...args) => {
      const started = nowMs();
      try {
        return await original(...args);
      } finally {
        (statementMs[name] ??= []).push(nowMs() - started);
      }
    };
  }

  // The planning step (JavaScript before the transactions) and the event loop's longest block.
  const service = server.app.get(LedgerService);
  const plan = service.plan.bind(service);
  service.plan = async (...args) => {
    const started = nowMs();
    const startedOnThread = mainThreadMs();
    try {
      return await plan(...args);
    } finally {
      (statementMs.plan ??= []).push(nowMs() - started);
      // The event loop's own time in it: the wall time also holds waits for a core (PostgreSQL
      // shares this machine's) and, cold, the chain loader's queries.
      (statementMs.planMainThreadCpu ??= []).push(mainThreadMs() - startedOnThread);
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const blocks = loopBlocks(LONG_BLOCK_MS);

  const flusher = server.app.get(AccrualFlusher);
  const runs = [];
  for (let run = 1; run <= options.runs; run++) {
    const now = Date.now();
    const bucket = ledgerBucketStartMs(now, config.earnings);
    for (let i = 1; i <= n; i++) flusher.buffer.add(i, i, bucket, 30, 500_000 + (i % 1000), 1, now);
    for (const key of Object.keys(statementMs)) delete statementMs[key];
    loop.reset();
    loop.enable();
    blocks.start();
    const wal = await walPosition(db);
    const started = nowMs();
    await flusher.flush();
    const elapsed = nowMs() - started;
    const walBytes = await walSince(db, wal);
    loop.disable();
    const long = blocks.stop();
    if (!flusher.idle) throw new Error('flush failed (entries were put back); see the log above');
    runs.push({
      ms: elapsed,
      walBytes,
      loopMaxMs: loop.max / 1e6,
      longBlocks: long.length,
      longBlocksOnCpu: long.filter((block) => block.cpuMs > LONG_BLOCK_MS).length,
      longBlocksOnMainThread: long.filter((block) => block.mainThreadMs > LONG_BLOCK_MS).length,
      statements: Object.fromEntries(Object.entries(statementMs).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0)])),
    });
    log(
      `run ${run}: ${Math.round(elapsed)} ms, ${(walBytes / 1048576).toFixed(1)} MB of WAL (event loop blocked ≤ ${Math.round(loop.max / 1e6)} ms, ${long.length} blocks over ${LONG_BLOCK_MS} ms: ` +
        `${long.map((block) => `${Math.round(block.ms)}/${Math.round(block.cpuMs)}/${Math.round(block.mainThreadMs)}`).join(' ')} wall/CPU/main-thread ms) ${JSON.stringify(runs.at(-1).statements, (k, v) => (typeof v === 'number' ? Math.round(v) : v))}`,
    );
  }
  if (options.gaps !== '') writeFileSync(options.gaps, JSON.stringify(blocks.all));

  if (options.explain !== '') await explainRun(repository, flusher, n, options.explain);

  // Baseline: one upsert statement of the same n rows into a table with the same unique key.
  await db.query(`DROP TABLE IF EXISTS bench_flush_baseline`);
  await db.query(
    `CREATE TABLE bench_flush_baseline (user_id bigint NOT NULL, source varchar(16) NOT NULL, "timestamp" timestamptz NOT NULL,
       epoch int NOT NULL, amount numeric(24,6) NOT NULL, ref varchar(64) NOT NULL DEFAULT '')`,
  );
  await db.query(`CREATE UNIQUE INDEX uq_bench_flush_baseline ON bench_flush_baseline (user_id, source, "timestamp", ref)`);
  const baseline = [];
  const baselineWal = [];
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  for (let run = 1; run <= options.runs; run++) {
    const bucket = new Date(ledgerBucketStartMs(Date.now(), config.earnings));
    const amounts = ids.map((i) => ((500_000 + (i % 1000)) / 1e6).toFixed(6));
    const wal = await walPosition(db);
    const started = nowMs();
    await db.query('BEGIN');
    await db.query(
      `INSERT INTO bench_flush_baseline (user_id, source, "timestamp", epoch, amount, ref)
       SELECT t.user_id, 'Network', $2, 0, t.amount, '' FROM unnest($1::bigint[], $3::numeric[]) AS t(user_id, amount)
       ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = bench_flush_baseline.amount + EXCLUDED.amount`,
      [ids, bucket, amounts],
    );
    await db.query('COMMIT');
    baseline.push(nowMs() - started);
    baselineWal.push(await walSince(db, wal));
    log(`baseline run ${run}: ${Math.round(baseline.at(-1))} ms, ${(baselineWal.at(-1) / 1048576).toFixed(1)} MB of WAL`);
  }

  // The same baseline with integer micro-points (BIGINT) instead of NUMERIC(24,6): what a change
  // of the storage type could gain at most.
  await db.query(`DROP TABLE IF EXISTS bench_flush_baseline_bigint`);
  await db.query(
    `CREATE TABLE bench_flush_baseline_bigint (user_id bigint NOT NULL, source varchar(16) NOT NULL, "timestamp" timestamptz NOT NULL,
       epoch int NOT NULL, amount bigint NOT NULL, ref varchar(64) NOT NULL DEFAULT '')`,
  );
  await db.query(`CREATE UNIQUE INDEX uq_bench_flush_baseline_bigint ON bench_flush_baseline_bigint (user_id, source, "timestamp", ref)`);
  const baselineBigint = [];
  for (let run = 1; run <= options.runs; run++) {
    const bucket = new Date(ledgerBucketStartMs(Date.now(), config.earnings));
    const amounts = ids.map((i) => 500_000 + (i % 1000));
    const started = nowMs();
    await db.query('BEGIN');
    await db.query(
      `INSERT INTO bench_flush_baseline_bigint (user_id, source, "timestamp", epoch, amount, ref)
       SELECT t.user_id, 'Network', $2, 0, t.amount, '' FROM unnest($1::bigint[], $3::bigint[]) AS t(user_id, amount)
       ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = bench_flush_baseline_bigint.amount + EXCLUDED.amount`,
      [ids, bucket, amounts],
    );
    await db.query('COMMIT');
    baselineBigint.push(nowMs() - started);
    log(`baseline (bigint) run ${run}: ${Math.round(baselineBigint.at(-1))} ms`);
  }

  // Concurrent instances: k services flush disjoint users (round-robin) at the same moment.
  const concurrent = {};
  const sampler = new pg.Client({ connectionString: databaseUrl });
  await sampler.connect();
  const dbName = new URL(databaseUrl).pathname.slice(1);
  const pgCpu = new CpuMeter(/^postgres$/, (cmdline) => cmdline.includes(` ${dbName} `));
  for (const k of instanceCounts) {
    const pgCpuMs = [];
    const flushers = servers.slice(0, k).map((instance) => instance.app.get(AccrualFlusher));
    const times = [];
    const shares = [];
    const deadlocksBefore = await deadlocks(db);
    const retriesBefore = await retries();
    for (let run = 1; run <= options.runs; run++) {
      const now = Date.now();
      const bucket = ledgerBucketStartMs(now, config.earnings);
      for (let i = 1; i <= n; i++) flushers[i % k].buffer.add(i, i, bucket, 30, 500_000 + (i % 1000), 1, now);
      const sampling = sampleLockWaits(sampler);
      const cpuBefore = pgCpu.readMs();
      const started = nowMs();
      await Promise.all(flushers.map((f) => f.flush()));
      times.push(nowMs() - started);
      pgCpuMs.push(pgCpu.readMs() - cpuBefore);
      shares.push(await sampling.stop());
      if (!flushers.every((f) => f.idle)) throw new Error('a concurrent flush failed (entries were put back); see the log above');
      log(
        `${k} instance(s), run ${run}: ${Math.round(times.at(-1))} ms, ${Math.round(n / (times.at(-1) / 1000))} users/s, lock waits ${(shares.at(-1) * 100).toFixed(1)} %, ` +
          `PostgreSQL ${Math.round(pgCpuMs.at(-1))} ms CPU (${(pgCpuMs.at(-1) / times.at(-1)).toFixed(2)} cores)`,
      );
    }
    concurrent[k] = {
      runsMs: times,
      medianMs: median(times),
      usersPerSecond: n / (median(times) / 1000),
      lockWaitShare: median(shares),
      pgCpuMsPer1000Users: median(pgCpuMs) / (n / 1000),
      pgCores: median(pgCpuMs.map((ms, index) => ms / times[index])),
      deadlocks: (await deadlocks(db)) - deadlocksBefore,
      retries: retriesBefore === null ? 'not counted by this code' : (await retries()) - retriesBefore,
    };
  }
  await sampler.end();

  // The ledger invariant still holds after the benchmark's flushes.
  const { rows } = await db.query(
    `SELECT count(*)::int AS bad FROM user_balances b
       LEFT JOIN (SELECT user_id, sum(amount) AS total FROM earnings GROUP BY user_id) e ON e.user_id = b.user_id
      WHERE b.network + b.referral + b.bonus <> COALESCE(e.total, 0)`,
  );
  // How many of the flushes' row updates were HOT (no index entries written), per table.
  const { rows: hot } = await db.query(
    `SELECT relname, n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables
      WHERE relname IN ('user_balances', 'network_connections', 'referrals') OR relname LIKE 'earnings%' ORDER BY relname`,
  );
  // What a ledger row costs on disk after the runs: heap and indexes of the earnings partitions, per row.
  const { rows: ledgerSize } = await db.query(
    `SELECT sum(pg_relation_size(c.oid))::float8 AS heap, sum(pg_indexes_size(c.oid))::float8 AS indexes,
            (SELECT count(*) FROM earnings)::float8 AS rows
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'earnings'`,
  );
  const result = {
    code: CODE,
    users: n,
    earningsBytesPerRow: { heap: Math.round(ledgerSize[0].heap / ledgerSize[0].rows), indexes: Math.round(ledgerSize[0].indexes / ledgerSize[0].rows) },
    fillfactor: (await db.query(`SELECT reloptions FROM pg_class WHERE relname = 'user_balances'`)).rows[0].reloptions ?? 'default (100)',
    hotUpdates: Object.fromEntries(hot.filter((row) => row.updates > 0).map((row) => [row.relname, `${row.hot}/${row.updates}`])),
    shards: config.earnings.flushShards,
    shardMinUsers: config.earnings.flushShardMinUsers,
    runsMs: runs.map((r) => r.ms),
    walBytesRuns: runs.map((r) => r.walBytes),
    baselineWalBytesRuns: baselineWal,
    medianMs: median(runs.map((r) => r.ms)),
    loopMaxMs: Math.max(...runs.map((r) => r.loopMaxMs)),
    loopBlocksOver20Ms: runs.map((r) => r.longBlocks),
    loopBlocksOver20MsOfCpu: runs.map((r) => r.longBlocksOnCpu),
    loopBlocksOver20MsOfMainThread: runs.map((r) => r.longBlocksOnMainThread),
    planMainThreadCpuRunsMs: runs.map((r) => r.statements.planMainThreadCpu),
    statementsMedianMs: Object.fromEntries(
      Object.keys(runs[0].statements).map((k) => [k, median(runs.map((r) => r.statements[k] ?? 0))]),
    ),
    baselineRunsMs: baseline,
    baselineMedianMs: median(baseline),
    baselineBigintRunsMs: baselineBigint,
    baselineBigintMedianMs: median(baselineBigint),
    concurrent,
    invariantViolations: rows[0].bad,
    postgresSettings: sized?.settings ?? 'the machine\'s',
  };
  if (options.explain !== '') result.invariantViolations = 'not checked (--explain writes through EXPLAIN ANALYZE)';
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await db.end();
  for (const instance of servers) await instance.stop();
  await own?.drop();
  sized?.stop();
}

/**
 * WAL written since `since` (a position from `walPosition`), in bytes: what a flush costs the
 * primary's disk and its replicas, and a figure that does not drift with the machine's load
 * (exact only when nothing else writes to the same PostgreSQL: see --postgres-settings).
 */
async function walPosition(client) {
  return (await client.query(`SELECT pg_current_wal_insert_lsn()::text AS lsn`)).rows[0].lsn;
}
async function walSince(client, since) {
  return (await client.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::float8 AS bytes`, [since])).rows[0].bytes;
}

/** Deadlocks PostgreSQL detected in this database so far. */
async function deadlocks(client) {
  const { rows } = await client.query(`SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`);
  return rows[0].n;
}

/** The ledger's transient-conflict retries so far (all instances: one registry), or null where the code does not count them. */
async function retries() {
  const metric = promClient.register.getSingleMetric('dashboard_ledger_retries_total');
  if (metric === undefined) return null;
  return (await metric.get()).values.reduce((sum, value) => sum + value.value, 0);
}

/**
 * Samples pg_stat_activity every 10 ms until stopped: of the database's active backends (other
 * than the sampler), the share waiting on a lock (wait_event_type 'Lock': row locks, mostly
 * `transactionid`/`tuple`).
 */
function sampleLockWaits(client) {
  let active = 0;
  let waiting = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS active, count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting
           FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      active += rows[0].active;
      waiting += rows[0].waiting;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return active === 0 ? 0 : waiting / active;
    },
  };
}

/**
 * The event loop's blocks longer than `thresholdMs` while started: a 1 ms timer that notes how
 * late it runs. Each block is kept with its window on the monotonic clock in µs (the clock of
 * `node --cpu-prof` profiles), so `bench/long-tasks.mjs --gaps` can say what ran in it.
 */
function loopBlocks(thresholdMs) {
  const all = [];
  let current = [];
  let timer;
  return {
    all,
    start() {
      current = [];
      let last = process.hrtime.bigint();
      let lastCpu = process.cpuUsage();
      let lastOnThread = mainThreadMs();
      timer = setInterval(() => {
        const now = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        const onThread = mainThreadMs();
        const ms = Number(now - last) / 1e6;
        // CPU time of the process in the block (its GC threads included): well below the block's
        // length means the machine took the core away, not that this process was busy. The main
        // thread's own CPU time is what the event loop itself spent (its GC pauses included).
        const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
        if (ms > thresholdMs) current.push({ ms, cpuMs, mainThreadMs: onThread - lastOnThread, startUs: Number(last / 1000n), endUs: Number(now / 1000n) });
        last = now;
        lastCpu = cpu;
        lastOnThread = onThread;
      }, 1);
    },
    stop() {
      clearInterval(timer);
      all.push(...current);
      return current;
    },
  };
}

/**
 * --explain addToBuckets,addToReferralPoints,…: one more flush, not measured, in which the named ledger
 * statements run under EXPLAIN (ANALYZE, BUFFERS); their plans go to stderr. (The statements
 * still execute, so this run's effects are real but its bookkeeping is not: use a throwaway DB.)
 */
async function explainRun(repository, flusher, n, names) {
  for (const name of names.split(',')) {
    const timed = repository[name];
    repository[name] = (manager, ...args) => {
      const explaining = Object.create(manager);
      explaining.query = async (sql, params) => {
        const plan = await manager.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        log(`plan of ${name}:\n${plan.map((row) => row['QUERY PLAN']).join('\n')}`);
        // What each caller expects from an empty result: UPDATE … RETURNING gives [rows, count].
        return name === 'completeQualified' ? [[], 0] : [];
      };
      return timed(explaining, ...args);
    };
  }
  const now = Date.now();
  const bucket = ledgerBucketStartMs(now, config.earnings);
  for (let i = 1; i <= n; i++) flusher.buffer.add(i, i, bucket, 30, 500_000 + (i % 1000), 1, now);
  await flusher.flush();
}
