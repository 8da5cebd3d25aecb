import type { IncomingMessage } from 'node:http';
import { UserReadCache } from '../../infra/cache/user-read-cache';
import { bearerTokenOf } from '../../modules/auth/guards/jwt-auth.guard';
import { SessionValidator } from '../../modules/auth/session-validator.service';
import { TokenService } from '../../modules/auth/token.service';
import { FastRead } from './pre-router';

/**
 * The pre-router's reads (see pre-router.ts): the per-user dashboard summaries while they sit in
 * the read cache, for a caller whose token was verified before and whose session this instance
 * trusts without I/O — exactly the bearer guard's fast path. Whatever the route would do
 * differently (a first token, a session to look up, an expired or revoked one, a cache miss, a
 * user without a referral summary) falls back to the route.
 */
export function dashboardFastReads(tokens: TokenService, sessions: SessionValidator, cache: UserReadCache): Map<string, FastRead> {
  const userIdOf = (request: IncomingMessage): number | undefined => {
    const token = bearerTokenOf(request.headers.authorization);
    if (token === null) return undefined;
    const claims = tokens.verifiedBefore(token);
    return claims === undefined ? undefined : sessions.authenticateLocally(claims)?.userId;
  };
  /** The JSON of a cached value, made once per value (cached values are never mutated). */
  const cachedJson = (part: 'earnings' | 'referrals' | 'networks', toBody: (value: object) => unknown = (value) => value): FastRead => {
    const texts = new WeakMap<object, string>();
    return (request) => {
      const userId = userIdOf(request);
      if (userId === undefined) return undefined;
      const value = cache.peek(userId, part);
      if (typeof value !== 'object' || value === null) return undefined;
      let text = texts.get(value);
      if (text === undefined) {
        text = JSON.stringify(toBody(value));
        texts.set(value, text);
      }
      return text;
    };
  };
  return new Map([
    ['/api/earnings/summary', cachedJson('earnings')],
    // A user without a summary (null) is the route's 404.
    ['/api/referrals/summary', cachedJson('referrals')],
    ['/api/networks', cachedJson('networks', (nodes) => ({ items: nodes }))],
  ]);
}
