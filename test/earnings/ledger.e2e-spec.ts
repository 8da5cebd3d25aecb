import { formatMicroPoints, MicroPoints, microPointsOf, parseMicroPoints } from '../../src/common/points';
import { LedgerBatch, LedgerResult, NodeProgress } from '../../src/modules/earnings/ledger-batch';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { EventBus } from '../../src/infra/bus/event-bus';
import { NetworkRepository } from '../../src/modules/network/network.repository';
import { DomainEvent, LedgerCredit } from '../../src/infra/bus/domain-event';
import { registerUser, RegisteredUser } from '../support/api-client';
import { Random } from '../support/random';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';

let batchSeq = 0;
const batch = (parts: Partial<LedgerBatch>): LedgerBatch => ({
  id: `test-${process.pid}-${++batchSeq}-${Date.now()}`,
  network: [],
  nodes: [],
  bonuses: [],
  ...parts,
});

async function balanceOf(app: TestApp, userId: number): Promise<{ network: string; referral: string; bonus: string }> {
  const [row] = await sql<{ network: string; referral: string; bonus: string }>(
    app.database.url,
    `SELECT network::text, referral::text, bonus::text FROM user_balances WHERE user_id = $1`,
    [userId],
  );
  return row ?? { network: '0.000000', referral: '0.000000', bonus: '0.000000' };
}

describe('the ledger', () => {
  let app: TestApp;
  let ledger: LedgerService;

  beforeAll(async () => {
    // Qualification and its bonus are exercised separately; here a high bar keeps them out.
    app = await startTestApp({
      label: 'ledger',
      env: { REFERRAL_RATES: '0.20,0.10,0.05', REFERRAL_QUALIFY_POINTS: '1000000', REFERRAL_BONUS_POINTS: '50' },
    });
    ledger = app.server.app.get(LedgerService);
  });
  afterAll(() => app.close());

  it('pays three tiers of commission with exact amounts, never on commission or bonuses', async () => {
    // d was referred by c, c by b, b by a, a by root: four ancestors, three paid tiers.
    const root = await registerUser(app);
    const a = await registerUser(app, { referral_code: root.referralCode });
    const b = await registerUser(app, { referral_code: a.referralCode });
    const c = await registerUser(app, { referral_code: b.referralCode });
    const d = await registerUser(app, { referral_code: c.referralCode });

    const at = new Date();
    await ledger.apply(
      batch({
        network: [{ userId: d.id, amount: microPointsOf(10.000001), at }],
        bonuses: [{ userId: d.id, amount: microPointsOf(1000), at, ref: `t:${d.id}`, note: null }],
      }),
    );

    expect(await balanceOf(app, d.id)).toEqual({ network: '10.000001', referral: '0.000000', bonus: '1000.000000' });
    // 20 %, 10 %, 5 % of 10.000001, truncated to micro-points (never more than the rate).
    expect(await balanceOf(app, c.id)).toEqual({ network: '0.000000', referral: '2.000000', bonus: '0.000000' });
    expect(await balanceOf(app, b.id)).toEqual({ network: '0.000000', referral: '1.000000', bonus: '0.000000' });
    expect(await balanceOf(app, a.id)).toEqual({ network: '0.000000', referral: '0.500000', bonus: '0.000000' });
    // The fourth ancestor is past the configured tiers.
    expect(await balanceOf(app, root.id)).toEqual({ network: '0.000000', referral: '0.000000', bonus: '0.000000' });

    // c earns too: b gets tier 1 of it, a tier 2, root tier 3. d's commission is not re-paid.
    await ledger.apply(batch({ network: [{ userId: c.id, amount: microPointsOf(100), at }] }));
    expect((await balanceOf(app, c.id)).referral).toBe('2.000000');
    expect((await balanceOf(app, b.id)).referral).toBe('21.000000');
    expect((await balanceOf(app, a.id)).referral).toBe('10.500000');
    expect((await balanceOf(app, root.id)).referral).toBe('5.000000');

    // Each referrer's referral points are attributed through the direct referral it flowed through.
    const [bToC] = await sql<{ points: string }>(
      app.database.url,
      'SELECT points::text FROM referrals WHERE referrer_id = $1',
      [b.id],
    );
    expect(bToC!.points).toBe('21.000000');
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
    expect(await referralMismatches(app.database.url)).toEqual([]);
  });

  it('aggregates Network and Referral per user and hour, keeps bonuses individual', async () => {
    const referrer = await registerUser(app);
    const user = await registerUser(app, { referral_code: referrer.referralCode });
    const hour = new Date('2026-11-29T10:00:00Z');
    const minute = (m: number) => new Date(hour.getTime() + m * 60_000);
    await ledger.apply(
      batch({
        network: [
          { userId: user.id, amount: microPointsOf(1), at: minute(1) },
          { userId: user.id, amount: microPointsOf(2), at: minute(59) },
        ],
      }),
    );
    await ledger.apply(batch({ network: [{ userId: user.id, amount: microPointsOf(3), at: minute(30) }] }));
    await ledger.apply(batch({ network: [{ userId: user.id, amount: microPointsOf(4), at: minute(61) }] }));
    for (const ref of ['x1', 'x2']) {
      await ledger.apply(batch({ bonuses: [{ userId: user.id, amount: microPointsOf(5), at: minute(5), ref, note: 'n' }] }));
    }
    const rows = await sql<{ source: string; timestamp: Date; amount: string }>(
      app.database.url,
      `SELECT source, "timestamp", amount::text FROM earnings WHERE user_id = $1 ORDER BY source, "timestamp"`,
      [user.id],
    );
    expect(rows.map((row) => [row.source, row.timestamp.toISOString(), row.amount])).toEqual([
      ['Bonus', '2026-11-29T10:05:00.000Z', '5.000000'],
      ['Bonus', '2026-11-29T10:05:00.000Z', '5.000000'],
      ['Network', '2026-11-29T10:00:00.000Z', '6.000000'],
      ['Network', '2026-11-29T11:00:00.000Z', '4.000000'],
    ]);
    const referrerRows = await sql<{ timestamp: Date; amount: string }>(
      app.database.url,
      `SELECT "timestamp", amount::text FROM earnings WHERE user_id = $1 ORDER BY "timestamp"`,
      [referrer.id],
    );
    expect(referrerRows.map((row) => [row.timestamp.toISOString(), row.amount])).toEqual([
      ['2026-11-29T10:00:00.000Z', '1.200000'],
      ['2026-11-29T11:00:00.000Z', '0.800000'],
    ]);
  });

  it('applies a batch once: replaying its id credits nothing', async () => {
    const user = await registerUser(app);
    const once = batch({ network: [{ userId: user.id, amount: microPointsOf(7.5), at: new Date() }] });
    expect((await ledger.apply(once)).applied).toBe(true);
    expect((await ledger.apply(once)).applied).toBe(false);
    const concurrent = await Promise.all([ledger.apply({ ...once, id: `${once.id}-b` }), ledger.apply({ ...once, id: `${once.id}-b` })]);
    expect(concurrent.map((result) => result.applied).sort()).toEqual([false, true]);
    expect((await balanceOf(app, user.id)).network).toBe('15.000000');
  });

  it('announces who changed on the bus after commit', async () => {
    const referrer = await registerUser(app);
    const user = await registerUser(app, { referral_code: referrer.referralCode });
    const bus = app.server.app.get(EventBus);
    const seen: DomainEvent[] = [];
    const stops = [user.id, referrer.id].map((id) => bus.subscribeUser(id, (event) => seen.push(event)));
    try {
      await ledger.apply(batch({ network: [{ userId: user.id, amount: microPointsOf(1), at: new Date() }] }));
    } finally {
      stops.forEach((stop) => stop());
    }
    // Each user hears what the transaction credited them: the earner 1 point of Network, the referrer 20 % of it.
    const credit = { tx: expect.any(Number), at: expect.any(Number), bucket: expect.any(Number), epoch: expect.any(Number) };
    expect(seen).toEqual(
      expect.arrayContaining([
        { type: 'earnings.changed', userIds: [user.id], credit: { ...credit, amounts: [1_000_000, 0] } },
        { type: 'earnings.changed', userIds: [referrer.id], credit: { ...credit, amounts: [0, 200_000] } },
        { type: 'referral.changed', userIds: [referrer.id] },
      ]),
    );
    // The credit names the transaction that wrote the balance row, and when it wrote it.
    const credited = seen.find((event) => event.type === 'earnings.changed' && event.userIds[0] === user.id) as { credit: LedgerCredit };
    const [row] = await sql<{ tx: string; updated_at: Date }>(app.database.url, `SELECT xmin::text AS tx, updated_at FROM user_balances WHERE user_id = $1`, [user.id]);
    expect(BigInt(credited.credit.tx) & 0xffffffffn).toBe(BigInt(row!.tx));
    expect(credited.credit.at).toBe(row!.updated_at.getTime());
    expect(new Date(credited.credit.bucket).toISOString()).toBe(new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString());
  });

  it('announces a change it cannot describe in one bucket without a credit: a bonus, credits in two buckets', async () => {
    const user = await registerUser(app);
    const bus = app.server.app.get(EventBus);
    const seen: DomainEvent[] = [];
    const stop = bus.subscribeUser(user.id, (event) => seen.push(event));
    try {
      await ledger.apply(batch({ bonuses: [{ userId: user.id, amount: microPointsOf(3), at: new Date(), ref: `credit-test-${user.id}`, note: null }] }));
      await ledger.apply(
        batch({
          network: [
            { userId: user.id, amount: microPointsOf(1), at: new Date(Date.now() - 3_600_000) },
            { userId: user.id, amount: microPointsOf(1), at: new Date() },
          ],
        }),
      );
    } finally {
      stop();
    }
    expect(seen.filter((event) => event.type === 'earnings.changed')).toEqual([
      { type: 'earnings.changed', userIds: [user.id] },
      { type: 'earnings.changed', userIds: [user.id] },
    ]);
  });

  it('advances nodes and names each owner once; a node that no longer exists is skipped', async () => {
    const alice = await registerUser(app);
    const bob = await registerUser(app);
    const network = app.server.app.get(NetworkRepository);
    const aliceNodes = [
      (await network.connect(alice.id, 'ledger-a1', 'A1', '203.0.113.1', 's-a1')).id,
      (await network.connect(alice.id, 'ledger-a2', 'A2', '203.0.113.2', 's-a2')).id,
    ];
    const bobNode = (await network.connect(bob.id, 'ledger-b1', 'B1', '203.0.113.3', 's-b1')).id;
    const progress = (nodeId: number, points: number): NodeProgress => ({
      nodeId,
      seconds: 30,
      points: microPointsOf(points),
      score: 0.5,
      lastSeenAt: new Date(),
    });
    const result = await ledger.apply(
      batch({ nodes: [progress(bobNode, 2), progress(aliceNodes[0]!, 1), progress(aliceNodes[1]!, 1.5), progress(2_000_000_000, 9)] }),
    );
    expect([...result.networkChanged].sort((x, y) => x - y)).toEqual([alice.id, bob.id].sort((x, y) => x - y));
    const rows = await sql<{ id: number; points: string; seconds: string }>(
      app.database.url,
      `SELECT id::int, points_earned::text AS points, connection_time::text AS seconds FROM network_connections WHERE id = ANY($1) ORDER BY id`,
      [[...aliceNodes, bobNode]],
    );
    expect(rows.map((row) => [row.id, Number(row.points), Number(row.seconds)])).toEqual(
      [
        [aliceNodes[0], 1, 30],
        [aliceNodes[1], 1.5, 30],
        [bobNode, 2, 30],
      ].sort((x, y) => x[0]! - y[0]!),
    );
    // Nothing to advance: no owners.
    expect((await ledger.apply(batch({ nodes: [progress(2_000_000_001, 1)] }))).networkChanged).toEqual([]);
  });

  it("keeps each node's points of today (UTC): adds on the same day, starts again on a new one, untouched by zero points", async () => {
    const owner = await registerUser(app);
    const network = app.server.app.get(NetworkRepository);
    const nodeId = (await network.connect(owner.id, 'ledger-today', 'Today', '203.0.113.4', 's-today')).id;
    // A last heartbeat ahead of the connect's now(), with milliseconds: it must land exactly.
    const seen = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_789);
    const advance = (points: number): Promise<LedgerResult> =>
      ledger.apply(batch({ nodes: [{ nodeId, seconds: 30, points: microPointsOf(points), score: 0.5, lastSeenAt: seen }] }));
    const today = async (): Promise<{ earned: string; today: string; sameDay: boolean }> => {
      const [row] = await sql<{ earned: string; today: string; sameDay: boolean }>(
        app.database.url,
        `SELECT points_earned::text AS earned, points_today::text AS today, points_day = (now() AT TIME ZONE 'UTC')::date AS "sameDay"
           FROM network_connections WHERE id = $1`,
        [nodeId],
      );
      return row!;
    };

    await advance(1.25);
    await advance(0.000001);
    expect(await today()).toEqual({ earned: '1.250001', today: '1.250001', sameDay: true });
    const [lastSeen] = await sql<{ at: Date }>(app.database.url, `SELECT last_seen_at AS at FROM network_connections WHERE id = $1`, [nodeId]);
    expect(lastSeen!.at.getTime()).toBe(seen.getTime());

    // What was earned yesterday does not count today: the next points start the day again.
    await sql(app.database.url, `UPDATE network_connections SET points_day = points_day - 1 WHERE id = $1`, [nodeId]);
    await advance(0);
    expect(await today()).toEqual({ earned: '1.250001', today: '1.250001', sameDay: false });
    await advance(2);
    expect(await today()).toEqual({ earned: '3.250001', today: '2.000000', sameDay: true });
  });

  it('keeps totals equal to the sum of rows under many random, concurrent credits', async () => {
    const seed = Number(process.env.LEDGER_SEED ?? Date.now() % 1_000_000);
    const generator = new Random(seed);
    const random = () => generator.next();
    const users: RegisteredUser[] = [];
    for (let i = 0; i < 12; i++) {
      const referrer = i > 0 && random() < 0.7 ? users[Math.floor(random() * users.length)] : undefined;
      users.push(await registerUser(app, referrer === undefined ? {} : { referral_code: referrer.referralCode }));
    }
    const expected = new Map<number, { network: MicroPoints; bonus: MicroPoints }>();
    const batches: LedgerBatch[] = [];
    let networkCredits = 0;
    const start = Date.parse('2026-11-20T00:00:00Z');
    for (let b = 0; b < 40; b++) {
      const network = [];
      const bonuses = [];
      for (let c = 0; c < 1 + Math.floor(random() * 25); c++) {
        const user = users[Math.floor(random() * users.length)]!;
        const amount = BigInt(1 + Math.floor(random() * 5_000_000));
        const at = new Date(start + Math.floor(random() * 72) * 3_600_000 + Math.floor(random() * 3_600_000));
        const totals = expected.get(user.id) ?? { network: 0n, bonus: 0n };
        if (random() < 0.15) {
          bonuses.push({ userId: user.id, amount, at, ref: `r-${b}-${c}`, note: null });
          totals.bonus += amount;
        } else {
          network.push({ userId: user.id, amount, at });
          networkCredits++;
          totals.network += amount;
        }
        expected.set(user.id, totals);
      }
      batches.push(batch({ network, bonuses }));
    }
    // Four concurrent writers, as several instances flushing at once would be.
    const queue = [...batches];
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await ledger.apply(next);
      }),
    );

    for (const [userId, totals] of expected) {
      const balance = await balanceOf(app, userId);
      expect([seed, userId, balance.network, balance.bonus]).toEqual([
        seed,
        userId,
        formatMicroPoints(totals.network),
        formatMicroPoints(totals.bonus),
      ]);
    }
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
    expect(await referralMismatches(app.database.url)).toEqual([]);
    // Commission is exactly the tiered rates of each Network bucket credit, recomputed in SQL.
    const [{ paid, owed }] = await sql<{ paid: string; owed: string }>(
      app.database.url,
      `WITH RECURSIVE chain AS (
         SELECT referee_id AS earner, referrer_id AS ancestor, 1 AS tier FROM referrals
         UNION ALL
         SELECT chain.earner, r.referrer_id, chain.tier + 1 FROM chain JOIN referrals r ON r.referee_id = chain.ancestor
          WHERE chain.tier < 3
       )
       SELECT (SELECT COALESCE(sum(referral), 0) FROM user_balances)::text AS paid,
              COALESCE(sum(trunc(e.amount * (ARRAY[0.2, 0.1, 0.05])[chain.tier], 6)), 0)::text AS owed
         FROM chain JOIN earnings e ON e.user_id = chain.earner AND e.source = 'Network'`,
    );
    // Commission is truncated per credit and tier, the recomputation per bucket row: the ledger
    // never pays more than owed, and less by at most a micro-point per credit and tier.
    const shortfall = parseMicroPoints(owed) - parseMicroPoints(paid);
    expect(shortfall).toBeGreaterThanOrEqual(0n);
    expect(shortfall).toBeLessThanOrEqual(BigInt(networkCredits * 3));
  });
});
