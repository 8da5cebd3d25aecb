import { DomainEvent, LedgerCredit } from '../../infra/bus/domain-event';
import { pointsToJson } from '../../common/points';
import { AppliedCredits, applyCredit, parseSnapshot, sawTransaction, SummaryBasis } from './earnings-credit';
import { EarningsDataJson } from './earnings.mapper';

const NOW = Date.parse('2026-12-03T15:30:00Z');
const HOUR = Date.parse('2026-12-03T15:00:00Z');
const EPOCH = 336;

const summary = (over: Partial<EarningsDataJson> = {}): EarningsDataJson => ({
  total: 10.1,
  today: 0.3,
  current_epoch: EPOCH,
  epoch_total: 0.3,
  by_source: { network: 7.1, referral: 0.2, bonus: 2.8 },
  updated_at: '2026-12-03T15:29:00.000Z',
  ...over,
});

const appliedList = (txs: readonly number[]): AppliedCredits | null =>
  txs.reduce<AppliedCredits | null>((earlier, tx) => ({ tx, count: (earlier?.count ?? 0) + 1, earlier }), null);
const basis = (text = '100:105:102', applied: number[] = []): SummaryBasis => ({ snapshot: parseSnapshot(text)!, applied: appliedList(applied) });

const event = (userId: number, credit: Omit<Partial<LedgerCredit>, 'amounts'> & { amounts: unknown[] }): DomainEvent =>
  ({ type: 'earnings.changed', userIds: [userId], credit: { tx: 106, at: NOW, bucket: HOUR, epoch: EPOCH, ...credit } }) as DomainEvent;

describe('read snapshots', () => {
  it('parses pg_current_snapshot() text, with and without transactions in progress', () => {
    expect(parseSnapshot('100:105:102,104')).toEqual({ xmin: 100, xmax: 105, inProgress: [102, 104] });
    expect(parseSnapshot('7:7:')).toEqual({ xmin: 7, xmax: 7, inProgress: [] });
  });

  it('refuses anything else, and ids past 2^53', () => {
    for (const text of ['', '1:2', 'a:b:', '1:2:x', ' 1:2:', `1:${2n ** 60n}:`, null, 42]) expect(parseSnapshot(text)).toBeUndefined();
  });

  it('sees a transaction below xmin, or below xmax and not in progress (as pg_visible_in_snapshot); not one in progress or from xmax on', () => {
    const snapshot = parseSnapshot('100:105:102')!;
    expect([99, 100, 101, 102, 103, 104, 105, 200].map((tx) => sawTransaction(snapshot, tx))).toEqual([true, true, true, false, true, true, false, false]);
  });
});

describe('applyCredit', () => {
  it('adds a credit the read did not see, exactly to the micro-point, in today and the epoch', () => {
    const result = applyCredit({ value: summary(), basis: basis() }, event(1, { amounts: [200_000, 100_000] }), 1, 0, NOW);
    expect(result).toEqual({
      value: {
        total: pointsToJson(10_400_000n),
        today: pointsToJson(600_000n),
        current_epoch: EPOCH,
        epoch_total: pointsToJson(600_000n),
        by_source: { network: pointsToJson(7_300_000n), referral: pointsToJson(300_000n), bonus: 2.8 },
        updated_at: new Date(NOW).toISOString(),
      },
      basis: { snapshot: basis().snapshot, applied: appliedList([106]) },
    });
    // 0.1 + 0.2 in floating point would not be 0.3: the sum is made in micro-points.
    expect((result as { value: EarningsDataJson }).value.today).toBe(0.6);
  });

  it('holds when the read saw the transaction, or the credit was applied before', () => {
    expect(applyCredit({ value: summary(), basis: basis('104:110:') }, event(1, { amounts: [1, 0] }), 1, 0, NOW)).toBe('held');
    expect(applyCredit({ value: summary(), basis: basis('100:105:102', [106]) }, event(1, { amounts: [1, 0] }), 1, 0, NOW)).toBe('held');
  });

  it('leaves today and the epoch alone for a bucket of an earlier day and epoch', () => {
    const yesterday = HOUR - 86_400_000;
    const result = applyCredit({ value: summary(), basis: basis() }, event(1, { bucket: yesterday, epoch: EPOCH - 1, amounts: [1_000_000, 0] }), 1, 0, NOW);
    expect(result).toMatchObject({ value: { total: 11.1, today: 0.3, epoch_total: 0.3, by_source: { network: 8.1 } } });
  });

  it('keeps the later updated_at', () => {
    const result = applyCredit({ value: summary({ updated_at: '2026-12-03T15:31:00.000Z' }), basis: basis() }, event(1, { amounts: [1, 0] }), 1, 0, NOW);
    expect(result).toMatchObject({ value: { updated_at: '2026-12-03T15:31:00.000Z' } });
  });

  it.each([
    ['no credit', { type: 'earnings.changed', userIds: [1] } as DomainEvent],
    ['a bucket of a later day', event(1, { bucket: HOUR + 86_400_000, amounts: [1, 0] })],
    ['a later epoch', event(1, { epoch: EPOCH + 1, amounts: [1, 0] })],
    ['amounts of the wrong length', event(1, { amounts: [1] })],
    ['a negative amount', event(1, { amounts: [-1, 0] })],
    ['a fractional amount', event(1, { amounts: [0.5, 0] })],
    ['an amount as a string', event(1, { amounts: ['1', 0] })],
    ['a transaction id that is not a number', event(1, { tx: '106' as unknown as number, amounts: [1, 0] })],
    ['another user', event(2, { amounts: [1, 0] })],
  ])('drops the value (read again) for %s', (_name, bad) => {
    expect(applyCredit({ value: summary(), basis: basis() }, bad, 1, 0, NOW)).toBeUndefined();
  });

  it('drops a value it cannot take exactly, and one that has taken many credits', () => {
    expect(applyCredit({ value: summary({ total: 2e9 }), basis: basis() }, event(1, { amounts: [1, 0] }), 1, 0, NOW)).toBeUndefined();
    const many = Array.from({ length: 32 }, (_, i) => 1_000 + i);
    expect(applyCredit({ value: summary(), basis: basis('100:105:102', many) }, event(1, { amounts: [1, 0] }), 1, 0, NOW)).toBeUndefined();
  });
});
