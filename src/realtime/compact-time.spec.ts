import { fromCompactTime, toCompactTime } from './compact-time';

describe('compact time', () => {
  it('gives back the epoch milliseconds it stored, and keeps them small integers for weeks of uptime', () => {
    const now = Date.now();
    for (const ms of [now, now - 60_000, now + 24 * 3_600_000 * 20]) {
      const compact = toCompactTime(ms);
      expect(fromCompactTime(compact)).toBe(ms);
      // What V8 keeps inside the object: a 31-bit signed integer.
      expect(Number.isInteger(compact) && compact >= -(2 ** 31) && compact < 2 ** 31).toBe(true);
    }
  });

  it('keeps 0 (never) and Infinity (not yet) as small integers too', () => {
    for (const ms of [0, Infinity]) {
      const compact = toCompactTime(ms);
      expect(Number.isInteger(compact)).toBe(true);
      expect(fromCompactTime(compact)).toBe(ms);
    }
  });

  it('rounds a fractional time to the whole millisecond', () => {
    const now = Date.now();
    expect(fromCompactTime(toCompactTime(now + 0.4))).toBe(now);
    expect(fromCompactTime(toCompactTime(now + 0.6))).toBe(now + 1);
  });
});
