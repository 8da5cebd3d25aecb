export type Role = 'user' | 'admin';

/** Who is calling, as established from a verified access token and a live session. */
export interface AuthUser {
  readonly userId: number;
  readonly sessionId: string;
  readonly role: Role;
}

/** Claims of our access tokens. */
export interface AccessTokenClaims {
  /** User id. */
  readonly sub: number;
  /** Auth session id. */
  readonly sid: string;
  readonly role: Role;
}
