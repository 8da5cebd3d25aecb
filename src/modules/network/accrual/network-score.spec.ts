import { latencyFactorOf, nextRtt, nextScore, regularityOf } from './network-score';

describe('network score', () => {
  it('keeps a healthy node on time at 1 (at least 0.9 by contract)', () => {
    let score = 1;
    for (let i = 0; i < 100; i++) score = nextScore(score, 30_000 + (i % 3) * 500, 30_000, 40);
    expect(score).toBe(1);
  });

  it('counts jitter up to 25 % as on time and a 2.5× gap as a miss', () => {
    expect(regularityOf(37_500, 30_000)).toBe(1);
    expect(regularityOf(75_000, 30_000)).toBe(0);
    expect(regularityOf(56_250, 30_000)).toBeCloseTo(0.5, 10);
    expect(regularityOf(1_000, 30_000)).toBe(1);
  });

  it('penalizes slow links, at most by half', () => {
    expect(latencyFactorOf(null)).toBe(1);
    expect(latencyFactorOf(100)).toBe(1);
    expect(latencyFactorOf(1_125)).toBeCloseTo(0.75, 10);
    expect(latencyFactorOf(60_000)).toBe(0.5);
  });

  it('moves gradually: one miss costs a fifth, recovery takes a few beats', () => {
    const afterMiss = nextScore(1, 90_000, 30_000, null);
    expect(afterMiss).toBeCloseTo(0.8, 10);
    let score = afterMiss;
    for (let i = 0; i < 10; i++) score = nextScore(score, 30_000, 30_000, null);
    expect(score).toBeGreaterThan(0.9);
    let flaky = 1;
    for (let i = 0; i < 20; i++) flaky = nextScore(flaky, 80_000, 30_000, 3_000);
    expect(flaky).toBeLessThan(0.05);
  });

  it('smooths round-trip samples', () => {
    expect(nextRtt(null, 100)).toBe(100);
    expect(nextRtt(100, 200)).toBe(120);
  });
});
