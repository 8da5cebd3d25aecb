import { formatMicroPoints, MicroPoints, microPointsOf } from '../../src/common/points';
import { LedgerBatch } from '../../src/modules/earnings/ledger-batch';
import { LedgerOutcomeUnknown } from '../../src/modules/earnings/ledger.repository';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { registerUser, RegisteredUser } from '../support/api-client';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A batch large enough to be split by user range into shards (here: 3 shards from 2 users each),
 * each its own transaction and its own idempotent batch: exact, applied once, and a retry after a
 * partial write completes it without paying any shard twice.
 */
describe('a sharded ledger batch', () => {
  let app: TestApp;
  let ledger: LedgerService;
  const rates = [200_000n, 100_000n, 50_000n];
  const bonus = microPointsOf(50);

  beforeAll(async () => {
    app = await startTestApp({
      label: 'shards',
      env: {
        EARNINGS_FLUSH_SHARDS: '3',
        EARNINGS_FLUSH_SHARD_MIN_USERS: '2',
        REFERRAL_RATES: '0.20,0.10,0.05',
        REFERRAL_QUALIFY_POINTS: '5',
        REFERRAL_BONUS_POINTS: '50',
      },
    });
    ledger = app.server.app.get(LedgerService);
  });
  afterAll(() => app.close());

  const batch = (id: string, network: LedgerBatch['network']): LedgerBatch => ({ id, network, nodes: [], bonuses: [] });

  async function balances(userIds: readonly number[]): Promise<Map<number, { network: string; referral: string; bonus: string }>> {
    const rows = await sql<{ user_id: number; network: string; referral: string; bonus: string }>(
      app.database.url,
      `SELECT user_id::int, network::text, referral::text, bonus::text FROM user_balances WHERE user_id = ANY($1)`,
      [userIds],
    );
    return new Map(userIds.map((id) => {
      const row = rows.find((r) => r.user_id === id);
      return [id, row ? { network: row.network, referral: row.referral, bonus: row.bonus } : { network: '0.000000', referral: '0.000000', bonus: '0.000000' }];
    }));
  }

  it('pays every tier exactly across shards, completes referrals once, and applies the batch once', async () => {
    // A binary tree of 12 users: user i was referred by user ⌊(i − 1) / 2⌋.
    const users: RegisteredUser[] = [];
    for (let i = 0; i < 12; i++) {
      users.push(await registerUser(app, i === 0 ? {} : { referral_code: users[Math.floor((i - 1) / 2)]!.referralCode }));
    }
    const parentOf = (i: number): number | undefined => (i === 0 ? undefined : Math.floor((i - 1) / 2));
    // Odd users earn enough to qualify (≥ 5 points), even ones do not.
    const amounts = users.map((_, i) => microPointsOf(i % 2 === 1 ? 6.000007 * (i + 1) : 0.333333 * (i + 1)));

    const expected = users.map(() => ({ network: 0n, referral: 0n, bonus: 0n }));
    amounts.forEach((amount, i) => {
      expected[i]!.network += amount;
      let ancestor = parentOf(i);
      for (let tier = 0; tier < rates.length && ancestor !== undefined; tier++, ancestor = parentOf(ancestor)) {
        expected[ancestor]!.referral += (amount * rates[tier]!) / 1_000_000n;
      }
      const referrer = parentOf(i);
      if (referrer !== undefined && amount >= microPointsOf(5)) expected[referrer]!.bonus += bonus;
    });

    const at = new Date();
    const id = `sharded-${process.pid}-${Date.now()}`;
    const whole = batch(id, users.map((user, i) => ({ userId: user.id, amount: amounts[i]!, at })));
    const result = await ledger.apply(whole);
    expect(result.applied).toBe(true);
    expect(result.completedReferrals.map((r) => r.refereeId).sort((a, b) => a - b)).toEqual(
      users.filter((_, i) => i % 2 === 1).map((user) => user.id),
    );
    const claimed = await sql<{ id: string }>(app.database.url, `SELECT id FROM ledger_flushes WHERE id LIKE $1 ORDER BY id`, [`${id}#%`]);
    expect(claimed.map((row) => row.id)).toEqual([`${id}#1/3`, `${id}#2/3`, `${id}#3/3`]);

    const format = (totals: { network: MicroPoints; referral: MicroPoints; bonus: MicroPoints }) => ({
      network: formatMicroPoints(totals.network),
      referral: formatMicroPoints(totals.referral),
      bonus: formatMicroPoints(totals.bonus),
    });
    const after = await balances(users.map((user) => user.id));
    expect(users.map((user) => after.get(user.id))).toEqual(expected.map(format));

    // The same batch again (a retry after an unknown outcome): nothing more.
    expect((await ledger.apply(whole)).applied).toBe(false);
    expect(await balances(users.map((user) => user.id))).toEqual(after);
    // Each shard says so in the log (the log the last test searches for retries).
    const skipped = app.logs.lines.filter((line) => String(line.msg).includes(`${id}#`) && String(line.msg).includes('was applied before'));
    expect(skipped).toHaveLength(3);
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
    expect(await referralMismatches(app.database.url)).toEqual([]);
  });

  it('skips a shard written before and reports a partial write as an unknown outcome', async () => {
    const users: RegisteredUser[] = [];
    for (let i = 0; i < 6; i++) users.push(await registerUser(app));
    const ids = users.map((user) => user.id).sort((a, b) => a - b);
    const at = new Date();
    const id = `partial-${process.pid}-${Date.now()}`;
    const credits = ids.map((userId) => ({ userId, amount: microPointsOf(1), at }));

    // Shard 2 of 3 (the 3rd and 4th users) was written by an earlier attempt.
    await sql(app.database.url, `INSERT INTO ledger_flushes (id, credit_count) VALUES ($1, 2)`, [`${id}#2/3`]);
    expect((await ledger.apply(batch(id, credits))).applied).toBe(true);
    const after = await balances(ids);
    expect(ids.map((userId) => after.get(userId)!.network)).toEqual(['1.000000', '1.000000', '0.000000', '0.000000', '1.000000', '1.000000']);

    // A shard that fails (a credit to a user that does not exist) while the others commit: the
    // batch is partly written, so the caller must retry it under the same id; the retry pays no
    // written shard again.
    const broken = batch(`broken-${process.pid}-${Date.now()}`, [...credits.slice(0, 4), { userId: 2 ** 40, amount: 1n, at }, { userId: 2 ** 40 + 1, amount: 1n, at }]);
    await expect(ledger.apply(broken)).rejects.toBeInstanceOf(LedgerOutcomeUnknown);
    // The split is told as the transactions start: a retry after a restart must keep it (`LedgerBatch.shards`).
    const splits: number[] = [];
    await expect(ledger.apply(broken, { onSplit: (shards) => splits.push(shards) })).rejects.toBeInstanceOf(LedgerOutcomeUnknown);
    expect(splits).toEqual([3]);
    const final = await balances(ids);
    expect(ids.map((userId) => final.get(userId)!.network)).toEqual(['2.000000', '2.000000', '1.000000', '1.000000', '1.000000', '1.000000']);
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
  });

  it('splits a batch that carries its shard count that way, whatever the configuration says', async () => {
    const users: RegisteredUser[] = [];
    for (let i = 0; i < 6; i++) users.push(await registerUser(app));
    const at = new Date();
    const id = `fixed-${process.pid}-${Date.now()}`;
    const credits = users.map((user) => ({ userId: user.id, amount: microPointsOf(1), at }));
    expect((await ledger.apply({ ...batch(id, credits), shards: 2 })).applied).toBe(true);
    const claimed = await sql<{ id: string }>(app.database.url, `SELECT id FROM ledger_flushes WHERE id LIKE $1 ORDER BY id`, [`${id}%`]);
    expect(claimed.map((row) => row.id)).toEqual([`${id}#1/2`, `${id}#2/2`]);
    // Retried split as first written: nothing twice.
    expect((await ledger.apply({ ...batch(id, credits), shards: 2 })).applied).toBe(false);
    const after = await balances(users.map((user) => user.id));
    expect([...after.values()].map((balance) => balance.network)).toEqual(Array(6).fill('1.000000'));
  });

  it('two instances flushing disjoint users with shared ancestors at once: exact, no deadlock, no retry', async () => {
    const second = await startTestApp({
      label: 'shards',
      database: app.database,
      env: {
        EARNINGS_FLUSH_SHARDS: '3',
        EARNINGS_FLUSH_SHARD_MIN_USERS: '2',
        REFERRAL_RATES: '0.20,0.10,0.05',
        REFERRAL_QUALIFY_POINTS: '5',
        REFERRAL_BONUS_POINTS: '50',
      },
    });
    try {
      // A ternary tree of 27 users; the instances credit alternate users, so every ancestor earns
      // commission from both at once.
      const users: RegisteredUser[] = [];
      for (let i = 0; i < 27; i++) {
        users.push(await registerUser(app, i === 0 ? {} : { referral_code: users[Math.floor((i - 1) / 3)]!.referralCode }));
      }
      const parentOf = (i: number): number | undefined => (i === 0 ? undefined : Math.floor((i - 1) / 3));
      const expected = users.map(() => ({ network: 0n, referral: 0n, bonus: 0n }));
      const rounds: Array<[LedgerBatch, LedgerBatch]> = [];
      const at = new Date();
      for (let round = 0; round < 8; round++) {
        const credits = users.map((user, i) => ({ userId: user.id, amount: BigInt(1 + ((i * 7_919 + round * 104_729) % 1_500_000)), at }));
        for (const [i, credit] of credits.entries()) {
          const before = expected[i]!.network;
          expected[i]!.network += credit.amount;
          let ancestor = parentOf(i);
          for (let tier = 0; tier < rates.length && ancestor !== undefined; tier++, ancestor = parentOf(ancestor)) {
            expected[ancestor]!.referral += (credit.amount * rates[tier]!) / 1_000_000n;
          }
          const referrer = parentOf(i);
          if (referrer !== undefined && before < microPointsOf(5) && expected[i]!.network >= microPointsOf(5)) expected[referrer]!.bonus += bonus;
        }
        const id = `two-${process.pid}-${Date.now()}-${round}`;
        rounds.push([
          batch(`${id}-a`, credits.filter((_, i) => i % 2 === 0)),
          batch(`${id}-b`, credits.filter((_, i) => i % 2 === 1)),
        ]);
      }
      for (const [a, b] of rounds) {
        await Promise.all([ledger.apply(a), second.server.app.get(LedgerService).apply(b)]);
      }

      const after = await balances(users.map((user) => user.id));
      expect(users.map((user) => after.get(user.id))).toEqual(
        expected.map((totals) => ({
          network: formatMicroPoints(totals.network),
          referral: formatMicroPoints(totals.referral),
          bonus: formatMicroPoints(totals.bonus),
        })),
      );
      expect(await ledgerMismatches(app.database.url)).toEqual([]);
      expect(await referralMismatches(app.database.url)).toEqual([]);
      // One lock order in every transaction: they waited for each other, but none was retried.
      const retried = [...app.logs.lines, ...second.logs.lines].filter((line) => String(line.msg).includes('met a concurrent batch'));
      expect(retried).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
