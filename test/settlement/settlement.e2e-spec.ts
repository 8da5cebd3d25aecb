import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { microPointsOf } from '../../src/common/points';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';
import { linkWallet } from '../support/wallet';

const HOUR = 3_600_000;
const GENESIS = new Date('2026-01-01T00:00:00Z');
/** Epochs of one hour; the test credits past epochs and settles them on an admin's request. */
const EPOCH_ENV = { EPOCH_SECONDS: '3600', EPOCH_GENESIS: GENESIS.toISOString(), ADMIN_EMAILS: 'settler@example.com' };
const TOKEN = 10n ** 18n;

const epochAt = (at: Date) => Math.floor((at.getTime() - GENESIS.getTime()) / HOUR);
const inEpoch = (epoch: number, minutes = 30) => new Date(GENESIS.getTime() + epoch * HOUR + minutes * 60_000);

describe('settlement (ledger adapter)', () => {
  let app: TestApp;
  let admin: RegisteredUser;
  /** Three consecutive epochs that ended hours ago. */
  const base = epochAt(new Date()) - 10;

  beforeAll(async () => {
    app = await startTestApp({ label: 'settlement', env: EPOCH_ENV });
    admin = await registerUser(app, { email: 'settler@example.com' });
  });
  afterAll(() => app.close());

  async function credit(user: RegisteredUser, points: number, at: Date): Promise<void> {
    await app.server.app.get(LedgerService).apply({
      id: `test:${user.id}:${at.getTime()}:${points}`,
      network: [{ userId: user.id, amount: microPointsOf(points), at }],
      nodes: [],
      bonuses: [],
    });
  }

  const settle = (epoch: number | string, token = admin.accessToken) => api(app, 'POST', `/api/admin/settlement/epochs/${epoch}/settle`, { token });
  const proofOf = (user: RegisteredUser, epoch: number | string) => api(app, 'GET', `/api/settlement/epochs/${epoch}/proof`, { token: user.accessToken });
  const counts = async () =>
    (await sql<{ epochs: string; leaves: string; accounts: string }>(
      app.database.url,
      `SELECT (SELECT count(*) FROM settlement_epochs) AS epochs, (SELECT count(*) FROM settlement_leaves) AS leaves, (SELECT count(*) FROM settlement_accounts) AS accounts`,
    ))[0];

  it('settles the cumulative points of wallet holders as 18-decimal token units, with proofs OpenZeppelin verifies; again changes nothing', async () => {
    const alice = await registerUser(app);
    const bob = await registerUser(app);
    const nobody = await registerUser(app); // earns, has no wallet: not in the tree
    const aliceWallet = await linkWallet(app, alice.accessToken);
    const bobWallet = await linkWallet(app, bob.accessToken);
    await credit(alice, 1.5, inEpoch(base - 1));
    await credit(alice, 2.000001, inEpoch(base));
    await credit(bob, 10, inEpoch(base));
    await credit(nobody, 7, inEpoch(base));
    // Earned after the epoch's end: not in it.
    await credit(alice, 100, inEpoch(base + 1));

    // Alice watches on both endpoints that carry SettlementUpdate.
    const dashboard = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: alice.accessToken });
    await dashboard.connect({ device_id: 'viewer-1', role: 'viewer' });
    const earnings = await TestSocket.open(app.wsUrl, '/ws/earnings', { token: alice.accessToken });
    await earnings.connect({ device_id: 'viewer-2' });

    const first = await settle(base);
    expect(first.status).toBe(200);
    for (const socket of [dashboard, earnings]) {
      const frame = await socket.next('SettlementUpdate');
      expect(frame.payload.epoch).toMatchObject({ epoch: base, root: first.body.root, amount: (3_500_001n * 10n ** 12n).toString() });
    }
    expect(first.body).toMatchObject({ epoch: base, leaf_count: 2, created: true });
    expect(first.body.total_amount).toBe((3_500_001n * 10n ** 12n + 10n * TOKEN).toString());

    const aliceProof = await proofOf(alice, base);
    expect(aliceProof.status).toBe(200);
    expect(aliceProof.body).toMatchObject({ epoch: base, root: first.body.root, account: aliceWallet.address, amount: (3_500_001n * 10n ** 12n).toString() });
    expect(StandardMerkleTree.verify(first.body.root, ['address', 'uint256'], [aliceProof.body.account, aliceProof.body.amount], aliceProof.body.proof)).toBe(true);
    const bobProof = (await proofOf(bob, base)).body;
    expect(bobProof).toMatchObject({ account: bobWallet.address, amount: (10n * TOKEN).toString() });
    expect(StandardMerkleTree.verify(first.body.root, ['address', 'uint256'], [bobProof.account, bobProof.amount], bobProof.proof)).toBe(true);
    // Alice's proof does not prove bob's amount, nor hers with bob's proof.
    expect(StandardMerkleTree.verify(first.body.root, ['address', 'uint256'], [aliceProof.body.account, bobProof.amount], aliceProof.body.proof)).toBe(false);
    expect((await proofOf(nobody, base)).status).toBe(404);

    const before = await counts();
    const again = await settle(base);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ epoch: base, root: first.body.root, created: false });
    expect(await counts()).toEqual(before);

    // The ledger adapter publishes by keeping the root: published, claimable, no transaction.
    const published = await api(app, 'POST', `/api/admin/settlement/epochs/${base}/publish`, { token: admin.accessToken });
    expect(published.body).toMatchObject({ epoch: base, status: 'published', tx_hash: null, block_number: null, publish_error: null });
    const list = await api(app, 'GET', '/api/settlement/epochs', { token: alice.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toEqual({ epoch: base, root: first.body.root, status: 'published', tx_hash: null, tx_url: null, amount: aliceProof.body.amount, claimable: true });
    // Publication is announced too (the frame says published and claimable).
    const announced = async () => {
      for (;;) {
        const frame = await dashboard.next('SettlementUpdate');
        if (frame.payload.epoch.status === 'published') return frame.payload.epoch;
      }
    };
    expect(await announced()).toEqual(list.body.items[0]);
    dashboard.close();
    earnings.close();
    const none = await api(app, 'GET', '/api/settlement/epochs', { token: nobody.accessToken });
    expect(none.body.items[0]).toMatchObject({ epoch: base, amount: '0', claimable: false });
  });

  it('keeps a relinking user’s cumulative amount: the old address frozen at its last amount, the new one the rest', async () => {
    const carol = await registerUser(app);
    const first = await linkWallet(app, carol.accessToken);
    await credit(carol, 4, inEpoch(base + 2));
    const e1 = await settle(base + 2);
    expect((await proofOf(carol, base + 2)).body).toMatchObject({ account: first.address, amount: (4n * TOKEN).toString() });

    const second = await linkWallet(app, carol.accessToken);
    await credit(carol, 6, inEpoch(base + 3));
    const e2 = await settle(base + 3);
    expect(e2.body.root).not.toBe(e1.body.root);
    const leaves = await sql<{ account: string; token_amount: string }>(
      app.database.url,
      `SELECT account, token_amount::text FROM settlement_leaves WHERE epoch = $1 AND user_id = $2 ORDER BY token_amount`,
      [base + 3, carol.id],
    );
    expect(leaves).toEqual([
      { account: first.address, token_amount: (4n * TOKEN).toString() },
      { account: second.address, token_amount: (6n * TOKEN).toString() },
    ]);
    // The API serves the current wallet's leaf, and lists everything carol has earned.
    expect((await proofOf(carol, base + 3)).body).toMatchObject({ account: second.address, amount: (6n * TOKEN).toString() });
    const list = await api(app, 'GET', '/api/settlement/epochs?limit=1', { token: carol.accessToken });
    expect(list.body.items).toEqual([expect.objectContaining({ epoch: base + 3, amount: (10n * TOKEN).toString() })]);
    const next = await api(app, 'GET', `/api/settlement/epochs?limit=1&cursor=${list.body.next_cursor}`, { token: carol.accessToken });
    expect(next.body.items).toEqual([expect.objectContaining({ epoch: base + 2, amount: (4n * TOKEN).toString() })]);

    // The old address is carol's for good: nobody else can link it.
    const mallory = await registerUser(app);
    await expect(linkWallet(app, mallory.accessToken, first)).rejects.toThrow(/409/);
  });

  it('refuses malformed, out-of-range and unfinished epochs with 400, and non-admins with 403', async () => {
    const user = await registerUser(app);
    for (const bad of ['abc', '-1', '1.5', '2147483648', '99999999999', '1x']) {
      const response = await settle(bad);
      expect([bad, response.status, response.body.error]).toEqual([bad, 400, 'ValidationError']);
      const proof = await proofOf(user, bad);
      expect([bad, proof.status, proof.body.error]).toEqual([bad, 400, 'ValidationError']);
    }
    const unfinished = await settle(epochAt(new Date()));
    expect(unfinished.status).toBe(400);
    expect(unfinished.body.message).toMatch(/has not ended/);
    expect((await settle(base - 5, user.accessToken)).status).toBe(403);
    expect((await api(app, 'POST', `/api/admin/settlement/epochs/${base - 5}/settle`)).status).toBe(401);
    expect((await proofOf(user, 2_147_483_647)).status).toBe(404);
    expect((await api(app, 'POST', '/api/admin/settlement/epochs/2147483647/publish', { token: admin.accessToken })).status).toBe(404);
    expect((await api(app, 'POST', '/api/admin/settlement/epochs/x/publish', { token: admin.accessToken })).status).toBe(400);
    expect((await api(app, 'POST', `/api/admin/settlement/epochs/${base}/publish`, { token: user.accessToken })).status).toBe(403);
    expect((await api(app, 'GET', '/api/settlement/epochs?cursor=bad!', { token: user.accessToken })).status).toBe(400);
  });

  it('settles one root when two instances settle the same epoch at once', async () => {
    const second = await startTestApp({ label: 'settlement_b', env: EPOCH_ENV, database: app.database });
    try {
      const dave = await registerUser(app);
      await linkWallet(app, dave.accessToken);
      await credit(dave, 3, inEpoch(base + 5));
      const [a, b] = await Promise.all([settle(base + 5), api(second, 'POST', `/api/admin/settlement/epochs/${base + 5}/settle`, { token: admin.accessToken })]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.root).toBe(b.body.root);
      expect([a.body.created, b.body.created].sort()).toEqual([false, true]);
      const rows = await sql(app.database.url, `SELECT epoch FROM settlement_epochs WHERE epoch = $1`, [base + 5]);
      expect(rows).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});

describe('automatic settlement', () => {
  it('settles each epoch that ends while the service runs, within seconds of its end, and none before it started', async () => {
    const app = await startTestApp({ label: 'settlement_auto', env: { EPOCH_SECONDS: '2', EPOCH_GENESIS: GENESIS.toISOString(), EARNINGS_FLUSH_MS: '100' } });
    try {
      const user = await registerUser(app);
      await linkWallet(app, user.accessToken);
      const [{ first_epoch: first }] = await sql<{ first_epoch: number }>(app.database.url, `SELECT first_epoch FROM settlement_state`);
      await app.server.app.get(LedgerService).apply({ id: 'auto:1', network: [{ userId: user.id, amount: microPointsOf(1), at: new Date() }], nodes: [], bonuses: [] });
      await waitUntil(async () => (await sql(app.database.url, `SELECT 1 FROM settlement_epochs WHERE epoch >= $1 + 1`, [first])).length > 0, {
        timeoutMs: 15_000,
        what: 'two epochs settled automatically',
      });
      const settled = await sql<{ epoch: number; settled_at: Date }>(app.database.url, `SELECT epoch, settled_at FROM settlement_epochs ORDER BY epoch`);
      expect(settled[0]!.epoch).toBe(first);
      expect(settled.map((row) => row.epoch)).toEqual(settled.map((_, index) => first + index));
      // Nothing before the first epoch, which is the one that was running at start.
      expect(settled.every((row) => row.epoch >= first)).toBe(true);
      const leaves = await sql(app.database.url, `SELECT 1 FROM settlement_leaves WHERE user_id = $1`, [user.id]);
      expect(leaves.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});
