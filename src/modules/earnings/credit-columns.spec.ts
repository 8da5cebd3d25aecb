import { aggregateCredits, BucketRules } from './credit-columns';
import { NetworkCredit, NetworkCreditColumns } from './ledger-batch';
import { bucketRowsOf } from './ledger-columns';

describe('aggregateCredits', () => {
  const hour = 3_600_000;
  // Hourly buckets; epoch = the day.
  const rules: BucketRules = {
    bucketStartMs: (ms) => ms - (ms % hour),
    epochOf: (bucket) => Math.floor(bucket.getTime() / (24 * hour)),
  };
  const at = (ms: number): Date => new Date(ms);
  const credits: NetworkCredit[] = [
    { userId: 7, amount: 5n, at: at(2 * hour + 10) },
    { userId: 3, amount: 1n, at: at(2 * hour + 20) },
    { userId: 7, amount: 4n, at: at(hour + 5) },
    { userId: 3, amount: 0n, at: at(hour + 5) }, // nothing: left out
    { userId: 7, amount: 6n, at: at(2 * hour + 30) },
    { userId: 1, amount: 2n, at: at(2 * hour) },
  ];

  it('sums per (user, bucket), in user then bucket order, from objects and from columns alike', async () => {
    const columns = new NetworkCreditColumns(credits.length);
    for (const credit of credits) columns.push(credit.userId, Number(credit.amount), credit.at.getTime());
    for (const input of [credits, columns]) {
      const aggregated = await aggregateCredits(input, rules);
      expect(bucketRowsOf(aggregated!)).toEqual([
        { userId: 1, bucket: at(2 * hour), epoch: 0, amount: 2n },
        { userId: 3, bucket: at(2 * hour), epoch: 0, amount: 1n },
        { userId: 7, bucket: at(hour), epoch: 0, amount: 4n },
        { userId: 7, bucket: at(2 * hour), epoch: 0, amount: 11n },
      ]);
      const { length, userIds, bucketRanks, amounts, buckets, largest, total } = aggregated!;
      expect([length, Array.from(userIds.subarray(0, length)), Array.from(bucketRanks.subarray(0, length))]).toEqual([4, [1, 3, 7, 7], [1, 1, 0, 1]]);
      expect(Array.from(amounts.subarray(0, length))).toEqual([2, 1, 4, 11]);
      expect(buckets.map((bucket) => bucket.bucket)).toEqual([at(hour), at(2 * hour)]);
      expect([largest, total]).toEqual([11, 18]);
    }
  });

  it('declines (null: bigint arithmetic) when an amount or the total is beyond 2^53 micro-points', async () => {
    const big = BigInt(Number.MAX_SAFE_INTEGER);
    expect(await aggregateCredits([{ userId: 1, amount: big + 1n, at: at(0) }], rules)).toBeNull();
    expect(
      await aggregateCredits(
        [
          { userId: 1, amount: big, at: at(0) },
          { userId: 2, amount: 1n, at: at(0) },
        ],
        rules,
      ),
    ).toBeNull();
    expect(bucketRowsOf((await aggregateCredits([{ userId: 1, amount: big, at: at(0) }], rules))!)[0]!.amount).toBe(big);
  });

  it('columns refuse an amount that is not an exact integer', () => {
    expect(() => new NetworkCreditColumns(1).push(1, 0.5, 0)).toThrow('Not an exact amount');
  });
});
