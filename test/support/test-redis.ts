import Redis from 'ioredis';
import { nanoid } from 'nanoid';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedisNamespace {
  readonly url: string;
  readonly keyPrefix: string;
  /** Deletes every key under the prefix. */
  clear(): Promise<void>;
}

/** A key and channel prefix of its own for one test file on the shared Redis. */
export function createTestRedisNamespace(label = 'test'): TestRedisNamespace {
  const keyPrefix = `t:${label}:${nanoid(8)}:`;
  return {
    url: TEST_REDIS_URL,
    keyPrefix,
    clear: async () => {
      const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
