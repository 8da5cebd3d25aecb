import { isIP } from 'node:net';
import { DEFAULT_READ_CACHE_MAX_USERS } from '../infra/cache/user-read-cache';
import { AppConfig, LOG_LEVELS, NODE_ENVS } from './app-config';
import {
  ConfigIssue,
  parseEnum,
  parseInteger,
  parseList,
  parseNumber,
  parseTimestamp,
  parseUrl,
} from './env-parsers';

export type Env = Readonly<Record<string, string | undefined>>;

/** Raised when one or more variables are invalid; the message lists every one of them. */
export class ConfigError extends Error {
  constructor(readonly issues: ReadonlyArray<{ variable: string; problem: string }>) {
    super(
      `Invalid configuration (${issues.length} variable${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  ${issue.variable}: ${issue.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

const MAX_POINT_DECIMALS = 6;

/**
 * Retries of a failed webhook delivery (ms after the previous attempt): the first within 10 s,
 * then growing, about 24 h in all (Standard Webhooks suggests a schedule of this shape).
 */
const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [5_000, 60_000, 300_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000];

/**
 * Parses the environment into the typed configuration. Pure: reads only `env`, touches nothing
 * else, so it is the one place where environment variables are interpreted.
 */
export function loadConfig(env: Env): AppConfig {
  const issues: Array<{ variable: string; problem: string }> = [];

  /** Reads one variable; unset or blank means the default. Problems are collected, not thrown. */
  function read<T>(variable: string, fallback: T, parse: (raw: string) => T): T {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') return fallback;
    try {
      return parse(raw);
    } catch (error) {
      issues.push({
        variable,
        problem: error instanceof ConfigIssue ? error.message : `invalid value`,
      });
      return fallback;
    }
  }

  const points = (max: number) => (raw: string) => {
    const value = parseNumber(raw, 0, max);
    if (!hasAtMostDecimals(raw.trim(), MAX_POINT_DECIMALS)) {
      throw new ConfigIssue(`expected at most ${MAX_POINT_DECIMALS} decimals, got ${raw}`);
    }
    return value;
  };

  const nodeEnv = read('NODE_ENV', 'development' as const, (raw) => parseEnum(raw, NODE_ENVS));

  const jwtSecret = read<string | null>('JWT_SECRET', null, (raw) => {
    if (raw.length < 32) throw new ConfigIssue('expected at least 32 characters');
    return raw;
  });
  if (jwtSecret === null && nodeEnv === 'production' && !issues.some((i) => i.variable === 'JWT_SECRET')) {
    issues.push({ variable: 'JWT_SECRET', problem: 'required when NODE_ENV=production' });
  }

  const heartbeatIntervalMs = read('HEARTBEAT_INTERVAL_MS', 30_000, (raw) => parseInteger(raw, 50, 3_600_000));
  const clientTimeoutMs = read('CLIENT_TIMEOUT_MS', 90_000, (raw) => parseInteger(raw, 100, 86_400_000));
  if (clientTimeoutMs <= heartbeatIntervalMs && !issues.some((i) => i.variable === 'CLIENT_TIMEOUT_MS')) {
    issues.push({
      variable: 'CLIENT_TIMEOUT_MS',
      problem: `must be greater than HEARTBEAT_INTERVAL_MS (${heartbeatIntervalMs})`,
    });
  }

  const config = new AppConfig({
    nodeEnv,
    http: {
      port: read('PORT', 3000, (raw) => parseInteger(raw, 0, 65_535)),
      host: read('HOST', '0.0.0.0', (raw) => raw.trim()),
      corsOrigins: read('CORS_ORIGINS', [] as string[], parseOrigins),
      trustedProxies: read('TRUSTED_PROXIES', ['127.0.0.1', '::1'], parseProxies),
    },
    database: {
      url: read<string | null>('DATABASE_URL', null, (raw) => parseUrl(raw, ['postgres:', 'postgresql:'])),
      replicaUrls: read('DATABASE_REPLICA_URLS', [] as string[], (raw) =>
        parseList(raw).map((url) => parseUrl(url, ['postgres:', 'postgresql:'])),
      ),
      poolSize: read('DATABASE_POOL_SIZE', 20, (raw) => parseInteger(raw, 1, 500)),
    },
    redis: {
      url: read<string | null>('REDIS_URL', null, (raw) => parseUrl(raw, ['redis:', 'rediss:'])),
      keyPrefix: read('REDIS_KEY_PREFIX', 'dash:', (raw) => {
        if (!/^[A-Za-z0-9:_.-]{0,64}$/.test(raw)) {
          throw new ConfigIssue('expected up to 64 of [A-Za-z0-9:_.-]');
        }
        return raw;
      }),
    },
    readCache: {
      maxUsers: read('READ_CACHE_MAX_USERS', DEFAULT_READ_CACHE_MAX_USERS, (raw) => parseInteger(raw, 100, 10_000_000)),
    },
    dataDir: read('DATA_DIR', './data', (raw) => raw.trim()),
    jwt: {
      secret: jwtSecret,
      accessTtlSeconds: read('JWT_ACCESS_TTL', 900, (raw) => parseInteger(raw, 1, 86_400)),
      refreshTtlSeconds: read('JWT_REFRESH_TTL', 2_592_000, (raw) => parseInteger(raw, 60, 31_536_000)),
    },
    ws: {
      heartbeatIntervalMs,
      clientTimeoutMs,
      connectTimeoutMs: read('CONNECT_TIMEOUT_MS', 10_000, (raw) => parseInteger(raw, 50, 600_000)),
      maxMessageBytes: read('WS_MAX_MESSAGE_BYTES', 16_384, (raw) => parseInteger(raw, 256, 16_777_216)),
      maxMessagesPerSecond: read('WS_MAX_MESSAGES_PER_SECOND', 20, (raw) => parseInteger(raw, 1, 100_000)),
      maxConnections: read('WS_MAX_CONNECTIONS', 0, (raw) => parseInteger(raw, 0, 10_000_000)),
      slowConsumerMs: read('WS_SLOW_CONSUMER_MS', 5_000, (raw) => parseInteger(raw, 100, 600_000)),
      nodePushMs: read('NODE_PUSH_MS', 60_000, (raw) => parseInteger(raw, 10, 3_600_000)),
    },
    earnings: {
      pointsPerHour: read('POINTS_PER_HOUR', 60, points(1_000_000)),
      flushMs: read('EARNINGS_FLUSH_MS', 5_000, (raw) => parseInteger(raw, 10, 600_000)),
      flushShards: read('EARNINGS_FLUSH_SHARDS', 4, (raw) => parseInteger(raw, 1, 64)),
      flushShardMinUsers: read('EARNINGS_FLUSH_SHARD_MIN_USERS', 20_000, (raw) => parseInteger(raw, 1, 10_000_000)),
      pushMs: read('EARNINGS_PUSH_MS', 1_000, (raw) => parseInteger(raw, 10, 60_000)),
      maxEarningNodesPerIp: read('MAX_EARNING_NODES_PER_IP', 0, (raw) => parseInteger(raw, 0, 1_000_000)),
      epochSeconds: read('EPOCH_SECONDS', 86_400, (raw) => parseInteger(raw, 1, 31_536_000)),
      epochGenesis: read('EPOCH_GENESIS', new Date('2026-01-01T00:00:00Z'), parseTimestamp),
    },
    referral: {
      rates: read('REFERRAL_RATES', [0.2, 0.1, 0.05], parseRates),
      qualifyPoints: read('REFERRAL_QUALIFY_POINTS', 100, points(1_000_000_000)),
      bonusPoints: read('REFERRAL_BONUS_POINTS', 50, points(1_000_000_000)),
    },
    auth: {
      loginFailuresPerEmail: read('LOGIN_FAILURES_PER_EMAIL', 10, (raw) => parseInteger(raw, 1, 1_000_000)),
      requestsPerMinute: read('AUTH_REQUESTS_PER_MINUTE', 30, (raw) => parseInteger(raw, 1, 1_000_000)),
      adminEmails: read('ADMIN_EMAILS', [] as string[], parseEmails),
    },
    logLevel: read('LOG_LEVEL', 'info' as const, (raw) => parseEnum(raw, LOG_LEVELS)),
    shutdown: {
      delayMs: read('SHUTDOWN_DELAY_MS', 0, (raw) => parseInteger(raw, 0, 300_000)),
      drainMs: read('SHUTDOWN_DRAIN_MS', 0, (raw) => parseInteger(raw, 0, 600_000)),
      flushMs: read('SHUTDOWN_FLUSH_MS', 15_000, (raw) => parseInteger(raw, 0, 600_000)),
    },
    metrics: {
      token: read<string | null>('METRICS_TOKEN', null, (raw) => {
        if (raw.length < 16) throw new ConfigIssue('expected at least 16 characters');
        return raw;
      }),
    },
    settlement: {
      chainId: read('SETTLEMENT_CHAIN_ID', 1, (raw) => parseInteger(raw, 1, 2 ** 53 - 1)),
      rpcUrl: read<string | null>('SETTLEMENT_RPC_URL', null, (raw) => parseUrl(raw, ['http:', 'https:'])),
      decimals: read('SETTLEMENT_DECIMALS', 18, (raw) => parseInteger(raw, 0, 36)),
      adapter: read('SETTLEMENT_ADAPTER', 'ledger' as const, (raw) => parseEnum(raw, ['ledger', 'evm'] as const)),
      contract: read<string | null>('SETTLEMENT_CONTRACT', null, (raw) => {
        if (!/^0x[0-9a-fA-F]{40}$/.test(raw.trim())) throw new ConfigIssue('expected 0x followed by 40 hexadecimal digits');
        return raw.trim();
      }),
      // Never echoed in a problem message: it is a secret.
      publisherKey: read<string | null>('SETTLEMENT_PUBLISHER_KEY', null, (raw) => {
        if (!/^0x[0-9a-fA-F]{64}$/.test(raw.trim())) throw new ConfigIssue('expected 0x followed by 64 hexadecimal digits');
        return raw.trim();
      }),
      publisherKeyFile: read<string | null>('SETTLEMENT_PUBLISHER_KEY_FILE', null, (raw) => raw.trim()),
      explorerUrl: read<string | null>('SETTLEMENT_EXPLORER_URL', null, parsePublicUrl),
    },
    publicUrl: read<string | null>('PUBLIC_URL', null, parsePublicUrl),
    notifications: {
      nodeOfflineAlertMs: read('NODE_OFFLINE_ALERT_MS', 600_000, (raw) => parseInteger(raw, 100, 604_800_000)),
      retentionDays: read('NOTIFICATION_RETENTION_DAYS', 90, (raw) => parseInteger(raw, 1, 3_650)),
      perUserPerHour: read('NOTIFICATIONS_PER_USER_PER_HOUR', 1_000, (raw) => parseInteger(raw, 1, 1_000_000)),
      webhook: {
        timeoutMs: read('WEBHOOK_TIMEOUT_MS', 5_000, (raw) => parseInteger(raw, 100, 60_000)),
        allowPrivateAddresses: read('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', false, parseBoolean),
        retryDelaysMs: read('WEBHOOK_RETRY_DELAYS_MS', DEFAULT_WEBHOOK_RETRY_DELAYS_MS, parseDelays),
        // Never echoed in a problem message: it is a secret.
        secretKey: read<string | null>('WEBHOOK_SECRET_KEY', null, (raw) => {
          if (raw.length < 32) throw new ConfigIssue('expected at least 32 characters');
          return raw;
        }),
      },
      email: {
        smtpUrl: read<string | null>('SMTP_URL', null, (raw) => parseUrl(raw, ['smtp:', 'smtps:'])),
        from: read('SMTP_FROM', 'DePIN Dashboard <no-reply@localhost>', (raw) => {
          if (!/^[^\r\n]{3,200}$/.test(raw) || !raw.includes('@')) throw new ConfigIssue('expected an address such as "Name <no-reply@example.com>"');
          return raw.trim();
        }),
        batchMs: read('EMAIL_BATCH_MS', 60_000, (raw) => parseInteger(raw, 0, 3_600_000)),
      },
    },
  });

  if (config.notifications.email.smtpUrl !== null && config.publicUrl === null && nodeEnv === 'production') {
    issues.push({ variable: 'PUBLIC_URL', problem: 'required with SMTP_URL when NODE_ENV=production (links in emails)' });
  }
  const settlement = config.settlement;
  if (settlement.adapter === 'evm') {
    const missing = (variable: string) => issues.push({ variable, problem: 'required with SETTLEMENT_ADAPTER=evm' });
    if (settlement.rpcUrl === null && !issues.some((i) => i.variable === 'SETTLEMENT_RPC_URL')) missing('SETTLEMENT_RPC_URL');
    if (settlement.contract === null && !issues.some((i) => i.variable === 'SETTLEMENT_CONTRACT')) missing('SETTLEMENT_CONTRACT');
    if (settlement.publisherKey === null && settlement.publisherKeyFile === null && !issues.some((i) => i.variable === 'SETTLEMENT_PUBLISHER_KEY')) {
      issues.push({ variable: 'SETTLEMENT_PUBLISHER_KEY', problem: 'required with SETTLEMENT_ADAPTER=evm (or SETTLEMENT_PUBLISHER_KEY_FILE)' });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

function hasAtMostDecimals(raw: string, decimals: number): boolean {
  const match = /\.(\d+)$/.exec(raw);
  return match === null || match[1]!.length <= decimals;
}

function parsePublicUrl(raw: string): string {
  const url = new URL(parseUrl(raw, ['http:', 'https:']));
  if (url.search !== '' || url.hash !== '') throw new ConfigIssue('expected a base URL without query or fragment');
  return url.toString().replace(/\/$/, '');
}

function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigIssue(`expected true or false, got "${raw}"`);
}

function parseDelays(raw: string): number[] {
  const delays = parseList(raw).map((item) => parseInteger(item, 1, 86_400_000));
  if (delays.length === 0 || delays.length > 20) throw new ConfigIssue('expected 1 to 20 delays in ms');
  return delays;
}

function parseRates(raw: string): number[] {
  const rates = parseList(raw).map((item) => {
    const rate = parseNumber(item, 0, 1);
    if (!hasAtMostDecimals(item, MAX_POINT_DECIMALS)) {
      throw new ConfigIssue(`rate ${item} has more than ${MAX_POINT_DECIMALS} decimals`);
    }
    return rate;
  });
  if (rates.length > 10) throw new ConfigIssue('at most 10 tiers are supported');
  const sum = rates.reduce((total, rate) => total + rate, 0);
  if (sum > 1) throw new ConfigIssue(`tiers must not pay out more than the referee earns (sum ${sum})`);
  return rates;
}

function parseOrigins(raw: string): string[] {
  return parseList(raw).map((origin) => {
    if (origin === '*') return origin;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigIssue(`"${origin}" is not an origin such as https://app.example.com`);
    }
    if (url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigIssue(`"${origin}" is not a bare origin (scheme://host[:port])`);
    }
    return url.origin;
  });
}

function parseProxies(raw: string): string[] {
  return parseList(raw).map((entry) => {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk =
      prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigIssue(`"${entry}" is not an IP address or CIDR range`);
    }
    return entry;
  });
}

function parseEmails(raw: string): string[] {
  return parseList(raw).map((email) => {
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ConfigIssue(`"${email}" is not an email address`);
    return email.toLowerCase();
  });
}
