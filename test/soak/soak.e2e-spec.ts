import { LogCapture } from '../support/log-capture';
import { EventBus } from '../../src/infra/bus/event-bus';
import { UserReadCache } from '../../src/infra/cache/user-read-cache';
import { SessionValidator } from '../../src/modules/auth/session-validator.service';
import { AccrualFlusher } from '../../src/modules/network/accrual/accrual-flusher.service';
import { RealtimeServer } from '../../src/realtime/realtime.server';
import { parseSoakArgs, registerSoakUsers, soakEnv } from '../../soak/cli';
import { LocalFleet } from '../../soak/engine';
import { DEPARTURE_KINDS, formatReport, HEAP_GROWTH_BOUND, runSoak, SoakReport, soakProblems } from '../../soak/run';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The soak, short (CI): 1,000 sockets over 50 users churning through a fixed amount of work —
 * 2,500 sessions, 3,000 heartbeats, at least 20 sessions ended in each way (Disconnect, close, TCP
 * reset, silence (server timeout), before Connect) and three storms that cut 30% of the sockets at
 * once — against the real service with Redis. A slow machine takes longer; it does not do less
 * (the 300 s bound is a safety net, and running into it fails the test). Afterwards: heap growth
 * during churn within HEAP_GROWTH_BOUND (24 MB, or 15% of the warm heap if more), the registry
 * empty (sockets, users online, node sockets, bus subscriptions, nodes marked connected), the
 * ledger exact. `npm run soak` is the long version (RELIABILITY.md). SOAK_REPORT=1 prints figures.
 */
describe('soak (short): 1,000 sockets with connect/disconnect storms', () => {
  const SOCKETS = 1_000;
  const USERS = 50;
  const SESSIONS_WARM = 1_400;
  const SESSIONS = 2_500;
  const HEARTBEATS = 3 * SOCKETS;
  const DEPARTURES_EACH = 20;
  /** Open sockets a storm waits for (30% of them are cut). */
  const STORM_MIN_OPEN = 200;
  let app: TestApp;
  let report: SoakReport;

  beforeAll(async () => {
    app = await startTestApp({ label: 'soak', redis: true, env: soakEnv(1_000) });
    const users = await registerSoakUsers(app.url, USERS, 'ci');
    const fleet = new LocalFleet({
      wsUrl: app.wsUrl,
      users,
      sockets: SOCKETS,
      heartbeatMs: 1_000,
      lifetimeMs: [3_000, 12_000],
      reconnectDelayMs: [20, 500],
      label: 'ci',
      seed: 7,
    });
    const logs: LogCapture = app.logs;
    report = await runSoak(
      {
        sockets: SOCKETS,
        users: USERS,
        rampMs: 3_000,
        storms: 2,
        stormFraction: 0.3,
        progressEveryMs: 5_000,
        goal: {
          kind: 'work',
          warmupSessions: SESSIONS_WARM,
          sessions: SESSIONS,
          heartbeats: HEARTBEATS,
          departuresEach: DEPARTURES_EACH,
          stormMinOpen: STORM_MIN_OPEN,
          timeoutMs: 300_000,
        },
      },
      fleet,
      {
        realtime: app.server.app.get(RealtimeServer),
        bus: app.server.app.get(EventBus),
        flusher: app.server.app.get(AccrualFlusher),
        databaseUrl: app.database.url,
        // The caches may hold a departed user up to their entries' age; expired, they must let go.
        releaseCaches: () => {
          const later = Date.now() + 600_000;
          app.server.app.get(UserReadCache).releaseIdle(later);
          app.server.app.get(SessionValidator).releaseIdle(later);
        },
        // With the error's own message, so that a failure here says what went wrong.
        errorLines: () =>
          logs.lines
            .filter((line) => Number(line.level) >= 50)
            .map((line) => `${String(line.context ?? '')}: ${String(line.msg)}${errorMessageOf(line.err)}`),
      },
      process.env.SOAK_REPORT ? (line) => process.stderr.write(`${line}\n`) : undefined,
    );
    if (process.env.SOAK_REPORT) process.stderr.write(`${formatReport(report)}\n`);
  }, 420_000);
  afterAll(() => app.close());

  // The work was driven to completion (runSoak throws otherwise); these check that it was the work asked for.
  it('churned for real: every session it was asked for, every way of leaving, storms', () => {
    expect(report.clients.sessions).toBeGreaterThanOrEqual(SESSIONS);
    expect(report.clients.connects).toBeGreaterThan(SOCKETS);
    expect(report.clients.heartbeats).toBeGreaterThanOrEqual(HEARTBEATS);
    const enough = (kind: string) => (report.clients.departures[kind] ?? 0) >= DEPARTURES_EACH;
    expect(Object.fromEntries(DEPARTURE_KINDS.map((kind) => [kind, enough(kind)]))).toEqual(
      Object.fromEntries(DEPARTURE_KINDS.map((kind) => [kind, true])),
    );
    expect(report.storms).toHaveLength(3);
    // Each storm cut about 30% of at least STORM_MIN_OPEN sockets at once.
    expect(Math.min(...report.storms)).toBeGreaterThan(STORM_MIN_OPEN * 0.15);
  });

  it(`keeps heap growth during churn within ${HEAP_GROWTH_BOUND.mb} MB (or ${HEAP_GROWTH_BOUND.fraction * 100}% of the warm heap)`, () => {
    expect(report.heapGrowthMb).toBeLessThanOrEqual(report.heapGrowthAllowedMb);
  });

  it('forgets every client once all have left: no socket, user, node session or subscription', () => {
    expect(report.drain).toEqual({
      ms: expect.any(Number),
      connections: 0,
      usersOnline: 0,
      nodeSockets: 0,
      subscriptions: 0,
      nodesMarkedConnected: 0,
      leftovers: [],
    });
  });

  it('keeps the ledger exact (totals = rows, referral points = commission + bonuses, node points = Network rows)', () => {
    expect(report.ledger).toMatchObject({ mismatches: 0, referralMismatches: 0, nodePointMismatches: 0 });
    expect(report.ledger.points.network).toBeGreaterThan(0);
    expect(report.ledger.points.referral).toBeGreaterThan(0);
  });

  it('closed sockets only as clients asked, and logged no error', () => {
    expect(soakProblems(report)).toEqual([]);
  });

  it('parses the long version’s arguments (npm run soak -- --minutes 5 --sockets 5000)', () => {
    expect(parseSoakArgs(['--minutes', '5', '--sockets', '5000'])).toMatchObject({ minutes: 5, sockets: 5_000, users: 500, workers: 1, redis: true });
    expect(parseSoakArgs(['--sockets=19000', '--no-redis'])).toMatchObject({ sockets: 19_000, workers: 2, redis: false });
    expect(() => parseSoakArgs(['--sockets', '50000'])).toThrow(/sockets/);
  });
});

function errorMessageOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'message' in err ? ` (${String((err as { message: unknown }).message)})` : '';
}
