import { computeCommission, sumsByKey } from './commission';
import { bucketRowsOf, referralPointRowsOf } from './ledger-columns';
import { REFERRAL_LINK_QUERY_USERS, ReferralChains } from './referral-chains';

/** Commission arithmetic and the referral chain cache, as pure logic (the ledger e2e tests cover the SQL). */
describe('computeCommission', () => {
  const bucket = new Date('2026-01-01T10:00:00Z');
  const later = new Date('2026-01-01T11:00:00Z');
  // 4 referred 3, 3 referred 2, 2 referred 1; referral ids 40, 30, 20.
  const chains = new Map([
    [4, [{ referralId: 40, referrerId: 3 }, { referralId: 30, referrerId: 2 }, { referralId: 20, referrerId: 1 }]],
    [5, [{ referralId: 50, referrerId: 3 }, { referralId: 30, referrerId: 2 }]],
  ]);
  const rates = [200_000n, 100_000n, 50_000n];

  it('pays rate × amount per tier, truncated to micro-points, summed per ancestor, bucket and referral', async () => {
    const commission = await computeCommission(
      [
        { userId: 4, bucket, epoch: 7, amount: 1_000_007n },
        { userId: 4, bucket: later, epoch: 7, amount: 10n },
        { userId: 5, bucket, epoch: 7, amount: 3n },
      ],
      chains,
      rates,
    );
    // 1,000,007 × 0.2 = 200,001.4 → 200,001; × 0.1 → 100,000; × 0.05 → 50,000. 10 × 0.2 = 2, × 0.1 = 1, × 0.05 = 0 (dropped).
    // 3 × 0.2 = 0 (dropped), 3 × 0.1 = 0.
    expect(bucketRowsOf(commission.buckets)).toEqual([
      { userId: 1, bucket, epoch: 7, amount: 50_000n },
      { userId: 2, bucket, epoch: 7, amount: 100_000n },
      { userId: 2, bucket: later, epoch: 7, amount: 1n },
      { userId: 3, bucket, epoch: 7, amount: 200_001n },
      { userId: 3, bucket: later, epoch: 7, amount: 2n },
    ]);
    expect(referralPointRowsOf(commission.referralPoints)).toEqual([
      { referralId: 20, refereeId: 2, amount: 50_000n },
      { referralId: 30, refereeId: 3, amount: 100_001n },
      { referralId: 40, refereeId: 4, amount: 200_003n },
      // User 5's own referral earned nothing (truncated) but is listed, to be locked with the rest.
      { referralId: 50, refereeId: 5, amount: 0n },
    ]);
  });

  it('stays exact beyond 2^53 micro-points (bigint arithmetic)', async () => {
    const commission = await computeCommission([{ userId: 4, bucket, epoch: 7, amount: 10_000_000_000_000_007n }], chains, rates);
    expect(bucketRowsOf(commission.buckets).map((row) => row.amount)).toEqual([500_000_000_000_000n, 1_000_000_000_000_000n, 2_000_000_000_000_001n]);
    expect(referralPointRowsOf(commission.referralPoints).map((row) => row.amount)).toEqual([500_000_000_000_000n, 1_000_000_000_000_000n, 2_000_000_000_000_001n]);
  });

  it('truncates exactly in plain numbers up to the largest products below 2^53', async () => {
    // Products up to a few hundred million micro-points below 2^53, with all kinds of remainders.
    const rate = 123_457n;
    const top = BigInt(Number.MAX_SAFE_INTEGER) / rate;
    for (let step = 0n; step < 2_000n; step += 7n) {
      const amount = top - step;
      const commission = await computeCommission([{ userId: 5, bucket, epoch: 7, amount }], chains, [rate]);
      expect([amount, bucketRowsOf(commission.buckets)[0]!.amount]).toEqual([amount, (amount * rate) / 1_000_000n]);
    }
  });

  it('pays no more tiers than there are rates, and nothing for a user without a referrer', async () => {
    const commission = await computeCommission(
      [
        { userId: 4, bucket, epoch: 7, amount: 1_000_000n },
        { userId: 9, bucket, epoch: 7, amount: 1_000_000n },
      ],
      chains,
      [200_000n],
    );
    expect(bucketRowsOf(commission.buckets)).toEqual([{ userId: 3, bucket, epoch: 7, amount: 200_000n }]);
    expect(referralPointRowsOf(commission.referralPoints)).toEqual([{ referralId: 40, refereeId: 4, amount: 200_000n }]);
  });
});

describe('sumsByKey', () => {
  it("sums values per key in key order, with each key's first entry, for dense and for sparse keys alike", async () => {
    for (const scale of [1, 1e9]) {
      const keys = Float64Array.from([5, 2, 5, 9, 2, 7], (key) => key * scale);
      const values = Float64Array.from([1, 10, 100, 0, 1_000, 3]);
      // Six entries given, the last one left out.
      const sums = await sumsByKey(keys, values, 5);
      expect([Array.from(sums.keys), Array.from(sums.sums), Array.from(sums.firsts)]).toEqual([
        [2, 5, 9].map((key) => key * scale),
        [1_010, 101, 0],
        [1, 0, 3],
      ]);
    }
    expect((await sumsByKey(new Float64Array(0), new Float64Array(0), 0)).length).toBe(0);
  });
});

describe('ReferralChains', () => {
  // A line 1 ← 2 ← 3 ← 4 ← 5 (user i + 1 referred by i, referral id 100 + i + 1); 1 has no referrer.
  // User 3's referral is settled (Completed or Rewarded) already.
  const rows = [2, 3, 4, 5].map((i) => ({ referralId: 100 + i, referrerId: i - 1, refereeId: i, settled: i === 3 }));

  function setup(capacity?: number) {
    const loads: number[][] = [];
    const chains = new ReferralChains((ids) => {
      loads.push(Array.from(ids));
      const found = rows.filter((row) => ids.includes(row.refereeId));
      return Promise.resolve({
        length: found.length,
        referralIds: Float64Array.from(found, (row) => row.referralId),
        referrerIds: Float64Array.from(found, (row) => row.referrerId),
        refereeIds: Float64Array.from(found, (row) => row.refereeId),
        settled: Uint8Array.from(found, (row) => (row.settled ? 1 : 0)),
      });
    }, capacity);
    return { chains, loads };
  }

  it('loads missing links one tier at a time, then answers from memory', async () => {
    const { chains, loads } = setup();
    const first = await chains.chainsOf([5, 2], 3);
    expect(first.get(5)).toEqual([
      { referralId: 105, referrerId: 4 },
      { referralId: 104, referrerId: 3 },
      { referralId: 103, referrerId: 2 },
    ]);
    expect(first.get(2)).toEqual([{ referralId: 102, referrerId: 1 }]);
    expect(loads).toEqual([[2, 5], [1, 4], [3]]);

    const again = await chains.chainsOf([5, 2, 1], 3);
    expect(again.get(5)).toEqual(first.get(5));
    expect(again.get(1)).toEqual([]);
    expect(loads).toHaveLength(3);
  });

  it('stays within its bound and still returns whole chains', async () => {
    const { chains, loads } = setup(2);
    const result = await chains.chainsOf([5], 4);
    expect(result.get(5)?.map((link) => link.referrerId)).toEqual([4, 3, 2, 1]);
    expect(chains.size).toBe(2);
    expect((await chains.chainsOf([5], 4)).get(5)).toEqual(result.get(5));
    expect(loads.length).toBeGreaterThan(4);
  });

  it('knows which referrals may still qualify: not those without a referrer, nor settled ones, once seen', async () => {
    const { chains } = setup();
    // Not seen yet: may qualify (the ledger checks).
    expect([1, 2, 3, 4, 5].map((id) => chains.mayQualify(id))).toEqual([true, true, true, true, true]);
    await chains.chainsOf([5], 5);
    // 1 has no referrer; 3's referral was loaded settled.
    expect([1, 2, 3, 4, 5].map((id) => chains.mayQualify(id))).toEqual([false, true, false, true, true]);
    chains.markSettled([5, 42]);
    expect([2, 4, 5, 42].map((id) => chains.mayQualify(id))).toEqual([true, true, false, true]);
  });

  it('gives the same chains as columns, row by row, ids in typed columns or in the map, cold and warm', async () => {
    for (const capacity of [1_000, 4, 3]) {
      const { chains } = setup(capacity);
      const users = Float64Array.from([1, 2, 4, 4, 5, 9]);
      for (const round of ['cold', 'warm']) {
        const columns = await chains.columnsOf(users, users.length, 3);
        const expected = await chains.chainsOf(Array.from(users), 3);
        users.forEach((userId, row) => {
          const chain = expected.get(userId)!;
          for (let tier = 0; tier < 3; tier++) {
            expect([round, capacity, userId, tier, columns.referralIds[row * 3 + tier], columns.referrerIds[row * 3 + tier]]).toEqual([
              round,
              capacity,
              userId,
              tier,
              chain[tier]?.referralId ?? 0,
              chain[tier]?.referrerId ?? 0,
            ]);
          }
        });
      }
      expect(chains.size).toBeLessThanOrEqual(capacity);
    }
  });

  it('loads a cold batch in queries of at most REFERRAL_LINK_QUERY_USERS referees, each in id order, each user once', async () => {
    // User i (> 1) referred by ⌊i / 2⌋ through referral i; rows of a user repeated, users out of order.
    const users = REFERRAL_LINK_QUERY_USERS + 5_000;
    const asked: number[][] = [];
    const chains = new ReferralChains((ids) => {
      asked.push(Array.from(ids));
      const found = Array.from(ids).filter((id) => id > 1);
      return Promise.resolve({
        length: found.length,
        referralIds: Float64Array.from(found),
        referrerIds: Float64Array.from(found, (id) => Math.floor(id / 2)),
        refereeIds: Float64Array.from(found),
        settled: new Uint8Array(found.length),
      });
    }, 4 * users);
    const rows = Float64Array.from({ length: 2 * users }, (_, i) => users - Math.floor(i / 2));
    const columns = await chains.columnsOf(rows, rows.length, 2);
    expect(asked.every((ids) => ids.length <= REFERRAL_LINK_QUERY_USERS)).toBe(true);
    expect(asked.every((ids) => ids.every((id, k) => k === 0 || ids[k - 1]! < id))).toBe(true);
    expect(asked.flat().length).toBe(new Set(asked.flat()).size);
    expect(asked[0]).toHaveLength(REFERRAL_LINK_QUERY_USERS);
    for (const row of [0, 1, 2, rows.length - 3, rows.length - 1]) {
      const userId = rows[row]!;
      const parent = Math.floor(userId / 2);
      expect([userId, ...columns.referralIds.subarray(row * 2, row * 2 + 2), ...columns.referrerIds.subarray(row * 2, row * 2 + 2)]).toEqual([
        userId,
        userId > 1 ? userId : 0,
        parent > 1 ? parent : 0,
        userId > 1 ? parent : 0,
        parent > 1 ? Math.floor(parent / 2) : 0,
      ]);
    }
  });

  it('forgets what it knew of a referral with its evicted link', async () => {
    const { chains } = setup(1);
    await chains.chainsOf([3], 1);
    expect(chains.mayQualify(3)).toBe(false);
    await chains.chainsOf([4], 1);
    expect(chains.size).toBe(1);
    expect(chains.mayQualify(3)).toBe(true);
  });
});
