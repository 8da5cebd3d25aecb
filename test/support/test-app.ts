import { AppConfig, Env, loadConfig } from '../../src/config';
import { RunningServer, startServer } from '../../src/server';
import { LogCapture } from './log-capture';
import { createTestDatabase, TestDatabase } from './test-database';
import { createTestRedisNamespace, TestRedisNamespace } from './test-redis';

export interface TestApp {
  readonly url: string;
  readonly wsUrl: string;
  readonly server: RunningServer;
  readonly config: AppConfig;
  readonly database: TestDatabase;
  readonly redis: TestRedisNamespace | null;
  readonly logs: LogCapture;
  /** Stops the app and drops its database (and Redis keys). */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment on top of the test defaults. */
  readonly env?: Env;
  /** Use the shared Redis (under a prefix of its own) instead of the in-process adapters. */
  readonly redis?: boolean;
  /** Reuse a database (e.g. a second instance of a cluster); it is then not dropped by close(). */
  readonly database?: TestDatabase;
  readonly redisNamespace?: TestRedisNamespace;
  readonly label?: string;
}

/** Fixed so tests can mint tokens; never used outside tests. */
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/**
 * Starts the real service on a random port with a database of its own on the shared PostgreSQL,
 * exactly as main.ts does, minus the process signal handling.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownDatabase = options.database === undefined;
  const database = options.database ?? (await createTestDatabase(options.label));
  const redis = options.redisNamespace ?? (options.redis ? createTestRedisNamespace(options.label) : null);
  const logs = new LogCapture();
  const env: Env = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    // Tests register many users from 127.0.0.1; throttling tests lower this again.
    AUTH_REQUESTS_PER_MINUTE: '100000',
    ...(redis === null ? {} : { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix }),
    ...options.env,
  };
  const config = loadConfig(env);
  let server: RunningServer;
  try {
    server = await startServer(config, { logDestination: logs });
  } catch (error) {
    if (ownDatabase) await database.drop();
    throw error;
  }
  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    server,
    config: server.config,
    database,
    redis,
    logs,
    close: async () => {
      await server.stop();
      if (ownDatabase) await database.drop();
      if (options.redisNamespace === undefined) await redis?.clear();
    },
  };
}
