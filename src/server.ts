import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { nanoid } from 'nanoid';
import pino, { DestinationStream, Logger as PinoLogger } from 'pino';
import { createApp } from './app.factory';
import { defaultLogDestination } from './common/logging/log-destination';
import { LifecycleState } from './common/lifecycle/lifecycle-state';
import { AppConfig } from './config';
import { resolveJwtSecret } from './config/jwt-secret';
import { DatabaseTarget } from './database/data-source-options';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { redactUrl } from './config/env-parsers';

/**
 * Connections the kernel queues for accept() (it caps this at `net.core.somaxconn`). Node's
 * default, 511, can overflow when an instance dies and its sockets reconnect elsewhere at once,
 * above all while the event loop is busy: an overflowing SYN is dropped and its client retries
 * only after 1 s, then 3 s. (This machine's kernel counted 2,384 listen overflows over one day's
 * benches of 10,000–15,000 simultaneous connects.)
 */
export const LISTEN_BACKLOG = 4096;

/** A running service: the Nest application plus whatever the boot started for it. */
export interface RunningServer {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  readonly url: string;
  readonly database: DatabaseTarget;
  /** Drains and stops everything; resolves when it is safe to exit. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go; by default JSON lines on stdout, pretty ones on a development terminal. */
  readonly logDestination?: DestinationStream;
  readonly instanceId?: string;
}

/**
 * Starts the service for a configuration: resolves the JWT secret, starts the embedded database
 * when DATABASE_URL is unset, builds the app (which runs migrations) and listens.
 */
export async function startServer(config: AppConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logDestination = options.logDestination ?? defaultLogDestination(config.nodeEnv);
  const log: PinoLogger = pino({ level: config.logLevel, base: { context: 'Boot' } }, logDestination);

  const secret = await resolveJwtSecret(config);
  if (secret.generatedAt !== null) {
    log.warn(
      `JWT_SECRET is not set: using a secret generated into ${secret.generatedAt}. ` +
        'Set JWT_SECRET (required in production, and shared by every instance).',
    );
  }
  config = secret.config;

  let embedded: EmbeddedPostgres | null = null;
  let database: DatabaseTarget;
  if (config.database.url === null) {
    embedded = await EmbeddedPostgres.start(config.dataDir);
    database = { url: embedded.url, replicaUrls: [], poolSize: 1, embedded: true };
    log.info(`Database: embedded PostgreSQL (PGlite) persisted in ${embedded.directory}`);
  } else {
    database = {
      url: config.database.url,
      replicaUrls: config.database.replicaUrls,
      poolSize: config.database.poolSize,
      embedded: false,
    };
    log.info(
      `Database: PostgreSQL at ${describeDatabase(config.database.url)}` +
        (config.database.replicaUrls.length > 0 ? ` with ${config.database.replicaUrls.length} read replica(s)` : ''),
    );
  }
  log.info(
    config.redis.url === null
      ? 'Redis: not configured; bus, cache and rate limits are in-process (single instance)'
      : `Redis: ${redactUrl(config.redis.url)}`,
  );

  let app: NestFastifyApplication;
  try {
    app = await createApp({
      config,
      database,
      instanceId: options.instanceId ?? nanoid(12),
      logDestination,
    });
    await app.listen({ port: config.http.port, host: config.http.host, backlog: LISTEN_BACKLOG });
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info(`Listening on ${url}`);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      app.get(LifecycleState).beginShutdown();
      if (config.shutdown.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdown.delayMs));
      await app.close();
      await embedded?.stop();
    })();
    return stopping;
  };
  return { app, config, url, database, stop };
}

function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return redactUrl(url);
  }
}
