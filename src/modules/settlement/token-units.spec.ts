import { parseMicroPoints } from '../../common/points';
import { tokenUnitsOf } from './token-units';

describe('tokenUnitsOf (micro-points → token units)', () => {
  it('scales exactly for 18 decimals, from one micro-point to the largest stored balance', () => {
    expect(tokenUnitsOf(1n, 18)).toBe(10n ** 12n);
    expect(tokenUnitsOf(parseMicroPoints('1.000000'), 18)).toBe(10n ** 18n);
    // NUMERIC(24, 6): 18 integer digits; far beyond 2^53, still exact.
    const largest = parseMicroPoints('999999999999999999.999999');
    expect(tokenUnitsOf(largest, 18)).toBe(999_999_999_999_999_999_999_999n * 10n ** 12n);
    expect(tokenUnitsOf(largest, 18) < 2n ** 256n).toBe(true);
  });

  it('is the identity at 6 decimals and zero for zero', () => {
    expect(tokenUnitsOf(123_456_789n, 6)).toBe(123_456_789n);
    expect(tokenUnitsOf(0n, 18)).toBe(0n);
    expect(tokenUnitsOf(0n, 0)).toBe(0n);
  });

  it('cuts off what fewer decimals cannot express, never rounding up', () => {
    expect(tokenUnitsOf(parseMicroPoints('1.999999'), 0)).toBe(1n);
    expect(tokenUnitsOf(parseMicroPoints('0.999999'), 0)).toBe(0n);
    expect(tokenUnitsOf(parseMicroPoints('12.345678'), 2)).toBe(1_234n);
  });

  it('keeps up to the largest decimals allowed (36) within uint256', () => {
    const largest = parseMicroPoints('999999999999999999.999999');
    expect(tokenUnitsOf(largest, 36) < 2n ** 256n).toBe(true);
    expect(tokenUnitsOf(1n, 36)).toBe(10n ** 30n);
  });

  it('refuses negative points', () => {
    expect(() => tokenUnitsOf(-1n, 18)).toThrow(RangeError);
  });
});
