import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies the defaults of API.md when nothing is set', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({
      port: 3000,
      host: '0.0.0.0',
      corsOrigins: [],
      trustedProxies: ['127.0.0.1', '::1'],
    });
    expect(config.database.url).toBeNull();
    expect(config.redis.url).toBeNull();
    expect(config.dataDir).toBe('./data');
    expect(config.readCache).toEqual({ maxUsers: 100_000 });
    expect(config.jwt).toEqual({ secret: null, accessTtlSeconds: 900, refreshTtlSeconds: 2_592_000 });
    expect(config.ws).toEqual({
      heartbeatIntervalMs: 30_000,
      clientTimeoutMs: 90_000,
      connectTimeoutMs: 10_000,
      maxMessageBytes: 16_384,
      maxMessagesPerSecond: 20,
      maxConnections: 0,
      slowConsumerMs: 5_000,
      nodePushMs: 60_000,
    });
    expect(config.earnings).toEqual({
      pointsPerHour: 60,
      flushMs: 5_000,
      flushShards: 4,
      flushShardMinUsers: 20_000,
      pushMs: 1_000,
      maxEarningNodesPerIp: 0,
      epochSeconds: 86_400,
      epochGenesis: new Date('2026-01-01T00:00:00Z'),
    });
    expect(config.referral).toEqual({ rates: [0.2, 0.1, 0.05], qualifyPoints: 100, bonusPoints: 50 });
    expect(config.auth).toEqual({ loginFailuresPerEmail: 10, requestsPerMinute: 30, adminEmails: [] });
    expect(config.logLevel).toBe('info');
    expect(config.nodeEnv).toBe('development');
  });

  it('parses every variable of the table', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u:p@db:5432/app',
      REDIS_URL: 'redis://cache:6379/2',
      DATA_DIR: '/var/lib/dash',
      JWT_SECRET: 'x'.repeat(40),
      JWT_ACCESS_TTL: '60',
      JWT_REFRESH_TTL: '3600',
      HEARTBEAT_INTERVAL_MS: '200',
      CLIENT_TIMEOUT_MS: '1000',
      CONNECT_TIMEOUT_MS: '500',
      POINTS_PER_HOUR: '36.5',
      EARNINGS_FLUSH_MS: '100',
      EARNINGS_PUSH_MS: '50',
      REFERRAL_RATES: '0.3, 0.1',
      REFERRAL_QUALIFY_POINTS: '10',
      REFERRAL_BONUS_POINTS: '5.25',
      EPOCH_SECONDS: '3600',
      EPOCH_GENESIS: '2026-06-01T00:00:00Z',
      MAX_EARNING_NODES_PER_IP: '3',
      WS_MAX_MESSAGE_BYTES: '4096',
      WS_MAX_MESSAGES_PER_SECOND: '5',
      NODE_PUSH_MS: '250',
      WS_SLOW_CONSUMER_MS: '30000',
      TRUSTED_PROXIES: '10.0.0.0/8,::1',
      LOGIN_FAILURES_PER_EMAIL: '3',
      AUTH_REQUESTS_PER_MINUTE: '7',
      CORS_ORIGINS: 'https://app.example.com,http://localhost:5173',
      ADMIN_EMAILS: 'Boss@Example.com, ops@example.com',
      LOG_LEVEL: 'debug',
      SHUTDOWN_FLUSH_MS: '2500',
      READ_CACHE_MAX_USERS: '250000',
    });
    expect(config.http.port).toBe(8080);
    expect(config.database.url).toBe('postgres://u:p@db:5432/app');
    expect(config.redis.url).toBe('redis://cache:6379/2');
    expect(config.ws.heartbeatIntervalMs).toBe(200);
    expect(config.ws.nodePushMs).toBe(250);
    expect(config.ws.slowConsumerMs).toBe(30_000);
    expect(config.earnings.pointsPerHour).toBe(36.5);
    expect(config.earnings.epochGenesis.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(config.referral.rates).toEqual([0.3, 0.1]);
    expect(config.referral.bonusPoints).toBe(5.25);
    expect(config.http.trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    expect(config.http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.auth.adminEmails).toEqual(['boss@example.com', 'ops@example.com']);
    expect(config.logLevel).toBe('debug');
    expect(config.shutdown.flushMs).toBe(2_500);
    expect(config.readCache.maxUsers).toBe(250_000);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        HEARTBEAT_INTERVAL_MS: '-5',
        REFERRAL_RATES: '0.5,abc',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://root:hunter2@db/x',
        POINTS_PER_HOUR: '1.1234567',
        TRUSTED_PROXIES: '10.0.0.0/99',
        WS_MAX_CONNECTIONS: '-1',
        SHUTDOWN_DRAIN_MS: 'soon',
        SHUTDOWN_FLUSH_MS: '900000',
        READ_CACHE_MAX_USERS: '10',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map((issue) => issue.variable).sort();
    expect(issues).toEqual(
      ['DATABASE_URL', 'HEARTBEAT_INTERVAL_MS', 'LOG_LEVEL', 'POINTS_PER_HOUR', 'PORT', 'READ_CACHE_MAX_USERS', 'REFERRAL_RATES', 'SHUTDOWN_DRAIN_MS', 'SHUTDOWN_FLUSH_MS', 'TRUSTED_PROXIES', 'WS_MAX_CONNECTIONS'].sort(),
    );
    // Secrets in connection strings never reach the message.
    expect((error as ConfigError).message).not.toContain('hunter2');
  });

  it('requires JWT_SECRET in production only', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(32) }).jwt.secret).toBe('s'.repeat(32));
    expect(loadConfig({ NODE_ENV: 'development' }).jwt.secret).toBeNull();
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: expected at least 32 characters/);
  });

  it('rejects inconsistent timing and over-paying referral tiers', () => {
    expect(() => loadConfig({ HEARTBEAT_INTERVAL_MS: '5000', CLIENT_TIMEOUT_MS: '5000' })).toThrow(
      /CLIENT_TIMEOUT_MS: must be greater than HEARTBEAT_INTERVAL_MS/,
    );
    expect(() => loadConfig({ REFERRAL_RATES: '0.6,0.5' })).toThrow(/REFERRAL_RATES/);
    expect(() => loadConfig({ EARNINGS_FLUSH_SHARDS: '0' })).toThrow(/EARNINGS_FLUSH_SHARDS/);
    expect(() => loadConfig({ EARNINGS_FLUSH_SHARD_MIN_USERS: 'many' })).toThrow(/EARNINGS_FLUSH_SHARD_MIN_USERS/);
    expect(() => loadConfig({ WS_SLOW_CONSUMER_MS: '50' })).toThrow(/WS_SLOW_CONSUMER_MS/);
    expect(loadConfig({ REFERRAL_RATES: '' }).referral.rates).toEqual([0.2, 0.1, 0.05]);
  });

  it('treats blank values as unset and trims list items', () => {
    const config = loadConfig({ PORT: '  ', CORS_ORIGINS: '', ADMIN_EMAILS: ' a@b.c ,, ' });
    expect(config.http.port).toBe(3000);
    expect(config.http.corsOrigins).toEqual([]);
    expect(config.auth.adminEmails).toEqual(['a@b.c']);
  });

  it('parses the notification variables, with the defaults of API.md', () => {
    const defaults = loadConfig({});
    expect(defaults.publicUrl).toBeNull();
    expect(defaults.notifications).toEqual({
      nodeOfflineAlertMs: 600_000,
      retentionDays: 90,
      perUserPerHour: 1_000,
      webhook: {
        timeoutMs: 5_000,
        allowPrivateAddresses: false,
        retryDelaysMs: [5_000, 60_000, 300_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000],
        secretKey: null,
      },
      email: { smtpUrl: null, from: 'DePIN Dashboard <no-reply@localhost>', batchMs: 60_000 },
    });
    // The default schedule retries within 10 s, then for about a day.
    const total = defaults.notifications.webhook.retryDelaysMs.reduce((sum, ms) => sum + ms, 0);
    expect(defaults.notifications.webhook.retryDelaysMs[0]).toBeLessThanOrEqual(10_000);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(30);

    const config = loadConfig({
      PUBLIC_URL: 'https://dash.example.com/',
      NODE_OFFLINE_ALERT_MS: '1500',
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
      WEBHOOK_RETRY_DELAYS_MS: '100, 200',
      WEBHOOK_SECRET_KEY: 'k'.repeat(32),
      SMTP_URL: 'smtps://user:pw@mail.example.com:465',
      EMAIL_BATCH_MS: '0',
    });
    expect(config.publicUrl).toBe('https://dash.example.com');
    expect(config.notifications.nodeOfflineAlertMs).toBe(1_500);
    expect(config.notifications.webhook.allowPrivateAddresses).toBe(true);
    expect(config.notifications.webhook.retryDelaysMs).toEqual([100, 200]);
    expect(config.notifications.webhook.secretKey).toBe('k'.repeat(32));
    expect(config.notifications.email.smtpUrl).toBe('smtps://user:pw@mail.example.com:465');
    expect(config.notifications.email.batchMs).toBe(0);
  });

  it('refuses bad notification variables, and email links without PUBLIC_URL in production', () => {
    let error: unknown;
    try {
      loadConfig({
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'yes please',
        WEBHOOK_RETRY_DELAYS_MS: '5s',
        WEBHOOK_SECRET_KEY: 'short-key',
        SMTP_URL: 'http://mail.example.com',
        PUBLIC_URL: 'https://dash.example.com/?x=1',
        NODE_OFFLINE_ALERT_MS: '0',
        SMTP_FROM: 'no at sign',
      });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).issues.map((issue) => issue.variable).sort()).toEqual(
      ['NODE_OFFLINE_ALERT_MS', 'PUBLIC_URL', 'SMTP_FROM', 'SMTP_URL', 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES', 'WEBHOOK_RETRY_DELAYS_MS', 'WEBHOOK_SECRET_KEY'],
    );
    expect(JSON.stringify((error as ConfigError).issues)).not.toContain('short-key');
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(32), SMTP_URL: 'smtp://mail:25' })).toThrow(/PUBLIC_URL: required/);
  });

  it('parses the settlement variables and requires the chain ones with the evm adapter', () => {
    expect(loadConfig({}).settlement).toEqual({
      chainId: 1,
      rpcUrl: null,
      decimals: 18,
      adapter: 'ledger',
      contract: null,
      publisherKey: null,
      publisherKeyFile: null,
      explorerUrl: null,
    });
    expect(loadConfig({ SETTLEMENT_EXPLORER_URL: 'https://etherscan.io/' }).settlement.explorerUrl).toBe('https://etherscan.io');
    const key = `0x${'11'.repeat(32)}`;
    const evm = loadConfig({
      SETTLEMENT_ADAPTER: 'evm',
      SETTLEMENT_CHAIN_ID: '31337',
      SETTLEMENT_RPC_URL: 'http://127.0.0.1:8545',
      SETTLEMENT_CONTRACT: `0x${'ab'.repeat(20)}`,
      SETTLEMENT_PUBLISHER_KEY_FILE: '/var/run/secrets/publisher/key',
      SETTLEMENT_DECIMALS: '6',
    }).settlement;
    expect(evm).toMatchObject({ adapter: 'evm', chainId: 31337, decimals: 6, publisherKey: null, publisherKeyFile: '/var/run/secrets/publisher/key' });

    const variables = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => issue.variable).sort();
      }
    };
    expect(variables({ SETTLEMENT_ADAPTER: 'evm' })).toEqual(['SETTLEMENT_CONTRACT', 'SETTLEMENT_PUBLISHER_KEY', 'SETTLEMENT_RPC_URL']);
    expect(variables({ SETTLEMENT_ADAPTER: 'chain', SETTLEMENT_DECIMALS: '37', SETTLEMENT_CONTRACT: '0x12', SETTLEMENT_RPC_URL: 'ftp://x', SETTLEMENT_EXPLORER_URL: 'https://x/?q=1' })).toEqual([
      'SETTLEMENT_ADAPTER',
      'SETTLEMENT_CONTRACT',
      'SETTLEMENT_DECIMALS',
      'SETTLEMENT_EXPLORER_URL',
      'SETTLEMENT_RPC_URL',
    ]);
    // A malformed key is named, never echoed.
    try {
      loadConfig({ SETTLEMENT_PUBLISHER_KEY: `${key}zz` });
      throw new Error('accepted');
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.variable)).toEqual(['SETTLEMENT_PUBLISHER_KEY']);
      expect((error as Error).message).not.toContain(key);
    }
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
  });
});
