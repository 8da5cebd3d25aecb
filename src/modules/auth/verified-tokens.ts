import { AccessTokenClaims } from './auth-user';

/**
 * Tokens remembered at most; beyond that the oldest is forgotten (it is only verified again).
 * A token and its entry take ~400 bytes, so at most ~20 MB.
 */
export const MAX_VERIFIED_TOKENS = 50_000;

interface Verified {
  readonly claims: AccessTokenClaims;
  /** The token's `exp` claim (seconds since the epoch). */
  readonly exp: number;
}

/**
 * Access tokens whose signature has been checked, remembered until they expire so that a client
 * sending the same token on every request pays the HMAC and the JWT parsing once. The key is the
 * whole token, not its signature alone: a token's claims are only what was signed. Only the
 * signature and expiry are remembered — whether the session is still live is asked on every
 * request (SessionValidator), so a revocation applies as before.
 */
export class VerifiedTokens {
  private readonly byToken = new Map<string, Verified>();

  constructor(private readonly capacity = MAX_VERIFIED_TOKENS) {}

  get size(): number {
    return this.byToken.size;
  }

  /**
   * The claims of a token verified before, `'expired'` when it was verified but has expired
   * since (jsonwebtoken's rule: expired once the current second reaches `exp`), or undefined.
   */
  lookup(token: string, nowMs: number): AccessTokenClaims | 'expired' | undefined {
    const verified = this.byToken.get(token);
    if (verified === undefined) return undefined;
    if (Math.floor(nowMs / 1000) >= verified.exp) {
      this.byToken.delete(token);
      return 'expired';
    }
    return verified.claims;
  }

  /** Remembers a token that just passed verification; tokens without an expiry are not kept. */
  remember(token: string, claims: AccessTokenClaims, exp: unknown): void {
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return;
    if (this.byToken.size >= this.capacity) {
      const oldest = this.byToken.keys().next();
      if (oldest.done !== true) this.byToken.delete(oldest.value);
    }
    this.byToken.set(token, { claims: { sub: claims.sub, sid: claims.sid, role: claims.role }, exp });
  }
}
