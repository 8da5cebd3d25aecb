import { epochOf, epochStart, hourBucketOf, ledgerBucketOf, utcDayStart } from './epoch';

const settings = { epochSeconds: 86_400, epochGenesis: new Date('2026-01-01T00:00:00Z') };

describe('epochs', () => {
  it('numbers epochs from the genesis', () => {
    expect(epochOf(new Date('2026-01-01T00:00:00Z'), settings)).toBe(0);
    expect(epochOf(new Date('2026-01-01T23:59:59.999Z'), settings)).toBe(0);
    expect(epochOf(new Date('2026-11-29T08:00:00Z'), settings)).toBe(332);
    expect(epochOf(new Date('2025-12-31T23:00:00Z'), settings)).toBe(-1);
    expect(epochStart(332, settings).toISOString()).toBe('2026-11-29T00:00:00.000Z');
  });

  it('buckets by UTC hour and day', () => {
    expect(hourBucketOf(new Date('2026-11-29T08:59:59.999Z')).toISOString()).toBe('2026-11-29T08:00:00.000Z');
    expect(utcDayStart(new Date('2026-11-29T23:30:00Z')).toISOString()).toBe('2026-11-29T00:00:00.000Z');
  });
});

describe('ledger buckets', () => {
  it('is the UTC hour when epochs are longer than an hour', () => {
    expect(ledgerBucketOf(new Date('2026-11-29T08:42:00Z'), settings).toISOString()).toBe('2026-11-29T08:00:00.000Z');
  });

  it('never spans two epochs', () => {
    const short = { epochSeconds: 600, epochGenesis: new Date('2026-01-01T00:00:00Z') };
    const at = new Date('2026-11-29T08:42:00Z');
    const bucket = ledgerBucketOf(at, short);
    expect(bucket.toISOString()).toBe('2026-11-29T08:40:00.000Z');
    expect(epochOf(bucket, short)).toBe(epochOf(at, short));
  });
});
