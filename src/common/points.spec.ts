import { exactMicroOfJson, formatMicroPoints, jsonOfExactMicro, microPointsOf, parseMicroPoints, pointsToJson } from './points';

describe('points', () => {
  it('round-trips NUMERIC strings exactly', () => {
    for (const value of ['0.000000', '1.000001', '123456789.123456', '-0.500000', '0.000001']) {
      expect(formatMicroPoints(parseMicroPoints(value))).toBe(value);
    }
  });

  it('adds without floating-point drift', () => {
    let sum = 0n;
    for (let i = 0; i < 10; i++) sum += microPointsOf(0.1);
    expect(formatMicroPoints(sum)).toBe('1.000000');
    expect(pointsToJson(sum)).toBe(1);
    let float = 0;
    for (let i = 0; i < 10; i++) float += 0.1;
    expect(float).not.toBe(1); // the reason points are not accumulated as floats
  });

  it('parses short fractions and truncates long ones', () => {
    expect(parseMicroPoints('2.5')).toBe(2_500_000n);
    expect(parseMicroPoints('7')).toBe(7_000_000n);
    expect(parseMicroPoints('0.1234567')).toBe(123_456n);
  });

  it('rejects what is not a number', () => {
    expect(() => parseMicroPoints('abc')).toThrow();
    expect(() => parseMicroPoints('1e5')).toThrow();
    expect(() => microPointsOf(Number.NaN)).toThrow();
  });

  it('converts JSON numbers with 6 decimals', () => {
    expect(microPointsOf(0.016667)).toBe(16_667n);
    expect(pointsToJson(16_667n)).toBe(0.016667);
  });

  it('takes JSON points to exact micro-points as numbers and back, up to 2^50 micro-points', () => {
    expect(exactMicroOfJson(0.1 + 0.2)).toBe(300_000);
    expect(jsonOfExactMicro(exactMicroOfJson(0.1)! + exactMicroOfJson(0.2)!)).toBe(0.3);
    expect(exactMicroOfJson(1_000_000_000.123456)).toBe(1_000_000_000_123_456);
    expect(jsonOfExactMicro(1_000_000_000_123_456)).toBe(1_000_000_000.123456);
    expect(exactMicroOfJson(1_200_000_000)).toBeUndefined();
    expect(exactMicroOfJson(-0.000001)).toBeUndefined();
    expect(exactMicroOfJson(Number.NaN)).toBeUndefined();
  });
});
