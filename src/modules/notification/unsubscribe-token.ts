import { createHmac, timingSafeEqual } from 'node:crypto';
import { isNotificationType, NotificationType } from './notification-types';

/**
 * Email unsubscribe links carry `<user>.<type>.<mac>`: an HMAC under a key derived from the JWT
 * secret, so a link works without a login, for that user and type only, and cannot be forged.
 * They do not expire (an unsubscribe link in an old email must keep working).
 */
export class UnsubscribeTokens {
  private readonly key: Buffer;

  constructor(jwtSecret: string) {
    this.key = createHmac('sha256', jwtSecret).update('notification-unsubscribe/v1').digest();
  }

  sign(userId: number, type: NotificationType): string {
    return `${userId}.${type}.${this.mac(userId, type)}`;
  }

  /** The user and type of a valid token, else null. */
  verify(token: string): { userId: number; type: NotificationType } | null {
    const match = /^(\d{1,16})\.([a-z_.]{1,40})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (match === null) return null;
    const userId = Number(match[1]);
    const type = match[2]!;
    if (!Number.isSafeInteger(userId) || userId <= 0 || !isNotificationType(type)) return null;
    const expected = Buffer.from(this.mac(userId, type));
    const given = Buffer.from(match[3]!);
    return expected.length === given.length && timingSafeEqual(expected, given) ? { userId, type } : null;
  }

  private mac(userId: number, type: string): string {
    return createHmac('sha256', this.key).update(`${userId}:${type}`).digest('base64url');
  }
}
