import { randomBytes } from 'node:crypto';
import { UnopenableSecretError, WebhookSecretBox } from './webhook-secret-box';

describe('WebhookSecretBox', () => {
  const box = WebhookSecretBox.fromSecret('a-jwt-secret-of-at-least-thirty-two-characters');
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  it('seals a secret so that the stored value does not contain it, and opens it for its user', () => {
    const stored = box.seal(7, secret);
    expect(stored).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain(secret.slice(6, 20));
    expect(stored.length).toBeLessThanOrEqual(200);
    expect(box.open(7, stored)).toBe(secret);
    expect(box.open('7', stored)).toBe(secret);
  });

  it('seals the same secret differently each time (random IV)', () => {
    expect(box.seal(7, secret)).not.toBe(box.seal(7, secret));
  });

  it('opens a secret stored before sealing as itself', () => {
    expect(WebhookSecretBox.isSealed(secret)).toBe(false);
    expect(box.open(7, secret)).toBe(secret);
  });

  it('refuses a value sealed for another user, tampered with, truncated or under another key', () => {
    const stored = box.seal(7, secret);
    expect(() => box.open(8, stored)).toThrow(UnopenableSecretError);
    const [format, keyId, payload] = stored.split('.') as [string, string, string];
    const flipped = Buffer.from(payload, 'base64url');
    flipped[flipped.length - 1] ^= 1;
    expect(() => box.open(7, `${format}.${keyId}.${flipped.toString('base64url')}`)).toThrow(UnopenableSecretError);
    expect(() => box.open(7, `${format}.${keyId}.${payload.slice(0, 20)}`)).toThrow(UnopenableSecretError);
    expect(() => box.open(7, 'garbage')).toThrow(UnopenableSecretError);
    const other = WebhookSecretBox.fromSecret('another-secret-of-at-least-thirty-two-characters');
    expect(() => other.open(7, stored)).toThrow(/another key/);
  });

  it('derives the same key from the same material (every instance opens what another sealed)', () => {
    const again = WebhookSecretBox.fromSecret('a-jwt-secret-of-at-least-thirty-two-characters');
    expect(again.open(7, box.seal(7, secret))).toBe(secret);
  });
});
