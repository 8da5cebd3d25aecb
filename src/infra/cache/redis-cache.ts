import { Logger } from '@nestjs/common';
import { RedisClients } from '../redis/redis-clients';
import { Cache } from './cache';

/** Cache shared by all instances. A Redis fault is a miss, logged, never an error for the caller. */
export class RedisCache extends Cache {
  private readonly logger = new Logger('RedisCache');

  constructor(private readonly redis: RedisClients) {
    super();
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const json = await this.redis.command.get(this.redis.key('cache', key));
      return json === null ? undefined : (JSON.parse(json) as T);
    } catch (error) {
      this.logger.warn(`Cache read failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    try {
      await this.redis.command.set(this.redis.key('cache', key), JSON.stringify(value), 'PX', Math.max(1, ttlMs));
    } catch (error) {
      this.logger.warn(`Cache write failed: ${(error as Error).message}`);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.redis.command.del(this.redis.key('cache', key));
    } catch (error) {
      this.logger.warn(`Cache delete failed: ${(error as Error).message}`);
    }
  }
}
