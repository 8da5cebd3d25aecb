import { DynamicModule, FactoryProvider, Global, Inject, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig } from '../config';
import { EventBus } from './bus/event-bus';
import { InProcessEventBus } from './bus/in-process-event-bus';
import { RedisEventBus } from './bus/redis-event-bus';
import { Cache } from './cache/cache';
import { InProcessCache } from './cache/in-process-cache';
import { RedisCache } from './cache/redis-cache';
import { UserReadCache } from './cache/user-read-cache';
import { InProcessRateLimitStore } from './rate-limit/in-process-rate-limit-store';
import { RateLimitStore } from './rate-limit/rate-limit-store';
import { RedisRateLimitStore } from './rate-limit/redis-rate-limit-store';
import { INSTANCE_ID } from '../common/lifecycle/instance-id';
import { InProcessNodeRegistry } from './presence/in-process-node-registry';
import { NodeRegistry } from './presence/node-registry';
import { RedisNodeRegistry } from './presence/redis-node-registry';
import { RedisClients } from './redis/redis-clients';

/** The dashboard read cache over whichever bus the deployment has, at its configured size. */
function readCacheProvider(config: AppConfig): FactoryProvider<UserReadCache> {
  return { provide: UserReadCache, useFactory: (bus: EventBus) => new UserReadCache(bus, config.readCache.maxUsers), inject: [EventBus] };
}

/**
 * The ports with two adapters each: in-process when REDIS_URL is unset (one instance is then a
 * complete system), Redis when it is set (many instances behave as one).
 */
@Global()
@Module({})
export class InfraModule implements OnApplicationShutdown {
  constructor(@Optional() @Inject(RedisClients) private readonly redis: RedisClients | null) {}

  static forRoot(config: AppConfig): DynamicModule {
    const redisUrl = config.redis.url;
    if (redisUrl === null) {
      return {
        module: InfraModule,
        providers: [
          { provide: RedisClients, useValue: null },
          { provide: EventBus, useClass: InProcessEventBus },
          readCacheProvider(config),
          { provide: Cache, useValue: new InProcessCache() },
          { provide: RateLimitStore, useValue: new InProcessRateLimitStore() },
          { provide: NodeRegistry, useValue: new InProcessNodeRegistry(config.earnings.maxEarningNodesPerIp) },
        ],
        exports: [RedisClients, EventBus, Cache, RateLimitStore, NodeRegistry, UserReadCache],
      };
    }
    return {
      module: InfraModule,
      providers: [
        {
          provide: RedisClients,
          useFactory: async () => {
            const clients = new RedisClients(redisUrl, config.redis.keyPrefix);
            // Start even when Redis is down (readiness reports it); wait briefly for a fast start.
            await clients.waitUntilReady(3_000).catch(() => undefined);
            return clients;
          },
        },
        { provide: EventBus, useFactory: (redis: RedisClients) => new RedisEventBus(redis), inject: [RedisClients] },
        readCacheProvider(config),
        { provide: Cache, useFactory: (redis: RedisClients) => new RedisCache(redis), inject: [RedisClients] },
        {
          provide: RateLimitStore,
          useFactory: (redis: RedisClients) => new RedisRateLimitStore(redis),
          inject: [RedisClients],
        },
        {
          provide: NodeRegistry,
          useFactory: (redis: RedisClients, instanceId: string) =>
            new RedisNodeRegistry(redis, instanceId, config.earnings.maxEarningNodesPerIp),
          inject: [RedisClients, INSTANCE_ID],
        },
      ],
      exports: [RedisClients, EventBus, Cache, RateLimitStore, NodeRegistry, UserReadCache],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
  }
}
