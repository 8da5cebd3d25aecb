export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The service's configuration, parsed and validated once at boot by `loadConfig`.
 * Units are in the names: `*Ms` milliseconds, `*Seconds` seconds, points as plain numbers with at
 * most 6 decimals (converted to exact micro-points where they are used in arithmetic).
 */
export interface AppConfigValues {
  readonly nodeEnv: NodeEnv;
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** Origins allowed by CORS; empty means cross-origin requests are not allowed. */
    readonly corsOrigins: readonly string[];
    /** Proxies (IPs or CIDRs) whose X-Forwarded-For is believed. */
    readonly trustedProxies: readonly string[];
  };
  readonly database: {
    /** null → the embedded PGlite database under dataDir. */
    readonly url: string | null;
    readonly replicaUrls: readonly string[];
    readonly poolSize: number;
  };
  readonly redis: {
    /** null → in-process bus, cache and limits (a single instance). */
    readonly url: string | null;
    /** Prefix of every Redis key and channel, so that deployments can share one Redis. */
    readonly keyPrefix: string;
  };
  readonly readCache: {
    /** Users whose dashboard reads this instance keeps at most (above the dashboard users online here). */
    readonly maxUsers: number;
  };
  readonly dataDir: string;
  readonly jwt: {
    /** null until the boot code resolves it (from the environment or the generated dev secret). */
    readonly secret: string | null;
    readonly accessTtlSeconds: number;
    readonly refreshTtlSeconds: number;
  };
  readonly ws: {
    readonly heartbeatIntervalMs: number;
    readonly clientTimeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly maxMessageBytes: number;
    readonly maxMessagesPerSecond: number;
    /**
     * Sockets this instance holds at most (0: no limit); one more upgrade is refused with HTTP 503
     * so its client reconnects elsewhere. Keep it under the process's file limit, with room for the rest.
     */
    readonly maxConnections: number;
    /** A socket whose reader stays more than the low-water mark behind this long is closed with 1013 (ms). */
    readonly slowConsumerMs: number;
    /** At most one NodeUpdate per node socket this often (ms). */
    readonly nodePushMs: number;
  };
  readonly earnings: {
    readonly pointsPerHour: number;
    readonly flushMs: number;
    /** At most this many transactions (pool connections) a large flush is split into, by user range. */
    readonly flushShards: number;
    /** A flush is split only into shards of at least this many users. */
    readonly flushShardMinUsers: number;
    readonly pushMs: number;
    readonly maxEarningNodesPerIp: number;
    readonly epochSeconds: number;
    readonly epochGenesis: Date;
  };
  readonly referral: {
    /** Commission rate per tier, direct referrer first. */
    readonly rates: readonly number[];
    readonly qualifyPoints: number;
    readonly bonusPoints: number;
  };
  readonly auth: {
    readonly loginFailuresPerEmail: number;
    readonly requestsPerMinute: number;
    /** Lower-cased. */
    readonly adminEmails: readonly string[];
  };
  readonly logLevel: LogLevel;
  readonly shutdown: {
    /** Time between SIGTERM (readiness 503) and closing the listener, for load balancers to notice. */
    readonly delayMs: number;
    /**
     * Window over which the WebSocket connections are closed, spread evenly, after the listener
     * closes; 0 closes them all at once. Lets the other instances absorb the reconnects gradually.
     */
    readonly drainMs: number;
    /**
     * How long the last accrual flush is retried before what the database has not taken is
     * spilled to DATA_DIR (written by the next start).
     */
    readonly flushMs: number;
  };
  readonly metrics: {
    /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
    readonly token: string | null;
  };
  readonly settlement: {
    /** EIP-155 chain id wallets sign for (SIWE) and the distributor contract lives on. */
    readonly chainId: number;
    /** JSON-RPC endpoint of that chain; null → no chain access (EOA signatures only, ledger adapter). */
    readonly rpcUrl: string | null;
    /** Decimals of the reward token: one point is one whole token (10^decimals units). */
    readonly decimals: number;
    /** Where roots go: `ledger` keeps them in PostgreSQL only; `evm` also publishes them to the contract. */
    readonly adapter: 'ledger' | 'evm';
    /** The CumulativeMerkleDistributor (evm adapter). */
    readonly contract: string | null;
    /** Publisher (contract owner) private key, or a file holding it (a mounted Kubernetes Secret). */
    readonly publisherKey: string | null;
    readonly publisherKeyFile: string | null;
    /** Block explorer base (e.g. https://etherscan.io): epochs link their transaction as `<base>/tx/<hash>`. */
    readonly explorerUrl: string | null;
  };
  /** Where users reach the service (links in emails, SIWE domain); null → http://localhost:<port>. */
  readonly publicUrl: string | null;
  readonly notifications: {
    /** A node with no live session anywhere for this long gets one node.offline (and at most one per this period). */
    readonly nodeOfflineAlertMs: number;
    /** Feed entries older than this are pruned. */
    readonly retentionDays: number;
    /** Notifications per user per rolling hour that go out by webhook and email; more stay in the feed only. */
    readonly perUserPerHour: number;
    readonly webhook: {
      /** Whole request, connect to last byte. */
      readonly timeoutMs: number;
      /** Loopback and private ranges allowed (development, tests); link-local and metadata never. */
      readonly allowPrivateAddresses: boolean;
      /** Delay before each retry after a failed attempt; the endpoint is disabled when they run out. */
      readonly retryDelaysMs: readonly number[];
      /** Key material for sealing signing secrets at rest; null → derived from the JWT secret. */
      readonly secretKey: string | null;
    };
    readonly email: {
      /** null → no email channel. */
      readonly smtpUrl: string | null;
      readonly from: string;
      /** Notifications of one user within this window go out as one email. */
      readonly batchMs: number;
    };
  };
}

/**
 * Injection token and type of the configuration. Declaration merging gives the class the
 * interface's fields, so services simply ask for `AppConfig` in their constructors.
 */
export interface AppConfig extends AppConfigValues {}
export class AppConfig {
  constructor(values: AppConfigValues) {
    Object.assign(this, values);
    Object.freeze(this);
  }

  /** A copy with some sections replaced (used by boot code once the runtime resolves a value). */
  with(changes: Partial<AppConfigValues>): AppConfig {
    return new AppConfig({ ...this, ...changes });
  }
}
