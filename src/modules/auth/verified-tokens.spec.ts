import { AccessTokenClaims } from './auth-user';
import { VerifiedTokens } from './verified-tokens';

const claims = (sub: number): AccessTokenClaims => ({ sub, sid: `s${sub}`, role: 'user' });

describe('VerifiedTokens', () => {
  it('returns the claims of a remembered token until the second of its exp', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('a.b.c', claims(1), 100);
    expect(tokens.lookup('a.b.c', 99_999)).toEqual(claims(1));
    expect(tokens.lookup('a.b.x', 99_999)).toBeUndefined();
    expect(tokens.lookup('a.b.c', 100_000)).toBe('expired');
    // Forgotten once expired: the next use goes through full verification again.
    expect(tokens.lookup('a.b.c', 50_000)).toBeUndefined();
  });

  it('does not keep tokens without a numeric exp', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('t1', claims(1), undefined);
    tokens.remember('t2', claims(2), '100');
    expect(tokens.size).toBe(0);
  });

  it('forgets the oldest token beyond its capacity', () => {
    const tokens = new VerifiedTokens(2);
    tokens.remember('t1', claims(1), 100);
    tokens.remember('t2', claims(2), 100);
    tokens.remember('t3', claims(3), 100);
    expect(tokens.size).toBe(2);
    expect(tokens.lookup('t1', 0)).toBeUndefined();
    expect(tokens.lookup('t3', 0)).toEqual(claims(3));
  });

  it('keeps only the claims it needs, not the object it was given', () => {
    const tokens = new VerifiedTokens();
    const payload = { ...claims(7), extra: 'x' } as AccessTokenClaims;
    tokens.remember('t', payload, 100);
    expect(tokens.lookup('t', 0)).toEqual(claims(7));
  });
});
