import { balanceDeltas } from './ledger-deltas';

describe('balanceDeltas', () => {
  const hour = new Date('2026-01-01T10:00:00Z');
  const next = new Date('2026-01-01T11:00:00Z');
  const credit = (userId: number, amount: bigint, bucket = hour) => ({ userId, bucket, epoch: 1, amount });

  it('merges Network and Referral credits (in user order) into one delta per user, summing buckets exactly', async () => {
    const deltas = await balanceDeltas(
      [credit(1, 5n), credit(1, 2n, next), credit(4, 9_007_199_254_740_993n), credit(7, 1n)],
      [credit(2, 3n), credit(4, 1n), credit(4, 1n, next), credit(9, 6n)],
      [],
    );
    expect(deltas).toEqual([
      { userId: 1, network: 7n, referral: 0n, bonus: 0n },
      { userId: 2, network: 0n, referral: 3n, bonus: 0n },
      { userId: 4, network: 9_007_199_254_740_993n, referral: 2n, bonus: 0n },
      { userId: 7, network: 1n, referral: 0n, bonus: 0n },
      { userId: 9, network: 0n, referral: 6n, bonus: 0n },
    ]);
  });

  it('folds bonuses in, users credited only a bonus at their place in user order', async () => {
    const deltas = await balanceDeltas(
      [credit(3, 5n)],
      [credit(6, 1n)],
      [
        { userId: 8, amount: 50n },
        { userId: 3, amount: 10n },
        { userId: 1, amount: 4n },
        { userId: 3, amount: 1n },
      ],
    );
    expect(deltas).toEqual([
      { userId: 1, network: 0n, referral: 0n, bonus: 4n },
      { userId: 3, network: 5n, referral: 0n, bonus: 11n },
      { userId: 6, network: 0n, referral: 1n, bonus: 0n },
      { userId: 8, network: 0n, referral: 0n, bonus: 50n },
    ]);
  });

  it('is empty for nothing', async () => {
    expect(await balanceDeltas([], [], [])).toEqual([]);
  });
});
