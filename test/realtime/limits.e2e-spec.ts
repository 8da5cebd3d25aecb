import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { EventBus } from '../../src/infra/bus/event-bus';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { RealtimeServer } from '../../src/realtime/realtime.server';
import { registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';

describe('per-socket limits and flow control', () => {
  let app: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'ws_limits',
      env: { WS_MAX_MESSAGES_PER_SECOND: '10', EARNINGS_PUSH_MS: '300', HEARTBEAT_INTERVAL_MS: '5000', CLIENT_TIMEOUT_MS: '60000' },
    });
    user = await registerUser(app);
  });
  afterAll(() => app.close());

  it('answers a burst over the limit with RateLimited and keeps the socket', async () => {
    const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await socket.connect({ device_id: 'burst', role: 'viewer' });
    for (let i = 0; i < 14; i++) socket.send({ type: 'Heartbeat' });
    const error = await socket.next('Error');
    expect(error.payload).toEqual({ error: 'RateLimited', message: 'More than 10 messages per second' });
    await waitUntil(() => socket.frames.filter((frame) => frame.type === 'Heartbeat').length >= 9, { timeoutMs: 3_000 });
    // Only the first ten were answered.
    expect(socket.frames.filter((frame) => frame.type === 'Heartbeat').length).toBeLessThanOrEqual(10);
    // A second later the socket is fine again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    socket.send({ type: 'Heartbeat' });
    await socket.next('Heartbeat');
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  });

  it('closes a socket that keeps flooding with 1008', async () => {
    const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await socket.connect({ device_id: 'flood', role: 'viewer' });
    const flood = setInterval(() => {
      if (socket.ws.readyState === socket.ws.OPEN) for (let i = 0; i < 20; i++) socket.send({ type: 'Heartbeat' });
    }, 100);
    try {
      expect((await socket.closed).code).toBe(1008);
    } finally {
      clearInterval(flood);
    }
  });

  it('closes an extreme burst with 1008 at once', async () => {
    const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await socket.connect({ device_id: 'burst-10x', role: 'viewer' });
    for (let i = 0; i < 150; i++) socket.send({ type: 'Heartbeat' });
    expect((await socket.closed).code).toBe(1008);
  });

  it('coalesces EarningsUpdate: at most one per EARNINGS_PUSH_MS, only when changed', async () => {
    const socket = await TestSocket.open(app.wsUrl, '/ws/earnings', { token: user.accessToken });
    await socket.connect({ device_id: 'coalesce' });
    await socket.next('EarningsUpdate');
    const ledger = app.server.app.get(LedgerService);
    const updates = () => socket.frames.filter((frame) => frame.type === 'EarningsUpdate');
    const credit = (userId: number, id: string) =>
      ledger.apply({ id, network: [{ userId, amount: 1_000n, at: new Date() }], nodes: [], bonuses: [] });
    // Credit in bursts of five at once until two pushes beyond the snapshot have arrived (however
    // slow the machine), then once more; a safety cap only.
    const started = Date.now();
    let credits = 0;
    const burst = () => Promise.all(Array.from({ length: 5 }, () => credit(user.id, `coalesce-${started}-${credits++}`)));
    while (updates().length < 3 && credits < 5_000) await burst();
    await burst();
    // The last change goes out within a push period or two.
    await waitUntil(() => Math.abs(updates().at(-1)!.payload.earnings.by_source.network - credits * 0.001) < 1e-9);
    const elapsed = Date.now() - started;
    // Fewer updates than credits (a burst is one update), and at most one per 300 ms (+ the
    // snapshot, + a trailing one).
    expect(updates().length).toBeGreaterThanOrEqual(3);
    expect(updates().length).toBeLessThan(credits);
    expect(updates().length).toBeLessThanOrEqual(Math.ceil(elapsed / 300) + 2);

    // Nothing changes now: an event that changes nothing sends nothing. Proof that push passes ran
    // since: another user's dashboard, credited meanwhile, receives three more updates.
    const other = await registerUser(app);
    const watcher = await TestSocket.open(app.wsUrl, '/ws/earnings', { token: other.accessToken });
    await watcher.connect({ device_id: 'watcher' });
    await watcher.next('EarningsUpdate');
    const count = socket.frames.length;
    await app.server.app.get(EventBus).publish({ type: 'earnings.changed', userIds: [user.id] });
    for (let pass = 0; pass < 3; pass++) {
      const seen = watcher.frames.length;
      await credit(other.id, `watcher-${started}-${pass}`);
      await waitUntil(() => watcher.frames.length > seen, { what: `the other dashboard's update ${pass + 1}` });
    }
    expect(socket.frames.slice(count)).toEqual([]);
    watcher.close();
    socket.close();
  });

  it('holds updates for a reader that does not read, and closes it with 1013 when it stays far behind', async () => {
    const { maxPending, maxBuffered } = await readerLeftBehind(app);
    // Held updates are coalesced (one per type), and the send buffer stayed bounded: it only ever
    // grows by frames written while it was under the low-water mark.
    expect(maxPending).toBeLessThanOrEqual(3);
    expect(maxBuffered).toBeLessThan(4 * 1024 * 1024);
    const text = await fetch(`${app.url}/metrics`).then((response) => response.text());
    expect(text).toMatch(/^dashboard_ws_closes_total\{endpoint="dashboard",code="1013"\} [1-9]/m);
    expect(text).toMatch(/^dashboard_ws_messages_dropped_total\{endpoint="dashboard",type="NetworkUpdate",reason="coalesced"\} [1-9]/m);
  });
});

/**
 * A dashboard reader that stops reading while its 2,500 nodes change again and again (each
 * NetworkUpdate delta carries all of them), until the server closes it. Returns what the server
 * held for it meanwhile and how long it had been behind when it was cut.
 */
async function readerLeftBehind(app: TestApp): Promise<{ maxPending: number; maxBuffered: number; behindMs: number }> {
  const reader = await registerUser(app);
  // Many nodes make a large NetworkUpdate (hundreds of KB per frame).
  await sql(
    app.database.url,
    `INSERT INTO network_connections (user_id, device_id, network_name, ip_address, connected)
     SELECT $1, 'bulk-' || g, repeat('n', 64), '198.51.100.' || (g % 250), false FROM generate_series(1, 2500) g`,
    [reader.id],
  );
  const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: reader.accessToken });
  await socket.connect({ device_id: 'slow-viewer', role: 'viewer' });
  await socket.next('NetworkUpdate');
  // Stop reading: the kernel buffers fill, then the server's send buffer.
  (socket.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const realtime = app.server.app.get(RealtimeServer);
  const connection = [...realtime.connectionsOf(reader.id)][0]!;
  const bus = app.server.app.get(EventBus);
  let maxPending = 0;
  let maxBuffered = 0;
  let pumping = true;
  const pump = (async () => {
    while (pumping) {
      await sql(app.database.url, `UPDATE network_connections SET network_score = random() WHERE user_id = $1`, [reader.id]);
      await bus.publish({ type: 'network.changed', userIds: [reader.id] });
      maxPending = Math.max(maxPending, connection.pending?.size ?? 0);
      maxBuffered = Math.max(maxBuffered, connection.ws.bufferedAmount);
    }
  })();
  let closedAt = 0;
  try {
    await waitUntil(() => connection.isClosed && (closedAt ||= Date.now()) > 0, { timeoutMs: 30_000, what: 'the slow reader to be closed' });
  } finally {
    pumping = false;
    await pump;
  }
  // The client, paused, would not see the close: it is let go here.
  socket.ws.terminate();
  return { maxPending, maxBuffered, behindMs: closedAt - connection.backloggedSince };
}

describe('a short WS_SLOW_CONSUMER_MS', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ label: 'ws_slow_consumer', env: { WS_SLOW_CONSUMER_MS: '300', CLIENT_TIMEOUT_MS: '60000' } });
  });
  afterAll(() => app.close());

  it('cuts a reader far behind once it has been behind that long, well before the default 5 s', async () => {
    const slowCloses = async (): Promise<number> => {
      const text = await fetch(`${app.url}/metrics`).then((response) => response.text());
      return Number(/^dashboard_ws_closes_total\{endpoint="dashboard",code="1013"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    // One registry per process: other suites' apps in this worker count their closes there too.
    const before = await slowCloses();
    const { behindMs, maxBuffered } = await readerLeftBehind(app);
    // Behind (over the low-water mark) for the setting and at most one sweep more, never the
    // default; the hard size limit (4 MiB) was not what cut it.
    expect(behindMs).toBeGreaterThanOrEqual(300);
    expect(behindMs).toBeLessThan(5_000);
    expect(maxBuffered).toBeLessThan(4 * 1024 * 1024);
    expect(await slowCloses()).toBe(before + 1);
  });
});

describe('socket limit per instance (WS_MAX_CONNECTIONS)', () => {
  let app: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    app = await startTestApp({ label: 'ws_capacity', env: { WS_MAX_CONNECTIONS: '3' } });
    user = await registerUser(app);
  });
  afterAll(() => app.close());

  /** Opens a raw upgrade and resolves with the HTTP answer of a refused one. */
  function refusedUpgrade(path: string, token: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${app.wsUrl}${path}?token=${encodeURIComponent(token)}`);
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      });
      ws.once('error', () => undefined);
    });
  }

  it('refuses one socket too many at the upgrade with 503 and Retry-After; a freed place is taken again', async () => {
    const held = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
        await socket.connect({ device_id: `held-${i}`, role: 'viewer' });
        return socket;
      }),
    );
    const refused = await refusedUpgrade('/ws/earnings', user.accessToken);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(refused.body) as { error: string; message: string; request_id: string };
    expect(body).toEqual({ error: 'ServiceUnavailable', message: expect.any(String), request_id: refused.headers['x-request-id'] });
    // A refusal is counted, and a second one (any endpoint) is refused the same way.
    expect((await refusedUpgrade('/ws/dashboard', user.accessToken)).status).toBe(503);
    const metrics = await fetch(`${app.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/^dashboard_ws_refused_total\{endpoint="earnings",reason="capacity"\} 1$/m);
    expect(metrics).toMatch(/^dashboard_ws_refused_total\{endpoint="dashboard",reason="capacity"\} 1$/m);
    // The three held sockets were not disturbed.
    held[0]!.send({ type: 'Heartbeat' });
    await held[0]!.next('Heartbeat');

    held[2]!.send({ type: 'Disconnect' });
    expect((await held[2]!.closed).code).toBe(1000);
    const realtime = app.server.app.get(RealtimeServer);
    await waitUntil(() => realtime.connectionsOf(user.id).size === 2);
    const next = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await next.connect({ device_id: 'after', role: 'viewer' });
    for (const socket of [...held.slice(0, 2), next]) socket.close();
  });
});
