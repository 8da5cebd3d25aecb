import { BucketCredit } from './ledger.repository';
import { bucketColumnsOf, microAt } from './ledger-columns';
import { balanceDeltas } from './ledger-deltas';

describe('balanceDeltas', () => {
  const hour = new Date('2026-01-01T10:00:00Z');
  const next = new Date('2026-01-01T11:00:00Z');
  const credit = (userId: number, amount: bigint, bucket = hour): BucketCredit => ({ userId, bucket, epoch: 1, amount });
  /** The same rows as bigint columns (the path beyond 2^53) and, when they allow it, as plain numbers (a flush's). */
  const shapes = (rows: BucketCredit[]) => {
    const big = bucketColumnsOf(rows);
    const safe = rows.every((row) => row.amount <= BigInt(Number.MAX_SAFE_INTEGER));
    return safe ? [big, { ...big, amounts: Float64Array.from(rows, (row) => Number(row.amount)) }] : [big];
  };
  const rowsOf = (deltas: Awaited<ReturnType<typeof balanceDeltas>>) =>
    Array.from({ length: deltas.length }, (_, k) => ({
      userId: deltas.userIds[k],
      network: microAt(deltas.network, k),
      referral: microAt(deltas.referral, k),
      bonus: microAt(deltas.bonus, k),
    }));

  it('merges Network and Referral credits (in user order) into one delta per user, summing buckets exactly', async () => {
    const network = [credit(1, 5n), credit(1, 2n, next), credit(4, 9_007_199_254_740_993n), credit(7, 1n)];
    const referral = [credit(2, 3n), credit(4, 1n), credit(4, 1n, next), credit(9, 6n)];
    for (const referralColumns of shapes(referral)) {
      const deltas = await balanceDeltas(bucketColumnsOf(network), referralColumns, []);
      expect(rowsOf(deltas)).toEqual([
        { userId: 1, network: 7n, referral: 0n, bonus: 0n },
        { userId: 2, network: 0n, referral: 3n, bonus: 0n },
        { userId: 4, network: 9_007_199_254_740_993n, referral: 2n, bonus: 0n },
        { userId: 7, network: 1n, referral: 0n, bonus: 0n },
        { userId: 9, network: 0n, referral: 6n, bonus: 0n },
      ]);
    }
  });

  it('folds bonuses in, users credited only a bonus at their place in user order', async () => {
    for (const network of shapes([credit(3, 5n)])) {
      for (const referral of shapes([credit(6, 1n)])) {
        const deltas = await balanceDeltas(network, referral, [
          { userId: 8, amount: 50n },
          { userId: 3, amount: 10n },
          { userId: 1, amount: 4n },
          { userId: 3, amount: 1n },
        ]);
        expect(rowsOf(deltas)).toEqual([
          { userId: 1, network: 0n, referral: 0n, bonus: 4n },
          { userId: 3, network: 5n, referral: 0n, bonus: 11n },
          { userId: 6, network: 0n, referral: 1n, bonus: 0n },
          { userId: 8, network: 0n, referral: 0n, bonus: 50n },
        ]);
      }
    }
  });

  it('keeps a bonus beyond 2^53 micro-points exact', async () => {
    const deltas = await balanceDeltas(bucketColumnsOf([credit(3, 5n)]), bucketColumnsOf([]), [{ userId: 3, amount: 9_007_199_254_740_993n }]);
    expect(rowsOf(deltas)).toEqual([{ userId: 3, network: 5n, referral: 0n, bonus: 9_007_199_254_740_993n }]);
  });

  it('is empty for nothing', async () => {
    expect((await balanceDeltas(bucketColumnsOf([]), bucketColumnsOf([]), [])).length).toBe(0);
  });
});
