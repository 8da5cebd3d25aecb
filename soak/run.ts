import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventBus } from '../src/infra/bus/event-bus';
import { AccrualFlusher } from '../src/modules/network/accrual/accrual-flusher.service';
import { Connection } from '../src/realtime/connection';
import { RealtimeServer } from '../src/realtime/realtime.server';
import { ledgerMismatches, referralMismatches } from '../test/support/ledger-invariant';
import { sql } from '../test/support/sql';
import { ClientFleet, PoolStats } from './engine';

/**
 * The soak's phases and figures: ramp up, warm up (churn and one storm), measure; churn with
 * storms, measure again; let every client leave and check that the registry is empty, the
 * ledger exact and the heap back where it was. Used by the CI soak and by `npm run soak`.
 */

export interface SoakPlan {
  readonly sockets: number;
  readonly users: number;
  /** Time over which the sockets first connect. */
  readonly rampMs: number;
  /** Storms during the measured churn, evenly spaced (in time, or in sessions for a work goal). */
  readonly storms: number;
  /** Share of the open sockets each storm cuts. */
  readonly stormFraction: number;
  readonly progressEveryMs: number;
  /** When the warm-up and the churn end. */
  readonly goal: SoakGoal;
}

/**
 * When the soak's phases end. `time` (the long soak, `npm run soak -- --minutes N`): the churn runs
 * for a duration. `work` (the CI soak): each phase runs until a fixed amount of work is done, so a
 * slow machine takes longer rather than doing less; `timeoutMs` is only a safety net, and running
 * into it is a failure (the service could not serve the work at all).
 */
export type SoakGoal =
  | {
      readonly kind: 'time';
      readonly durationMs: number;
      /** Churn (with one storm) before the memory baseline is taken. */
      readonly warmupMs: number;
    }
  | {
      readonly kind: 'work';
      /** Sessions opened (all slots count once at the ramp) before the memory baseline is taken. */
      readonly warmupSessions: number;
      /** Sessions opened in all before the churn ends. */
      readonly sessions: number;
      /** Heartbeat replies received in all before the churn ends. */
      readonly heartbeats: number;
      /** Sessions ended in each way (Disconnect, close, reset, silence, before Connect) before the churn ends. */
      readonly departuresEach: number;
      /** A storm waits until at least this many sockets are open, so that each cuts a real crowd. */
      readonly stormMinOpen: number;
      readonly timeoutMs: number;
    };

export const DEPARTURE_KINDS = ['disconnect', 'close', 'terminate', 'silent', 'early'] as const;

/** What the soak may grow by between the warm baseline and the end of churn. */
export const HEAP_GROWTH_BOUND = { mb: 24, fraction: 0.15 } as const;

export interface SoakServer {
  readonly realtime: RealtimeServer;
  readonly bus: EventBus;
  readonly flusher: AccrualFlusher;
  readonly databaseUrl: string;
  /**
   * Makes the per-user caches (dashboard reads, session statuses) let go as if every entry had
   * expired: they may rightly hold a departed user's subscription until then (up to a minute);
   * whatever is still subscribed after this is a leak.
   */
  releaseCaches(): void;
  /** Error-level log lines of the service so far. */
  errorLines(): readonly string[];
}

export interface MemorySample {
  readonly heapUsedMb: number;
  readonly rssMb: number;
  readonly externalMb: number;
}

export interface SoakReport {
  readonly plan: SoakPlan;
  readonly elapsedMs: number;
  readonly memory: { readonly before: MemorySample; readonly warm: MemorySample; readonly churned: MemorySample; readonly drained: MemorySample };
  readonly heapGrowthMb: number;
  readonly heapGrowthAllowedMb: number;
  readonly connections: { readonly warm: number; readonly churned: number; readonly peak: number };
  readonly clients: PoolStats;
  readonly storms: readonly number[];
  readonly eventLoopMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly drain: {
    readonly ms: number;
    readonly connections: number;
    readonly usersOnline: number;
    readonly nodeSockets: number;
    readonly subscriptions: number;
    readonly nodesMarkedConnected: number;
    /** Sockets the service still held after every client left and a grace: state, age, ws readyState. */
    readonly leftovers: readonly string[];
  };
  readonly ledger: {
    readonly mismatches: number;
    readonly referralMismatches: number;
    readonly nodePointMismatches: number;
    readonly points: { readonly network: number; readonly referral: number; readonly bonus: number };
    readonly rows: number;
    readonly referrals: Record<string, number>;
  };
  readonly errorLines: readonly string[];
}

let gcFunction: (() => void) | null = null;

/** A full garbage collection (exposes V8's gc when the process was not started with --expose-gc). */
export function collectGarbage(): void {
  if (gcFunction === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
  gcFunction();
}

export function sampleMemory(): MemorySample {
  collectGarbage();
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  return { heapUsedMb: mb(usage.heapUsed), rssMb: mb(usage.rss), externalMb: mb(usage.external) };
}

/** Event-loop delay is sampled by a timer of this period; its histogram includes the period itself. */
const LOOP_RESOLUTION_MS = 10;

/** Delay beyond the sampling period, in ms with one decimal, from a histogram value in ns. */
function lag(nanoseconds: number): number {
  return Math.max(0, Math.round(nanoseconds / 1e5 - LOOP_RESOLUTION_MS * 10) / 10);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

export async function runSoak(
  plan: SoakPlan,
  fleet: ClientFleet,
  server: SoakServer,
  progress: (line: string) => void = () => undefined,
): Promise<SoakReport> {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  let peak = 0;
  const peakTimer = setInterval(() => (peak = Math.max(peak, server.realtime.connectionCount)), 200);
  const storms: number[] = [];
  const report = async (phase: string) => {
    const clients = await fleet.stats();
    const usage = process.memoryUsage();
    progress(
      `${elapsed()} ${phase.padEnd(8)} sockets open ${String(clients.open).padStart(6)} · server ${String(server.realtime.connectionCount).padStart(6)} · ` +
        `sessions ${clients.sessions} · heap ${(usage.heapUsed / 1048576).toFixed(0)} MB · rss ${(usage.rss / 1048576).toFixed(0)} MB · ` +
        `loop delay p99 ${lag(loop.percentile(99))} ms`,
    );
  };

  const before = sampleMemory();
  loop.enable();
  const goal = plan.goal;
  progress(
    `${elapsed()} start    ${plan.sockets} sockets, ${plan.users} users, ` +
      (goal.kind === 'time'
        ? `${(goal.durationMs / 60_000).toFixed(1)} min`
        : `until ${goal.sessions} sessions, ${goal.heartbeats} heartbeats, ${goal.departuresEach} of each departure`),
  );
  const phases = goal.kind === 'time' ? timedPhases(plan, goal, report) : workPhases(plan, goal, fleet, report);
  await fleet.start(plan.rampMs);
  await phases.ramp();
  await report('ramped');

  // Warm-up: churn and one storm, so that everything lazily allocated exists before the baseline.
  await phases.warmup(async () => {
    const cut = await fleet.storm(plan.stormFraction);
    storms.push(cut);
    progress(`${elapsed()} storm    ${cut} sockets cut at once (warm-up)`);
  });
  const warm = sampleMemory();
  const warmConnections = server.realtime.connectionCount;
  await report('warm');

  await phases.churn(async () => {
    const cut = await fleet.storm(plan.stormFraction);
    storms.push(cut);
    progress(`${elapsed()} storm    ${cut} sockets cut at once`);
  });
  const churned = sampleMemory();
  const churnedConnections = server.realtime.connectionCount;
  await report('churned');

  // Everyone leaves; the service must forget them all.
  const clients = await fleet.stop();
  const drainStarted = Date.now();
  const forgotten = () => {
    server.releaseCaches();
    return server.realtime.connectionCount === 0 && server.bus.subscribedUserCount() === 0;
  };
  await waitFor(forgotten, 30_000);
  await waitFor(async () => (await connectedNodes(server.databaseUrl)) === 0, 30_000);
  const drainMs = Date.now() - drainStarted;
  await server.flusher.flush();
  clearInterval(peakTimer);
  loop.disable();

  const ledger = await checkLedger(server.databaseUrl);
  // Upgrades still queued in a lagging event loop when the clients left may surface late: wait for
  // them too, and describe any socket that stays (a leak) for the report.
  await waitFor(forgotten, 15_000);
  const leftovers = describeConnections(server.realtime);
  const drained = sampleMemory();
  progress(`${elapsed()} drained  in ${drainMs} ms`);

  const heapGrowthMb = Math.round((churned.heapUsedMb - warm.heapUsedMb) * 10) / 10;
  return {
    plan,
    elapsedMs: Date.now() - started,
    memory: { before, warm, churned, drained },
    heapGrowthMb,
    heapGrowthAllowedMb: Math.max(HEAP_GROWTH_BOUND.mb, Math.round(warm.heapUsedMb * HEAP_GROWTH_BOUND.fraction * 10) / 10),
    connections: { warm: warmConnections, churned: churnedConnections, peak },
    clients,
    storms,
    eventLoopMs: { p50: lag(loop.percentile(50)), p99: lag(loop.percentile(99)), max: lag(loop.max) },
    drain: {
      ms: drainMs,
      connections: server.realtime.connectionCount,
      usersOnline: server.realtime.usersOnline().length,
      nodeSockets: [...server.realtime.nodeConnections()].length,
      subscriptions: server.bus.subscribedUserCount(),
      nodesMarkedConnected: await connectedNodes(server.databaseUrl),
      leftovers,
    },
    ledger,
    errorLines: server.errorLines(),
  };
}

interface SoakPhases {
  ramp(): Promise<void>;
  /** Runs the warm-up; calls `storm` once, halfway. */
  warmup(storm: () => Promise<void>): Promise<void>;
  /** Runs the measured churn; calls `storm` plan.storms times, evenly spaced. */
  churn(storm: () => Promise<void>): Promise<void>;
}

/** The long soak: phases of fixed duration. */
function timedPhases(plan: SoakPlan, goal: Extract<SoakGoal, { kind: 'time' }>, report: (phase: string) => Promise<void>): SoakPhases {
  return {
    ramp: () => sleep(plan.rampMs),
    warmup: async (storm) => {
      await sleep(goal.warmupMs / 2);
      await storm();
      await sleep(goal.warmupMs / 2);
    },
    churn: async (storm) => {
      const churnStart = Date.now();
      const churnMs = Math.max(0, goal.durationMs - plan.rampMs - goal.warmupMs);
      const stormTimes = Array.from({ length: plan.storms }, (_, index) => churnStart + ((index + 1) * churnMs) / (plan.storms + 1));
      let nextProgress = Date.now() + plan.progressEveryMs;
      while (Date.now() < churnStart + churnMs) {
        const next = Math.min(churnStart + churnMs, stormTimes[0] ?? Infinity, nextProgress);
        await sleep(next - Date.now());
        if (stormTimes.length > 0 && Date.now() >= stormTimes[0]!) {
          stormTimes.shift();
          await storm();
        }
        if (Date.now() >= nextProgress) {
          nextProgress += plan.progressEveryMs;
          await report('churn');
        }
      }
    },
  };
}

/**
 * The CI soak: each phase ends when its work is done. Storms fall at evenly spaced session counts.
 * Running past the safety timeout throws, naming what was left undone.
 */
function workPhases(
  plan: SoakPlan,
  goal: Extract<SoakGoal, { kind: 'work' }>,
  fleet: ClientFleet,
  report: (phase: string) => Promise<void>,
): SoakPhases {
  const deadline = Date.now() + goal.timeoutMs;
  let nextProgress = Date.now() + plan.progressEveryMs;
  const until = async (what: string, done: (stats: PoolStats) => boolean | string[]): Promise<PoolStats> => {
    for (;;) {
      const stats = await fleet.stats();
      const result = done(stats);
      const missing = Array.isArray(result) ? result : result ? [] : [what];
      if (missing.length === 0) return stats;
      if (Date.now() > deadline) {
        throw new Error(`soak: ${what} not done within the ${goal.timeoutMs / 1000} s safety timeout; missing: ${missing.join(', ')}`);
      }
      if (Date.now() >= nextProgress) {
        nextProgress += plan.progressEveryMs;
        await report('churn');
      }
      await sleep(100);
    }
  };
  return {
    ramp: async () => {
      // How many sockets are held at once depends on how fast the machine connects them against
      // their lifetimes: reported (peak), not waited for.
      await until('the ramp (every socket opened once)', (stats) =>
        stats.sessions >= plan.sockets ? [] : [`${plan.sockets - stats.sessions} sockets never opened`],
      );
    },
    warmup: async (storm) => {
      const halfway = plan.sockets + Math.floor((goal.warmupSessions - plan.sockets) / 2);
      await until('the first half of the warm-up', (stats) => stats.sessions >= halfway);
      await until('a crowd to storm', (stats) => stats.open >= goal.stormMinOpen);
      await storm();
      await until('the warm-up', (stats) => stats.sessions >= goal.warmupSessions);
    },
    churn: async (storm) => {
      const start = (await fleet.stats()).sessions;
      const span = Math.max(0, goal.sessions - start);
      for (let index = 1; index <= plan.storms; index++) {
        const at = start + Math.floor((index * span) / (plan.storms + 1));
        await until(`churn up to storm ${index}`, (stats) => stats.sessions >= at && stats.open >= goal.stormMinOpen);
        await storm();
      }
      await until('the churn', (stats) => {
        const missing: string[] = [];
        if (stats.sessions < goal.sessions) missing.push(`sessions ${stats.sessions}/${goal.sessions}`);
        if (stats.heartbeats < goal.heartbeats) missing.push(`heartbeats ${stats.heartbeats}/${goal.heartbeats}`);
        for (const kind of DEPARTURE_KINDS) {
          const count = stats.departures[kind] ?? 0;
          if (count < goal.departuresEach) missing.push(`${kind} ${count}/${goal.departuresEach}`);
        }
        return missing;
      });
    },
  };
}

/** Diagnostics only: the core's private socket set, described (none when the registry is empty). */
function describeConnections(realtime: RealtimeServer): string[] {
  const connections = (realtime as unknown as { connections: Set<Connection> }).connections;
  const now = Date.now();
  return [...connections].map(
    (connection) =>
      `${connection.endpoint.name} ${connection.state} ws=${connection.ws.readyState} age=${now - connection.openedAt}ms ` +
      `user=${connection.auth?.userId ?? '-'} queued=${connection.queued?.length ?? 0}`,
  );
}

async function connectedNodes(databaseUrl: string): Promise<number> {
  const [row] = await sql<{ count: string }>(databaseUrl, 'SELECT count(*)::text AS count FROM network_connections WHERE connected');
  return Number(row!.count);
}

async function checkLedger(databaseUrl: string): Promise<SoakReport['ledger']> {
  const nodePoints = await sql(
    databaseUrl,
    `WITH nodes AS (SELECT user_id, sum(points_earned) AS points FROM network_connections GROUP BY user_id),
          ledger AS (SELECT user_id, sum(amount) AS points FROM earnings WHERE source = 'Network' GROUP BY user_id)
     SELECT user_id FROM nodes FULL JOIN ledger USING (user_id)
      WHERE COALESCE(nodes.points, 0) <> COALESCE(ledger.points, 0)`,
  );
  const [totals] = await sql<{ network: string; referral: string; bonus: string; rows: string }>(
    databaseUrl,
    `SELECT COALESCE(sum(amount) FILTER (WHERE source = 'Network'), 0)::text AS network,
            COALESCE(sum(amount) FILTER (WHERE source = 'Referral'), 0)::text AS referral,
            COALESCE(sum(amount) FILTER (WHERE source = 'Bonus'), 0)::text AS bonus, count(*)::text AS rows
       FROM earnings`,
  );
  const statuses = await sql<{ status: string; count: string }>(databaseUrl, 'SELECT status, count(*)::text AS count FROM referrals GROUP BY status');
  return {
    mismatches: (await ledgerMismatches(databaseUrl)).length,
    referralMismatches: (await referralMismatches(databaseUrl)).length,
    nodePointMismatches: nodePoints.length,
    points: { network: Number(totals!.network), referral: Number(totals!.referral), bonus: Number(totals!.bonus) },
    rows: Number(totals!.rows),
    referrals: Object.fromEntries(statuses.map((row) => [row.status, Number(row.count)])),
  };
}

/** Close codes a client of the soak may see: its own closes, resets, timeouts of silent ones, replacements. */
export const EXPECTED_CLOSE_CODES: ReadonlySet<string> = new Set(['1000', '1005', '1006', '4000', '4001']);

/** Everything about a report that breaks the service's promises; empty when the soak passed. */
export function soakProblems(report: SoakReport): string[] {
  const problems: string[] = [];
  if (report.heapGrowthMb > report.heapGrowthAllowedMb) {
    problems.push(`heap grew ${report.heapGrowthMb} MB during churn (bound ${report.heapGrowthAllowedMb} MB)`);
  }
  const drain = report.drain;
  if (drain.connections !== 0 || drain.usersOnline !== 0 || drain.nodeSockets !== 0 || drain.subscriptions !== 0 || drain.nodesMarkedConnected !== 0) {
    problems.push(`registry not empty after every client left: ${JSON.stringify(drain)}`);
  }
  const ledger = report.ledger;
  if (ledger.mismatches + ledger.referralMismatches + ledger.nodePointMismatches > 0) {
    problems.push(`ledger not exact: ${JSON.stringify(ledger)}`);
  }
  const unexpected = Object.entries(report.clients.closes).filter(([code]) => !EXPECTED_CLOSE_CODES.has(code));
  if (unexpected.length > 0) problems.push(`unexpected close codes: ${JSON.stringify(Object.fromEntries(unexpected))}`);
  const timeouts = report.clients.closes['4000'] ?? 0;
  if (timeouts > (report.clients.departures.silent ?? 0)) {
    problems.push(`${timeouts} heartbeat timeouts (4000) for ${report.clients.departures.silent ?? 0} silent clients`);
  }
  if (Object.keys(report.clients.errors).length > 0) problems.push(`Error frames: ${JSON.stringify(report.clients.errors)}`);
  if (report.clients.upgradeFailures > 0) problems.push(`${report.clients.upgradeFailures} upgrades failed`);
  if (report.errorLines.length > 0) problems.push(`service logged ${report.errorLines.length} error(s): ${report.errorLines.slice(0, 3).join(' | ')}`);
  return problems;
}

/** The figures, for a terminal and for RELIABILITY.md. */
export function formatReport(report: SoakReport): string {
  const { plan, memory, clients, drain, ledger } = report;
  const minutes = report.elapsedMs / 60_000;
  const mem = (sample: MemorySample) => `heap ${sample.heapUsedMb} MB, rss ${sample.rssMb} MB`;
  return [
    `soak: ${plan.sockets} sockets, ${plan.users} users, ${minutes.toFixed(1)} min (ramp ${plan.rampMs / 1000} s, ` +
      (plan.goal.kind === 'time' ? `warm-up ${plan.goal.warmupMs / 1000} s)` : `warm-up to ${plan.goal.warmupSessions} sessions, churn to ${plan.goal.sessions})`),
    `  sessions: ${clients.sessions} opened (${(clients.sessions / (report.elapsedMs / 1000)).toFixed(0)}/s), ${clients.connects} Connected, ${clients.heartbeats} heartbeats answered, ${clients.frames} frames`,
    `  departures: ${JSON.stringify(clients.departures)}; storms cut ${report.storms.join(', ')} sockets; closes ${JSON.stringify(clients.closes)}`,
    `  server sockets: ${report.connections.warm} warm, ${report.connections.churned} at the end of churn, ${report.connections.peak} peak`,
    `  memory: before ${mem(memory.before)}; warm ${mem(memory.warm)}; churned ${mem(memory.churned)}; drained ${mem(memory.drained)}`,
    `  heap growth during churn: ${report.heapGrowthMb} MB (bound ${report.heapGrowthAllowedMb} MB)`,
    `  event loop delay: p50 ${report.eventLoopMs.p50} ms, p99 ${report.eventLoopMs.p99} ms, max ${report.eventLoopMs.max} ms`,
    `  drain: ${drain.ms} ms to connections ${drain.connections}, users online ${drain.usersOnline}, node sockets ${drain.nodeSockets}, subscriptions ${drain.subscriptions}, nodes marked connected ${drain.nodesMarkedConnected}` +
      (drain.leftovers.length === 0 ? '' : `; left: ${drain.leftovers.slice(0, 5).join('; ')}`),
    `  ledger: ${ledger.rows} rows, network ${ledger.points.network}, referral ${ledger.points.referral}, bonus ${ledger.points.bonus}; referrals ${JSON.stringify(ledger.referrals)}; mismatches ${ledger.mismatches}/${ledger.referralMismatches}/${ledger.nodePointMismatches}`,
    `  errors: frames ${JSON.stringify(clients.errors)}, upgrade failures ${clients.upgradeFailures}, service error lines ${report.errorLines.length}`,
  ].join('\n');
}
