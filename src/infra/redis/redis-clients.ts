import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/**
 * The Redis connections of an instance: one for commands, one in subscriber mode (Redis forbids
 * other commands on a connection that subscribes). Both reconnect for ever with capped backoff,
 * and ioredis restores subscriptions after a reconnect.
 */
export class RedisClients {
  private readonly logger = new Logger('Redis');
  readonly command: Redis;
  readonly subscriber: Redis;

  constructor(
    url: string,
    /** Prefix of every key and channel of this deployment. */
    readonly keyPrefix: string,
  ) {
    this.command = this.connect(url, 'command');
    this.subscriber = this.connect(url, 'subscriber');
  }

  key(...parts: Array<string | number>): string {
    return `${this.keyPrefix}${parts.join(':')}`;
  }

  /** True while both connections are usable. */
  isReady(): boolean {
    return this.command.status === 'ready' && this.subscriber.status === 'ready';
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady()) {
      if (Date.now() > deadline) throw new Error(`Redis not ready after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }

  private connect(url: string, role: 'command' | 'subscriber'): Redis {
    const client = new Redis(url, {
      connectionName: `depin-dashboard-${role}`,
      // A command waits through at most one reconnect attempt, then fails: callers degrade
      // (rate limits fail open, readiness reports the outage) instead of hanging.
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    });
    let lastError = '';
    client.on('error', (error: Error) => {
      // Reported once per distinct message, not once per reconnect attempt.
      if (error.message === lastError) return;
      lastError = error.message;
      this.logger.warn(`Redis ${role} connection: ${error.message}`);
    });
    client.on('ready', () => {
      if (lastError !== '') this.logger.log(`Redis ${role} connection restored`);
      lastError = '';
    });
    return client;
  }
}
