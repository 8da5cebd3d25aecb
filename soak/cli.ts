import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { EventBus } from '../src/infra/bus/event-bus';
import { UserReadCache } from '../src/infra/cache/user-read-cache';
import { SessionValidator } from '../src/modules/auth/session-validator.service';
import { AccrualFlusher } from '../src/modules/network/accrual/accrual-flusher.service';
import { RealtimeServer } from '../src/realtime/realtime.server';
import { startServer } from '../src/server';
import { api } from '../test/support/api-client';
import { LogCapture } from '../test/support/log-capture';
import { createTestDatabase } from '../test/support/test-database';
import { createTestRedisNamespace } from '../test/support/test-redis';
import { PoolOptions, SoakUser } from './engine';
import { formatReport, runSoak, soakProblems } from './run';
import { WorkerFleet } from './worker-fleet';

/**
 * `npm run soak -- --minutes 5 --sockets 5000`: the real service in this process, on a fresh
 * database of the local PostgreSQL (TEST_POSTGRES_URL, as the tests use) and, unless --no-redis,
 * the local Redis under a prefix of its own; thousands of client sockets churning in worker
 * processes. Prints progress and the figures; exits 1 when a promise is broken.
 */

export interface SoakArgs {
  minutes: number;
  sockets: number;
  users: number;
  workers: number;
  heartbeatMs: number;
  redis: boolean;
  storms: number;
  stormFraction: number;
  seed: number;
  json: string | null;
}

/** One process holds at most this many sockets here (the file limit is 20,000 per process). */
export const MAX_SOCKETS_PER_PROCESS = 19_000;
/** Client sockets per worker process. */
const SOCKETS_PER_WORKER = 10_000;

const USAGE = `usage: npm run soak -- [--minutes N] [--sockets N] [--users N] [--workers N] [--heartbeat-ms N]
                       [--storms N] [--storm-fraction F] [--no-redis] [--seed N] [--json FILE]`;

export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'no-redis' || name === 'redis') flags.add(name);
    else if (inline !== undefined) values.set(name, inline);
    else if (i + 1 < argv.length) values.set(name, argv[++i]!);
    else throw new Error(`--${name} needs a value\n${USAGE}`);
  }
  const known = new Set(['minutes', 'sockets', 'users', 'workers', 'heartbeat-ms', 'storms', 'storm-fraction', 'seed', 'json']);
  for (const name of values.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number in [${min}, ${max}], got ${raw}`);
    return value;
  };
  const minutes = number('minutes', 5, 0.25, 24 * 60);
  const sockets = Math.round(number('sockets', 5_000, 10, MAX_SOCKETS_PER_PROCESS));
  return {
    minutes,
    sockets,
    users: Math.round(number('users', Math.max(10, Math.ceil(sockets / 10)), 1, sockets)),
    workers: Math.round(number('workers', Math.max(1, Math.ceil(sockets / SOCKETS_PER_WORKER)), 1, 64)),
    heartbeatMs: Math.round(number('heartbeat-ms', 2_000, 100, 60_000)),
    redis: !flags.has('no-redis'),
    storms: Math.round(number('storms', Math.max(1, Math.round(minutes)), 0, 10_000)),
    stormFraction: number('storm-fraction', 0.3, 0, 1),
    seed: Math.round(number('seed', 2026, 0, 2 ** 32 - 1)),
    json: values.get('json') ?? null,
  };
}

/** Registers `count` users, each referred by user ⌊(i−1)/3⌋: a referral tree several tiers deep. */
export async function registerSoakUsers(baseUrl: string, count: number, label: string): Promise<SoakUser[]> {
  const registered: Array<Promise<SoakUser & { referralCode: string }>> = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? Promise.resolve(null) : registered[Math.floor((i - 1) / 3)]!;
    registered.push(
      parent.then(async (referrer) => {
        const response = await api({ url: baseUrl }, 'POST', '/api/auth/register', {
          body: {
            email: `${label}-${i}@soak.example.com`,
            username: `${label}_${i}`.slice(0, 32),
            password: 'soak password 1',
            ...(referrer === null ? {} : { referral_code: referrer.referralCode }),
          },
        });
        if (response.status !== 201) throw new Error(`register ${i}: ${response.status} ${JSON.stringify(response.body)}`);
        return { id: response.body.user.id, accessToken: response.body.access_token, referralCode: response.body.user.referral_code };
      }),
    );
  }
  return (await Promise.all(registered)).map(({ id, accessToken }) => ({ id, accessToken }));
}

/** The service's settings for a soak: fast heartbeats and flushes, referrals that complete quickly. */
export function soakEnv(heartbeatMs: number): Record<string, string> {
  return {
    HEARTBEAT_INTERVAL_MS: String(heartbeatMs),
    // Ten periods: a heartbeat delayed by a busy machine is not a silent client (those still get 4000).
    CLIENT_TIMEOUT_MS: String(heartbeatMs * 10),
    // Generous, so that a burst of reconnects (a storm) on a busy machine is served, not shed.
    CONNECT_TIMEOUT_MS: '15000',
    DATABASE_POOL_SIZE: '20',
    EARNINGS_FLUSH_MS: '1000',
    POINTS_PER_HOUR: '3600',
    REFERRAL_QUALIFY_POINTS: '2',
    REFERRAL_BONUS_POINTS: '5',
    JWT_ACCESS_TTL: '86400',
    AUTH_REQUESTS_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  };
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const args = parseSoakArgs(argv);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const database = await createTestDatabase('soak');
  const redis = args.redis ? createTestRedisNamespace('soak') : null;
  const logs = new LogCapture();
  const config = loadConfig({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(48).toString('base64'),
    DATABASE_URL: database.url,
    ...(redis === null ? {} : { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix }),
    ...soakEnv(args.heartbeatMs),
  });
  const server = await startServer(config, { logDestination: logs });
  let code = 1;
  try {
    out(`service at ${server.url} (database ${database.name}${redis === null ? ', no Redis' : `, Redis prefix ${redis.keyPrefix}`}); registering ${args.users} users`);
    const users = await registerSoakUsers(server.url, args.users, 'soak');
    const wsUrl = server.url.replace(/^http/, 'ws');
    const perWorker: PoolOptions[] = Array.from({ length: args.workers }, (_, index) => ({
      wsUrl,
      users,
      sockets: Math.floor(args.sockets / args.workers) + (index < args.sockets % args.workers ? 1 : 0),
      heartbeatMs: args.heartbeatMs,
      lifetimeMs: [5_000, 60_000],
      reconnectDelayMs: [50, 1_000],
      label: `w${index}`,
      // Each worker connects from its own loopback address: ephemeral ports (and TIME_WAIT) per address.
      localAddress: `127.0.0.${2 + index}`,
      seed: args.seed + index,
    }));
    const fleet = await WorkerFleet.launch(perWorker);
    const durationMs = args.minutes * 60_000;
    const report = await runSoak(
      {
        sockets: args.sockets,
        users: args.users,
        rampMs: Math.min(30_000, Math.max(5_000, args.sockets * 4)),
        goal: { kind: 'time', durationMs, warmupMs: Math.min(60_000, Math.max(10_000, durationMs * 0.15)) },
        storms: args.storms,
        stormFraction: args.stormFraction,
        progressEveryMs: 10_000,
      },
      fleet,
      {
        realtime: server.app.get(RealtimeServer),
        bus: server.app.get(EventBus),
        flusher: server.app.get(AccrualFlusher),
        databaseUrl: database.url,
        releaseCaches: () => {
          const later = Date.now() + 600_000;
          server.app.get(UserReadCache).releaseIdle(later);
          server.app.get(SessionValidator).releaseIdle(later);
        },
        errorLines: () => logs.lines.filter((line) => Number(line.level) >= 50).map((line) => `${String(line.context ?? '')}: ${String(line.msg)}`),
      },
      out,
    );
    out('');
    out(formatReport(report));
    if (args.json !== null) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    const problems = soakProblems(report);
    out(problems.length === 0 ? '\nPASS: every promise kept' : `\nFAIL:\n  ${problems.join('\n  ')}`);
    code = problems.length === 0 ? 0 : 1;
  } finally {
    await server.stop();
    await database.drop();
    await redis?.clear();
  }
  return code;
}
