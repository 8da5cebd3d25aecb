import { customAlphabet, nanoid } from 'nanoid';

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Referral codes: 8 URL-safe alphanumerics (62^8 ≈ 2·10^14), easy to read out and type. */
export const newReferralCode = customAlphabet(ALPHANUMERIC, 8);

/** Opaque ids of sessions, ledger batches and socket sessions. */
export function newId(size = 21): string {
  return nanoid(size);
}
