import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The verified payload `{type, timestamp, data}`, or null when the signature did not verify. */
  readonly payload: { type: string; timestamp: string; data: any } | null;
  /** Status this receiver answered. */
  readonly answered: number;
}

/** What to answer to the n-th request (0-based): a status, a redirect, or nothing at all (`hang`). */
export type Script = (n: number) => { status: number; location?: string; body?: string; hang?: boolean };

/**
 * A real HTTP server receiving webhooks: every request is recorded and its Standard Webhooks
 * signature verified with the `standardwebhooks` package against `secret` (set once known).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  secret: string | null = null;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    private readonly script: Script,
  ) {}

  static async start(script: Script = () => ({ status: 204 })): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => receiver!.handle(request.headers, Buffer.concat(chunks).toString('utf8'), response));
    });
    receiver = new WebhookReceiver(server, script);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Verified payloads of this type, in arrival order. */
  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.payload?.type === type);
  }

  async waitFor(condition: () => boolean, timeoutMs = 20_000, what = 'webhooks'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received.map((r) => [r.id, r.payload?.type, r.answered]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(headers: IncomingHttpHeaders, body: string, response: import('node:http').ServerResponse): void {
    let payload: ReceivedWebhook['payload'] = null;
    if (this.secret !== null) {
      try {
        payload = new Webhook(this.secret).verify(body, headers as Record<string, string>) as ReceivedWebhook['payload'];
      } catch {
        payload = null;
      }
    }
    const answer = this.script(this.received.length);
    this.received.push({ id: String(headers['webhook-id']), headers, body, payload, answered: answer.status });
    if (answer.hang !== true) {
      response.writeHead(answer.status, answer.location === undefined ? {} : { location: answer.location });
      response.end(answer.body ?? '');
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
