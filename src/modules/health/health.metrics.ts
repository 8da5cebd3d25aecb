import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { LifecycleState } from '../../common/lifecycle/lifecycle-state';
import { RedisHealthIndicator } from './redis.health';

/** A scrape waits for the pings at most this long (Prometheus' default scrape timeout is 10 s). */
const PING_TIMEOUT_MS = 1_500;

type Dependency = 'database' | 'redis';

interface Probe {
  readonly ready: boolean;
  readonly up: ReadonlyMap<Dependency, boolean>;
  readonly pingSeconds: ReadonlyMap<Dependency, number>;
  readonly pool: PoolCounts | null;
}

interface PoolCounts {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** The pg.Pool behind TypeORM's postgres driver (not part of TypeORM's typed surface). */
interface PgPool {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/**
 * The dependencies' health as metrics, measured when Prometheus scrapes: PostgreSQL and Redis up
 * (and their ping time), the database pool's clients, and readiness as /health/ready would
 * answer. Tests run several apps in one process against one registry: the gauges report the app
 * started last.
 */
@Injectable()
export class HealthMetrics implements OnModuleInit, OnModuleDestroy {
  /** The probe in flight: the gauges of one scrape are collected concurrently and share it. */
  private probe: Promise<Probe> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisHealthIndicator,
    private readonly lifecycle: LifecycleState,
  ) {}

  onModuleInit(): void {
    registerGauges();
    current = this;
  }

  onModuleDestroy(): void {
    if (current === this) current = null;
  }

  /** One probe per scrape (never a cached result: a scrape right after an outage must see it). */
  measure(): Promise<Probe> {
    this.probe ??= this.run().finally(() => {
      this.probe = null;
    });
    return this.probe;
  }

  private async run(): Promise<Probe> {
    const up = new Map<Dependency, boolean>();
    const pingSeconds = new Map<Dependency, number>();
    const database = timed(() => withTimeout(this.dataSource.query('SELECT 1'), PING_TIMEOUT_MS));
    const redis = this.redis.configured
      ? timed(async () => {
          const result = await this.redis.check('redis', PING_TIMEOUT_MS);
          if (result['redis']?.status !== 'up') throw new Error('redis down');
        })
      : null;
    const [databaseResult, redisResult] = await Promise.all([database, redis]);
    up.set('database', databaseResult.ok);
    if (databaseResult.ok) pingSeconds.set('database', databaseResult.seconds);
    if (redisResult !== null) {
      up.set('redis', redisResult.ok);
      if (redisResult.ok) pingSeconds.set('redis', redisResult.seconds);
    }
    const ready = !this.lifecycle.isShuttingDown && [...up.values()].every(Boolean);
    return { ready, up, pingSeconds, pool: this.poolCounts() };
  }

  private poolCounts(): PoolCounts | null {
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (pool === undefined || typeof pool.totalCount !== 'number') return null;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }
}

/** The instance the gauges report (see HealthMetrics). */
let current: HealthMetrics | null = null;

function registerGauges(): void {
  if (register.getSingleMetric('dashboard_ready') !== undefined) return;
  new Gauge({
    name: 'dashboard_ready',
    help: 'Whether /health/ready would answer 200: dependencies up and not shutting down (1) or not (0)',
    async collect() {
      this.reset();
      const probe = await current?.measure();
      if (probe !== undefined) this.set(probe.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dashboard_dependency_up',
    help: 'Whether a dependency answered its ping (1) or not (0): database, and redis where REDIS_URL is set',
    labelNames: ['dependency'],
    async collect() {
      this.reset();
      const probe = await current?.measure();
      for (const [dependency, up] of probe?.up ?? []) this.set({ dependency }, up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dashboard_dependency_ping_seconds',
    help: 'How long the dependency took to answer its ping (SELECT 1, PING); absent while it is down',
    labelNames: ['dependency'],
    async collect() {
      this.reset();
      const probe = await current?.measure();
      for (const [dependency, seconds] of probe?.pingSeconds ?? []) this.set({ dependency }, seconds);
    },
  });
  new Gauge({
    name: 'dashboard_db_pool_clients',
    help: 'PostgreSQL pool clients: total open, idle, and requests waiting for a client',
    labelNames: ['state'],
    async collect() {
      this.reset();
      const pool = (await current?.measure())?.pool;
      if (pool === null || pool === undefined) return;
      this.set({ state: 'total' }, pool.total);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
    },
  });
}

async function timed(work: () => Promise<unknown>): Promise<{ ok: boolean; seconds: number }> {
  const started = process.hrtime.bigint();
  try {
    await work();
    return { ok: true, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } catch {
    return { ok: false, seconds: 0 };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
