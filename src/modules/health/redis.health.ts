import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisClients } from '../../infra/redis/redis-clients';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(RedisClients) private readonly redis: RedisClients | null,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  async check(key: 'redis', timeoutMs: number) {
    const indicator = this.indicators.check(key);
    if (this.redis === null) return indicator.up({ mode: 'in-process' });
    if (!this.redis.isReady()) return indicator.down({ message: 'Redis connection is not ready' });
    try {
      await withTimeout(this.redis.command.ping(), timeoutMs);
      return indicator.up();
    } catch {
      return indicator.down({ message: 'Redis did not answer PING' });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
