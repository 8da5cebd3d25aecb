import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** What a secret stored before sealing starts with (Standard Webhooks' prefix). */
const PLAINTEXT_PREFIX = 'whsec_';

/** A stored secret that this instance's key cannot open (another key, or a damaged value). */
export class UnopenableSecretError extends Error {}

/**
 * Webhook signing secrets at rest. They sign every delivery, so they must be recoverable — a hash
 * will not do — and a copy of the database alone must not yield them: they are stored sealed with
 * AES-256-GCM under a key only the service holds, and bound to their user (a sealed value copied
 * into another user's row does not open).
 *
 * Stored form: `v1.<key id>.<base64url(iv ‖ tag ‖ ciphertext)>`, where the key id (8 hex digits
 * of the key's SHA-256) names the key, so a value sealed under another key fails with a clear
 * error instead of signing with garbage. A value starting with `whsec_` was stored before sealing
 * existed; it opens as itself, and `WebhookSecretSealer` seals such rows at boot.
 */
export class WebhookSecretBox {
  private readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('A webhook secret key is 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  /**
   * The key from WEBHOOK_SECRET_KEY when set, else from the JWT secret — either way through HKDF,
   * so the key that seals secrets is never the one that signs tokens.
   */
  static fromSecret(material: string): WebhookSecretBox {
    if (material.length === 0) throw new Error('No key material for webhook secrets');
    return new WebhookSecretBox(Buffer.from(hkdfSync('sha256', material, 'depin-dashboard', 'webhook signing secrets v1', 32)));
  }

  static isSealed(stored: string): boolean {
    return !stored.startsWith(PLAINTEXT_PREFIX);
  }

  seal(userId: number | string, secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.aadOf(userId));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${FORMAT}.${this.keyId}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  /** The secret a stored value holds; throws UnopenableSecretError when this key cannot open it. */
  open(userId: number | string, stored: string): string {
    if (!WebhookSecretBox.isSealed(stored)) return stored;
    const [format, keyId, payload] = stored.split('.');
    if (format !== FORMAT || payload === undefined) throw new UnopenableSecretError('not a sealed webhook secret');
    if (keyId !== this.keyId) throw new UnopenableSecretError(`sealed under another key (${keyId ?? '?'})`);
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) throw new UnopenableSecretError('sealed webhook secret is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(this.aadOf(userId));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new UnopenableSecretError('sealed webhook secret does not open (damaged, or another user’s)');
    }
  }

  private aadOf(userId: number | string): Buffer {
    return Buffer.from(`webhook_endpoints:${String(userId)}`, 'utf8');
  }
}
