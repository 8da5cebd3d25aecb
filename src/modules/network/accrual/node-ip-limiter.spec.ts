import { InProcessNodeIpLimiter } from './node-ip-limiter';

describe('InProcessNodeIpLimiter', () => {
  it('lets the first N nodes of an IP earn and promotes the next when one leaves', () => {
    const limiter = new InProcessNodeIpLimiter(2);
    limiter.add('1.2.3.4', 'a', 1);
    limiter.add('1.2.3.4', 'b', 2);
    limiter.add('1.2.3.4', 'c', 3);
    limiter.add('5.6.7.8', 'd', 4);
    expect(['a', 'b', 'c'].map((id) => limiter.allows('1.2.3.4', id))).toEqual([true, true, false]);
    expect(limiter.allows('5.6.7.8', 'd')).toBe(true);
    limiter.remove('1.2.3.4', 'a');
    expect(['b', 'c'].map((id) => limiter.allows('1.2.3.4', id))).toEqual([true, true]);
  });

  it('allows everything when the limit is 0 (no limit)', () => {
    const limiter = new InProcessNodeIpLimiter(0);
    limiter.add('1.2.3.4', 'a', 1);
    expect(limiter.allows('1.2.3.4', 'a')).toBe(true);
    expect(limiter.allows('1.2.3.4', 'unknown')).toBe(true);
  });
});
