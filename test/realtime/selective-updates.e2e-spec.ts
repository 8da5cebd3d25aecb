import { EventBus } from '../../src/infra/bus/event-bus';
import { RealtimeServer } from '../../src/realtime/realtime.server';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { Frame, TestSocket } from '../support/ws-client';

const ADMIN = 'selective-admin@example.com';
const NODE_PUSH_MS = 400;

interface NodeJson {
  id: number;
  device_id: string;
  network_name: string;
  connected: boolean;
  points_earned: number;
}

/** The frames a socket got between Connected and the answer to a Heartbeat sent after it: its snapshot. */
async function snapshotOf(socket: TestSocket, connect: Record<string, unknown>): Promise<Frame[]> {
  const connected = await socket.connect(connect);
  socket.send({ type: 'Heartbeat' });
  const heartbeat = await socket.next('Heartbeat');
  return socket.frames.slice(socket.frames.indexOf(connected) + 1, socket.frames.indexOf(heartbeat));
}

/** A client's node list: full frames replace it, deltas are merged (API.md). */
function nodeList(socket: TestSocket): Map<number, NodeJson> {
  const nodes = new Map<number, NodeJson>();
  for (const frame of socket.frames) {
    if (frame.type !== 'NetworkUpdate') continue;
    if (frame.payload.full) nodes.clear();
    for (const id of frame.payload.removed) nodes.delete(id);
    for (const node of frame.payload.networks) nodes.set(node.id, node);
  }
  return nodes;
}

describe('selective updates: Connect `updates`, NodeUpdate and NetworkUpdate deltas', () => {
  let app: TestApp;
  let admin: RegisteredUser;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'ws_selective',
      env: {
        ADMIN_EMAILS: ADMIN,
        HEARTBEAT_INTERVAL_MS: '100',
        CLIENT_TIMEOUT_MS: '60000',
        POINTS_PER_HOUR: '360000',
        EARNINGS_FLUSH_MS: '100',
        NODE_PUSH_MS: String(NODE_PUSH_MS),
        // The held-deltas test keeps a reader paused for many push passes: on a busy machine that
        // takes longer than the default 5 s after which a reader that far behind is cut (1013).
        WS_SLOW_CONSUMER_MS: '120000',
      },
    });
    admin = await registerUser(app, { email: ADMIN });
  });
  afterAll(() => app.close());

  const open = (user: RegisteredUser, path = '/ws/dashboard') => TestSocket.open(app.wsUrl, path, { token: user.accessToken });

  describe('subscriptions', () => {
    it('gives a node only its own NodeUpdate by default, and a viewer every dashboard type', async () => {
      const user = await registerUser(app);
      const node = await open(user);
      const snapshot = await snapshotOf(node, { device_id: 'solo', network_name: 'Solo' });
      expect(snapshot).toEqual([
        {
          type: 'NodeUpdate',
          payload: {
            node: expect.objectContaining({ device_id: 'solo', network_name: 'Solo', connected: true, user_id: user.id }),
            earnings: { today: 0, total: 0 },
          },
        },
      ]);

      const viewer = await open(user);
      const viewed = await snapshotOf(viewer, { device_id: 'tab', role: 'viewer' });
      // The snapshot, in the endpoint's order. The node accrues every 100 ms, so a NetworkUpdate
      // with its points may already follow it, held while the snapshot loaded; never a NodeUpdate.
      expect(viewed.slice(0, 4).map((frame) => frame.type)).toEqual(['NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate', 'NotificationUpdate']);
      expect(viewed.slice(4).filter((frame) => frame.type !== 'NetworkUpdate')).toEqual([]);
      expect(viewed[0]!.payload).toEqual({
        networks: [expect.objectContaining({ device_id: 'solo', connected: true })],
        removed: [],
        full: true,
      });
      node.close();
      viewer.close();
    });

    it('gives a node the types it asks for, and a viewer only the ones it names', async () => {
      const user = await registerUser(app);
      const node = await open(user);
      const snapshot = await snapshotOf(node, { device_id: 'asks', updates: ['EarningsUpdate', 'NodeUpdate'] });
      expect(snapshot.map((frame) => frame.type).sort()).toEqual(['EarningsUpdate', 'NodeUpdate']);

      const viewer = await open(user);
      expect((await snapshotOf(viewer, { device_id: 'tab', role: 'viewer', updates: ['ReferralUpdate'] })).map((f) => f.type)).toEqual([
        'ReferralUpdate',
      ]);
      // Nothing else reaches it: a network change goes to a NetworkUpdate viewer, not to this one.
      const watcher = await open(user);
      await snapshotOf(watcher, { device_id: 'watcher', role: 'viewer', updates: ['NetworkUpdate'] });
      const extra = await open(user);
      await extra.connect({ device_id: 'second-node', updates: [] });
      await waitUntil(() => [...nodeList(watcher).values()].some((n) => n.device_id === 'second-node'), { what: 'the delta' });
      viewer.send({ type: 'Heartbeat' });
      await viewer.next('Heartbeat');
      expect(viewer.frames.filter((frame) => frame.type !== 'Heartbeat' && frame.type !== 'Connected').map((f) => f.type)).toEqual([
        'ReferralUpdate',
      ]);
      for (const socket of [node, viewer, watcher, extra]) socket.close();
    });

    it.each([
      ['a type a viewer cannot have', '/ws/dashboard', { device_id: 'v', role: 'viewer', updates: ['NodeUpdate'] }, true],
      ['a type the endpoint does not carry', '/ws/earnings', { device_id: 'v', updates: ['NetworkUpdate'] }, true],
      ['an unknown type', '/ws/dashboard', { device_id: 'n', updates: ['Bogus'] }, false],
      ['a server-only message that is no update', '/ws/dashboard', { device_id: 'n', updates: ['Heartbeat'] }, false],
      ['a string instead of a list', '/ws/dashboard', { device_id: 'n', updates: 'NodeUpdate' }, false],
      ['a list of numbers', '/ws/dashboard', { device_id: 'n', updates: [1, 2] }, false],
      ['too long a list', '/ws/dashboard', { device_id: 'n', updates: Array.from({ length: 17 }, () => 'NodeUpdate') }, false],
    ])('answers %s with InvalidNetworkData and keeps the socket for another Connect', async (_case, path, payload, schemaValid) => {
      const user = await registerUser(app);
      const socket = await open(user, path);
      const message = { type: 'Connect', payload };
      if (schemaValid) socket.send(message);
      else socket.sendInvalid(message);
      expect((await socket.next()).payload).toEqual({ error: 'InvalidNetworkData', message: expect.any(String) });
      await socket.connect({ device_id: 'retry', role: 'viewer' });
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      socket.close();
    });

    it('starts the Notification feed at Connect for a viewer that does not take NotificationUpdate', async () => {
      const user = await registerUser(app);
      const viewer = await open(user);
      expect(await snapshotOf(viewer, { device_id: 'feed-only', role: 'viewer', updates: ['Notification'] })).toEqual([]);
      await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 3, reason: 'feed' } });
      const frame = await viewer.next('Notification');
      expect(frame.payload.notification).toMatchObject({ type: 'bonus.credited', data: { amount: 3 } });
      expect(viewer.frames.some((f) => f.type === 'NotificationUpdate')).toBe(false);
      viewer.close();
    });
  });

  describe('NodeUpdate', () => {
    it("carries the node's own earnings, today and in all, at most once per NODE_PUSH_MS", async () => {
      const user = await registerUser(app);
      const other = await open(user);
      await other.connect({ device_id: 'sibling', updates: [] });
      const node = await open(user);
      const arrivals: number[] = [];
      node.ws.on('message', (data: Buffer) => {
        if (data.toString().includes('"NodeUpdate"')) arrivals.push(Date.now());
      });
      await node.connect({ device_id: 'earner' });
      await node.next('NodeUpdate');
      const beat = setInterval(() => {
        for (const socket of [node, other]) if (socket.ws.readyState === socket.ws.OPEN) socket.send({ type: 'Heartbeat' });
      }, 100);
      try {
        // Three pushes after the snapshot, each with more points than the last.
        await waitUntil(() => node.frames.filter((frame) => frame.type === 'NodeUpdate').length >= 4, {
          timeoutMs: 20_000,
          what: 'three NodeUpdates',
        });
      } finally {
        clearInterval(beat);
      }
      const updates = node.frames.filter((frame) => frame.type === 'NodeUpdate');
      for (const update of updates.slice(1)) {
        expect(update.payload.node.device_id).toBe('earner');
        // All of it earned today (the node is new), and a node's total is its own points.
        expect(update.payload.earnings.today).toBe(update.payload.earnings.total);
        expect(update.payload.earnings.total).toBe(update.payload.node.points_earned);
      }
      const totals = updates.map((update) => update.payload.earnings.total as number);
      expect(totals).toEqual([...totals].sort((a, b) => a - b));
      expect(totals.at(-1)).toBeGreaterThan(0);
      // The sibling's points are the user's too, but not this node's.
      const [sibling] = await sql<{ points: string }>(
        app.database.url,
        `SELECT points_earned::text AS points FROM network_connections WHERE user_id = $1 AND device_id = 'sibling'`,
        [user.id],
      );
      expect(Number(sibling!.points)).toBeGreaterThan(0);
      // One frame per period at most (heartbeats credit points every 100 ms, flushes every 100 ms):
      // consecutive frames arrive no closer than the period, less a margin for delivery jitter.
      const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(NODE_PUSH_MS - 150);
      node.close();
      other.close();
    });
  });

  describe('NetworkUpdate deltas', () => {
    it('sends a full list in the snapshot, then only what changed, and a removed id on deletion', async () => {
      const user = await registerUser(app);
      const viewer = await open(user);
      const snapshot = await snapshotOf(viewer, { device_id: 'tab', role: 'viewer', updates: ['NetworkUpdate'] });
      expect(snapshot).toEqual([{ type: 'NetworkUpdate', payload: { networks: [], removed: [], full: true } }]);

      const first = await open(user);
      await first.connect({ device_id: 'first' });
      const added = await viewer.next('NetworkUpdate');
      expect(added.payload).toEqual({ networks: [expect.objectContaining({ device_id: 'first', connected: true })], removed: [], full: false });

      const second = await open(user);
      await second.connect({ device_id: 'second' });
      // The delta for the second node carries only it, not the first again.
      const next = await viewer.next('NetworkUpdate');
      expect(next.payload.networks.map((n: NodeJson) => n.device_id)).toEqual(['second']);

      const firstId = added.payload.networks[0].id as number;
      const deleted = await api(app, 'DELETE', `/api/networks/${firstId}`, { token: user.accessToken });
      expect(deleted.status).toBe(204);
      const removal = await viewer.next('NetworkUpdate');
      expect(removal.payload).toEqual({ networks: [], removed: [firstId], full: false });

      // A reconnect starts from a full list again.
      const again = await open(user);
      expect(await snapshotOf(again, { device_id: 'tab-2', role: 'viewer', updates: ['NetworkUpdate'] })).toEqual([
        { type: 'NetworkUpdate', payload: { networks: [expect.objectContaining({ device_id: 'second' })], removed: [], full: true } },
      ]);
      for (const socket of [viewer, first, second, again]) socket.close();
    });

    it('connects many nodes of one user at once with a constant number of frames per node', async () => {
      const user = await registerUser(app);
      const viewer = await open(user);
      await viewer.connect({ device_id: 'operator', role: 'viewer', updates: ['NetworkUpdate'] });
      await viewer.next('NetworkUpdate');
      const count = 200;
      const nodes = await Promise.all(Array.from({ length: count }, () => open(user)));
      await Promise.all(nodes.map((node, i) => node.connect({ device_id: `fleet-${i}` })));
      // Each node hears of itself only: Connected and its NodeUpdate, whatever the fleet's size.
      await Promise.all(
        nodes.map(async (node, i) => {
          node.send({ type: 'Heartbeat' });
          await node.next('Heartbeat');
          expect(node.frames.map((frame) => frame.type)).toEqual(['Connected', 'NodeUpdate', 'Heartbeat']);
          expect(node.frames[1]!.payload.node.device_id).toBe(`fleet-${i}`);
        }),
      );
      // The operator's dashboard ends with the whole fleet online, from deltas.
      await waitUntil(() => [...nodeList(viewer).values()].filter((n) => n.connected).length === count, { what: 'the fleet online' });
      const sent = viewer.frames.filter((frame) => frame.type === 'NetworkUpdate').slice(1);
      const nodesSent = sent.reduce((sum, frame) => sum + frame.payload.networks.length, 0);
      // Deltas: each node in a frame or two (connected, then its first flush perhaps), never the fleet per connect.
      expect(nodesSent).toBeLessThan(count * 4);
      for (const node of nodes) node.close();
      viewer.close();
    });

    it('merges deltas held for a reader that fell behind, so its list ends right', async () => {
      const user = await registerUser(app);
      // Large frames: many nodes, each delta carrying all of them while their score moves.
      await sql(
        app.database.url,
        `INSERT INTO network_connections (user_id, device_id, network_name, ip_address, connected)
         SELECT $1, 'bulk-' || g, repeat('n', 64), '198.51.100.' || (g % 250), false FROM generate_series(1, 1500) g`,
        [user.id],
      );
      const viewer = await open(user);
      await viewer.connect({ device_id: 'slow', role: 'viewer', updates: ['NetworkUpdate'] });
      await viewer.next('NetworkUpdate');
      const tcp = (viewer.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      tcp.pause();
      const connection = [...app.server.app.get(RealtimeServer).connectionsOf(user.id)][0]!;
      const bus = app.server.app.get(EventBus);
      const change = async (statement: string) => {
        await sql(app.database.url, statement, [user.id]);
        await bus.publish({ type: 'network.changed', userIds: [user.id] });
      };
      // Count what the server writes to this socket's TCP stream (pushes go there as whole frames,
      // not through ws.send), to know when a push pass has reached it.
      let written = 0;
      const serverTcp = (connection.ws as unknown as { _socket: { write: (...args: unknown[]) => boolean } })._socket;
      const write = serverTcp.write.bind(serverTcp);
      serverTcp.write = (...args) => {
        written += 1;
        return write(...args);
      };
      // Change everything until the server holds a NetworkUpdate for this socket.
      for (let round = 0; !connection.pending?.has('NetworkUpdate') && round < 200; round++) {
        const before = written;
        await change(`UPDATE network_connections SET network_score = random() WHERE user_id = $1`);
        await waitUntil(() => connection.pending?.has('NetworkUpdate') === true || written > before, { what: 'a push pass' });
      }
      expect(connection.pending?.has('NetworkUpdate')).toBe(true);
      // While held: one node renamed, one deleted, one added, each in a pass of its own.
      const held = () => connection.pending?.get('NetworkUpdate')?.frame.payload as { networks: NodeJson[]; removed: number[] };
      await change(`UPDATE network_connections SET network_name = 'renamed' WHERE user_id = $1 AND device_id = 'bulk-1'`);
      await waitUntil(() => held()?.networks.some((n) => n.network_name === 'renamed') === true, { what: 'the rename held' });
      await change(`DELETE FROM network_connections WHERE user_id = $1 AND device_id = 'bulk-2'`);
      await waitUntil(() => (held()?.removed.length ?? 0) > 0, { what: 'the deletion held' });
      await change(`INSERT INTO network_connections (user_id, device_id, network_name) VALUES ($1, 'late', 'late')`);
      await waitUntil(() => held()?.networks.some((n) => n.device_id === 'late') === true, { what: 'the addition held' });
      // Reading again, the client ends with exactly the list in the database.
      tcp.resume();
      const expected = await sql<{ id: string; network_name: string }>(
        app.database.url,
        `SELECT id::text, network_name FROM network_connections WHERE user_id = $1 ORDER BY id`,
        [user.id],
      );
      await waitUntil(
        () => {
          const list = nodeList(viewer);
          return list.size === expected.length && expected.every((row) => list.get(Number(row.id))?.network_name === row.network_name);
        },
        { timeoutMs: 20_000, what: 'the merged list to match the database' },
      );
      expect(nodeList(viewer).size).toBe(1500);
      viewer.close();
    });
  });
});
