import { UserReadCache } from '../../src/infra/cache/user-read-cache';
import { SessionValidator } from '../../src/modules/auth/session-validator.service';
import { EventBus } from '../../src/infra/bus/event-bus';
import { NetworkRepository } from '../../src/modules/network/network.repository';
import { RealtimeServer } from '../../src/realtime/realtime.server';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { forgedTokens, rsaKeyPair, signHs256, claimsOf } from '../security/jwt-forge';
import { Corpus, loadCorpus } from './corpus';
import { Finding } from './contract';
import { envCount, fuzzSeed, Random } from '../support/random';
import { runRawWsLane } from './raw-ws';
import { closeRestConnections, RestFuzzContext, runRawHttpLane, runRestLane } from './rest-fuzz';
import { newWsStats, runHostileUpgrades, runWsLane, WsFuzzContext } from './ws-fuzz';

/**
 * Hostile input, thousands of cases per run: WebSocket frames (message level and raw frame level),
 * REST bodies, query strings, paths and headers, and raw HTTP. Cases run concurrently over a few
 * sockets. The seed is fixed so CI is reproducible; FUZZ_SEED varies it and FUZZ_SCALE multiplies
 * the case counts (FUZZ_REPORT=1 prints the figures). Afterwards the service must be healthy,
 * have logged no error, hold no leftover sockets or subscriptions, and keep its ledger exact.
 */

const SEED = fuzzSeed(0x5eed2026);
const SCALE = envCount('FUZZ_SCALE', 1);
const COUNTS = {
  wsLanes: 6,
  wsPerLane: 500 * SCALE,
  hostileUpgrades: 60 * SCALE,
  rawLanes: 3,
  rawPerLane: 150 * SCALE,
  restLanes: 8,
  restPerLane: 320 * SCALE,
  httpLanes: 2,
  httpPerLane: 120 * SCALE,
};

describe(`hostile input (seed 0x${SEED.toString(16)})`, () => {
  let app: TestApp;
  let corpus: Corpus;
  const findings: Finding[] = [];
  const processErrors: string[] = [];
  const onProcessError = (error: unknown) => processErrors.push(String((error as Error)?.stack ?? error));
  let wsContext: WsFuzzContext;
  let restContext: RestFuzzContext;
  const httpStats = { cases: 0, statuses: new Map<number, number>() };
  let elapsedMs = 0;

  beforeAll(async () => {
    process.on('uncaughtException', onProcessError);
    process.on('unhandledRejection', onProcessError);
    corpus = loadCorpus();
    app = await startTestApp({
      label: 'fuzz',
      env: {
        // Cases arrive much faster than any client may send; the limiter has its own tests.
        WS_MAX_MESSAGES_PER_SECOND: '100000',
        ADMIN_EMAILS: 'fuzz-admin@example.com',
        EARNINGS_FLUSH_MS: '200',
      },
    });

    const admin = await registerUser(app, { email: 'fuzz-admin@example.com', username: 'fuzz_admin' });
    const users: RegisteredUser[] = [];
    for (let i = 0; i < 4; i++) users.push(await registerUser(app, { email: `fuzz${i}@example.com` }));
    const victims: RegisteredUser[] = [];
    for (let i = 0; i < 3; i++) victims.push(await registerUser(app, { referral_code: users[0]!.referralCode }));
    const [owner, other] = users as [RegisteredUser, RegisteredUser];

    // Rows to aim ids and cursors at: nodes of two users, bonuses, referrals, users.
    const nodes = app.server.app.get(NetworkRepository);
    const ownNode = await nodes.connect(owner.id, 'seed-node', 'Seed', '203.0.113.1', 'seed-session-1');
    const otherNode = await nodes.connect(other.id, 'other-node', 'Other', '203.0.113.2', 'seed-session-2');
    for (const amount of [1, 2.5, 3]) {
      const bonus = await api(app, 'POST', `/api/admin/users/${owner.id}/bonus`, { token: admin.accessToken, body: { amount, reason: 'seed' } });
      expect(bonus.status).toBe(201);
    }
    const earningsCursor = (await api(app, 'GET', '/api/earnings?limit=1', { token: owner.accessToken })).body.next_cursor as string;
    const referralsCursor = (await api(app, 'GET', '/api/referrals?limit=1', { token: owner.accessToken })).body.next_cursor as string;
    const adminCursor = (await api(app, 'GET', '/api/admin/users?limit=1', { token: admin.accessToken })).body.next_cursor as string;
    expect([earningsCursor, referralsCursor, adminCursor].every((cursor) => typeof cursor === 'string')).toBe(true);

    const { publicKey, privateKey } = rsaKeyPair();
    const now = Math.floor(Date.now() / 1000);
    const expired = signHs256({ alg: 'HS256', typ: 'JWT' }, { ...claimsOf(owner.accessToken), iat: now - 100, exp: now - 10 }, TEST_JWT_SECRET);
    const hostileTokens = [...forgedTokens(owner.accessToken, publicKey, privateKey).map(([, token]) => token), expired, ''];

    wsContext = {
      wsUrl: app.wsUrl,
      users: users.map((user) => ({ id: user.id, accessToken: user.accessToken })),
      corpus,
      maxMessageBytes: app.config.ws.maxMessageBytes,
      findings,
      stats: newWsStats(),
    };
    restContext = {
      baseUrl: app.url,
      corpus,
      placeholders: {
        EMAIL: owner.email,
        REFERRAL_CODE: owner.referralCode,
        EARNINGS_CURSOR: earningsCursor,
        REFERRALS_CURSOR: referralsCursor,
        ADMIN_CURSOR: adminCursor,
      },
      tokens: {
        user: users.map((user) => user.accessToken),
        admin: admin.accessToken,
        hostile: [...hostileTokens.map((token) => `Bearer ${token}`), 'Bearer', 'bearer  ', `Basic ${Buffer.from('a:b').toString('base64')}`, owner.accessToken],
      },
      ids: {
        id: [String(ownNode.id), String(otherNode.id), String(owner.id), String(other.id), String(admin.id), '987654321'],
        victim: victims.map((victim) => String(victim.id)),
      },
      findings,
      stats: { cases: 0, statuses: new Map(), kinds: new Map() },
    };

    const url = new URL(app.url);
    const target = { host: url.hostname, port: Number(url.port) };
    const root = new Random(SEED);
    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: COUNTS.wsLanes }, (_, lane) => runWsLane(wsContext, root.fork(), lane, COUNTS.wsPerLane)),
      runHostileUpgrades(wsContext, root.fork(), hostileTokens, COUNTS.hostileUpgrades),
      ...Array.from({ length: COUNTS.rawLanes }, () =>
        runRawWsLane(wsContext, { ...target, token: users[1]!.accessToken }, root.fork(), COUNTS.rawPerLane),
      ),
      ...Array.from({ length: COUNTS.restLanes }, () => runRestLane(restContext, root.fork(), COUNTS.restPerLane)),
      ...Array.from({ length: COUNTS.httpLanes }, () => runRawHttpLane(restContext, target, root.fork(), COUNTS.httpPerLane, httpStats)),
    ]);
    elapsedMs = Date.now() - started;
    closeRestConnections();
  }, 600_000);

  afterAll(async () => {
    process.off('uncaughtException', onProcessError);
    process.off('unhandledRejection', onProcessError);
    if (process.env.FUZZ_REPORT) {
      const sorted = (map: Map<unknown, number>) => JSON.stringify(Object.fromEntries([...map].sort((a, b) => b[1] - a[1])));
      process.stderr.write(
        [
          `fuzz seed 0x${SEED.toString(16)} scale ${SCALE}: ${elapsedMs} ms`,
          `  ws: ${wsContext.stats.cases} cases over ${wsContext.stats.sockets} sockets; kinds ${sorted(wsContext.stats.kinds)}`,
          `      close codes ${sorted(wsContext.stats.closeCodes)}; error frames ${sorted(wsContext.stats.errorTypes)}`,
          `  rest: ${restContext.stats.cases} requests; kinds ${sorted(restContext.stats.kinds)}; statuses ${sorted(restContext.stats.statuses)}`,
          `  raw http: ${httpStats.cases} requests; statuses ${sorted(httpStats.statuses)}`,
          `  findings: ${findings.length}`,
          ...findings.slice(0, 40).map((finding) => `    [${finding.area}] ${finding.problem} <= ${finding.input}`),
          '',
        ].join('\n'),
      );
    }
    await app?.close();
  });

  const report = (area: Finding['area'] | Array<Finding['area']>) =>
    findings.filter((finding) => (Array.isArray(area) ? area : [area]).includes(finding.area)).slice(0, 25);

  it('ran thousands of cases', () => {
    const total = wsContext.stats.cases + restContext.stats.cases + httpStats.cases;
    expect(wsContext.stats.cases).toBeGreaterThanOrEqual(COUNTS.wsLanes * COUNTS.wsPerLane);
    expect(restContext.stats.cases).toBeGreaterThan(COUNTS.restLanes * COUNTS.restPerLane * 0.9);
    expect(total).toBeGreaterThan(5_000 * SCALE);
  });

  it('answered every WebSocket frame with a normal reply or a contract error, closing only with protocol codes', () => {
    expect(report(['ws', 'ws-raw'])).toEqual([]);
  });

  it('answered every REST request with 2xx, or 4xx and the {error, message} body; never 5xx', () => {
    expect(report(['rest', 'http-raw'])).toEqual([]);
    expect([...restContext.stats.statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect([...httpStats.statuses.keys()].filter((status) => status >= 500)).toEqual([]);
  });

  it('stays ready, logs no error and no unhandled exception', async () => {
    const ready = await api(app, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(processErrors).toEqual([]);
    const errors = app.logs.lines
      .filter((line) => Number(line.level) >= 50)
      .map((line) => `${String(line.context ?? '')} ${String(line.msg)} ${JSON.stringify(line.err ?? '').slice(0, 300)}`);
    expect(errors).toEqual([]);
  });

  it('holds no socket, session or subscription once every client is gone', async () => {
    const realtime = app.server.app.get(RealtimeServer);
    const bus = app.server.app.get(EventBus);
    // The read cache and the session validator listen to the users they hold until those entries
    // expire (seconds to a minute); expired now, they must let go of every subscription too.
    const later = Date.now() + 600_000;
    const releaseCaches = () => {
      app.server.app.get(UserReadCache).releaseIdle(later);
      app.server.app.get(SessionValidator).releaseIdle(later);
    };
    await waitUntil(() => {
      releaseCaches();
      return realtime.connectionCount === 0 && bus.subscribedUserCount() === 0;
    }, {
      timeoutMs: 10_000,
      what: 'sockets and subscriptions to drain',
    });
    expect(realtime.usersOnline()).toEqual([]);
    // Every node a socket connected is offline again (the two seeded rows never had a socket).
    await waitUntil(
      async () =>
        (await sql(app.database.url, "SELECT id FROM network_connections WHERE connected AND session_id NOT LIKE 'seed-session-%'")).length === 0,
      { what: 'nodes to be marked offline' },
    );
  });

  it('keeps the ledger exact', async () => {
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
    expect(await referralMismatches(app.database.url)).toEqual([]);
  });
});
