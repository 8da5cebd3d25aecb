import { Logger } from '@nestjs/common';
import { RedisClients } from '../redis/redis-clients';
import { RateLimitState, RateLimitStore } from './rate-limit-store';

/** INCR, and start the window's expiry on the first hit; one round trip, atomic. */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

/** Counters shared by all instances, so limits hold cluster-wide. */
export class RedisRateLimitStore extends RateLimitStore {
  private readonly logger = new Logger('RedisRateLimitStore');

  constructor(private readonly redis: RedisClients) {
    super();
  }

  async hit(key: string, windowMs: number): Promise<RateLimitState> {
    try {
      const [count, ttl] = (await this.redis.command.eval(
        HIT_SCRIPT,
        1,
        this.redis.key('rl', key),
        String(windowMs),
      )) as [number, number];
      return { count, resetInMs: ttl };
    } catch (error) {
      this.logger.warn(`Rate limit store unavailable, failing open: ${(error as Error).message}`);
      return { count: 0, resetInMs: 0 };
    }
  }

  async peek(key: string): Promise<RateLimitState> {
    try {
      const redisKey = this.redis.key('rl', key);
      const [[, count], [, ttl]] = (await this.redis.command.multi().get(redisKey).pttl(redisKey).exec()) as [
        [Error | null, string | null],
        [Error | null, number],
      ];
      return count === null ? { count: 0, resetInMs: 0 } : { count: Number(count), resetInMs: Math.max(0, ttl) };
    } catch (error) {
      this.logger.warn(`Rate limit store unavailable, failing open: ${(error as Error).message}`);
      return { count: 0, resetInMs: 0 };
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.redis.command.del(this.redis.key('rl', key));
    } catch (error) {
      this.logger.warn(`Rate limit reset failed: ${(error as Error).message}`);
    }
  }
}
