import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { AddressPolicy, AddressRefused } from './address-policy';

/** Bytes of a response read at most; the rest is discarded unread. */
const RESPONSE_READ_CAP = 4 * 1024;
/** What is kept of a response (or an error) for the deliveries list. */
export const EXCERPT_CHARS = 256;

export interface WebhookMessage {
  /** Stable per notification: the receiver's idempotency key across retries. */
  readonly id: string;
  readonly timestamp: Date;
  /** JSON body `{type, timestamp, data}`. */
  readonly body: string;
}

export type SendResult =
  | { readonly ok: true; readonly status: number; readonly excerpt: string | null }
  | { readonly ok: false; readonly status: number | null; readonly excerpt: string };

/**
 * One Standard Webhooks delivery attempt: signed `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` headers; the destination's addresses are checked at connect time by the
 * socket's own lookup (so a DNS answer that changed since registration is caught, and the
 * checked address is the one connected to); redirects are not followed; the whole attempt
 * has a deadline; at most a few KiB of the answer are read.
 */
export class WebhookSender {
  constructor(
    private readonly policy: AddressPolicy,
    private readonly timeoutMs: number,
    private readonly userAgent = 'DePIN-Dashboard-Webhooks/1.0',
  ) {}

  async send(url: string, secret: string, message: WebhookMessage): Promise<SendResult> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return { ok: false, status: null, excerpt: 'invalid URL' };
    }
    let signature: string;
    try {
      signature = new Webhook(secret).sign(message.id, message.timestamp, message.body);
    } catch {
      return { ok: false, status: null, excerpt: 'invalid signing secret' };
    }
    // IP literals never reach the socket's lookup (below): check them here.
    if (isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0) {
      try {
        await this.policy.addressesOf(target.hostname);
      } catch (error) {
        return { ok: false, status: null, excerpt: excerpt(errorText(error)) };
      }
    }
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(result);
      };
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: false,
          lookup: this.guardedLookup(),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(message.body),
            'user-agent': this.userAgent,
            'webhook-id': message.id,
            'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
        },
        (response) => {
          void readCapped(response).then((text) => {
            const status = response.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            finish(ok ? { ok, status, excerpt: text === '' ? null : excerpt(text) } : { ok, status, excerpt: excerpt(text || `HTTP ${status}`) });
            request.destroy();
          });
        },
      );
      const deadline = setTimeout(() => {
        finish({ ok: false, status: null, excerpt: `timed out after ${this.timeoutMs} ms` });
        request.destroy();
      }, this.timeoutMs);
      request.on('error', (error) => finish({ ok: false, status: null, excerpt: excerpt(errorText(error)) }));
      request.end(message.body);
    });
  }

  /** dns.lookup's signature, answering only with addresses the policy allows. */
  private guardedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.policy.addressesOf(hostname).then(
        (addresses) => {
          const family = (address: string) => (address.includes(':') ? 6 : 4);
          const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => family(a) === options.family) : addresses;
          if (wanted.length === 0) {
            callback(Object.assign(new Error(`${hostname} has no address of family ${String(options.family)}`), { code: 'ENOTFOUND' }), '', 4);
          } else if (options.all) {
            (callback as unknown as (error: null, addresses: Array<{ address: string; family: number }>) => void)(
              null,
              wanted.map((address) => ({ address, family: family(address) })),
            );
          } else {
            callback(null, wanted[0]!, family(wanted[0]!));
          }
        },
        (error: unknown) => callback(error as NodeJS.ErrnoException, '', 4),
      );
    };
  }
}

function readCapped(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    response.on('data', (chunk: Buffer) => {
      if (size >= RESPONSE_READ_CAP) return;
      chunks.push(chunk.subarray(0, RESPONSE_READ_CAP - size));
      size += chunk.length;
      if (size >= RESPONSE_READ_CAP) {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    response.on('error', done);
    response.on('close', done);
  });
}

function errorText(error: unknown): string {
  if (error instanceof AddressRefused) return `refused: ${error.message}`;
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return 'request failed';
}

/** Printable, single-line, short: what the deliveries list may show of an answer. */
export function excerpt(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, EXCERPT_CHARS);
}
