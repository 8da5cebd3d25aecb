import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RedisClients } from '../redis/redis-clients';
import { NodeRegistry, NodeSessionInfo } from './node-registry';

export interface RegistryTiming {
  /** Every instance refreshes its liveness and its view of shared state this often. */
  readonly refreshMs: number;
  /** An instance silent for this long is dead: its sessions are reaped. */
  readonly deadAfterMs: number;
}

const DEFAULT_TIMING: RegistryTiming = { refreshMs: 2_000, deadAfterMs: 15_000 };

/**
 * The node registry in Redis, shared by all instances:
 * - `instances` (sorted set): instance id → last refresh (ms), to find instances that died;
 * - `instance:<id>:nodes` (set): the node sessions an instance holds, to mark them offline if it dies;
 * - `ipnodes:<ip>` (sorted set): `<instance>|<session>` by connection time, for the per-IP limit;
 * - `device:<user>:<device>`: the session that owns a node, so a session whose replacement event
 *   was missed still finds out it was replaced (`ownerOf`).
 * The earning decision (`allows`) is answered from memory, refreshed on every change of an IP
 * and every refresh; after a Redis restart (which loses everything) each instance writes its
 * sessions back.
 */
export class RedisNodeRegistry extends NodeRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('NodeRegistry');
  private readonly local = new Map<string, NodeSessionInfo>();
  private readonly allowed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly onReady = () => void this.resync();

  constructor(
    private readonly redis: RedisClients,
    private readonly instanceId: string,
    private readonly maxPerIp: number,
    private readonly timing: RegistryTiming = DEFAULT_TIMING,
  ) {
    super();
  }

  onModuleInit(): void {
    this.redis.command.on('ready', this.onReady);
    this.timer = setInterval(() => void this.refresh(), this.timing.refreshMs);
    this.timer.unref();
    void this.refresh();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.redis.command.off('ready', this.onReady);
    // A clean stop: nothing of this instance should wait to be reaped.
    await this.redis.command
      .multi()
      .zrem(this.key('instances'), this.instanceId)
      .del(this.key('instance', this.instanceId, 'nodes'))
      .exec()
      .catch(() => undefined);
  }

  register(session: NodeSessionInfo): void {
    this.local.set(session.sessionId, session);
    this.write(this.add(this.redis.command.multi(), session), `register ${session.sessionId}`, session.ip);
  }

  unregister(session: NodeSessionInfo): void {
    this.local.delete(session.sessionId);
    this.allowed.delete(session.sessionId);
    const multi = this.redis.command
      .multi()
      .zrem(this.key('ipnodes', session.ip), this.ipMember(session.sessionId))
      .srem(this.key('instance', this.instanceId, 'nodes'), nodeMember(session));
    // Only the owner deletes the device key (a newer session may own it already).
    multi.eval(DELETE_IF_OWNER, 1, this.deviceKey(session.userId, session.deviceId), this.ipMember(session.sessionId));
    this.write(multi, `unregister ${session.sessionId}`, session.ip);
  }

  allows(session: NodeSessionInfo): boolean {
    return this.maxPerIp === 0 || this.allowed.has(session.sessionId);
  }

  async reapDeadInstances(): Promise<NodeSessionInfo[]> {
    const dead = await this.redis.command.zrangebyscore(this.key('instances'), '-inf', Date.now() - this.timing.deadAfterMs);
    const reaped: NodeSessionInfo[] = [];
    for (const instanceId of dead) {
      if (instanceId === this.instanceId) continue;
      const setKey = this.key('instance', instanceId, 'nodes');
      const sessions = (await this.redis.command.smembers(setKey)).map(parseNodeMember).filter((s) => s !== null);
      const multi = this.redis.command.multi();
      for (const session of sessions) {
        multi.zrem(this.key('ipnodes', session.ip), `${instanceId}|${session.sessionId}`);
      }
      await multi.del(setKey).zrem(this.key('instances'), instanceId).exec();
      reaped.push(...sessions);
      this.logger.warn(`Instance ${instanceId} stopped refreshing; reaped ${sessions.length} node session(s)`);
    }
    return reaped;
  }

  /** Sessions of this instance whose device is now owned by another session (replaced elsewhere). */
  async replacedSessions(): Promise<string[]> {
    const sessions = [...this.local.values()];
    if (sessions.length === 0) return [];
    const owners = await this.redis.command.mget(sessions.map((entry) => this.deviceKey(entry.userId, entry.deviceId)));
    return sessions
      .filter((entry, index) => owners[index] !== null && owners[index] !== this.ipMember(entry.sessionId))
      .map((entry) => entry.sessionId);
  }

  private add(multi: ReturnType<RedisClients['command']['multi']>, entry: NodeSessionInfo) {
    return multi
      .zadd(this.key('ipnodes', entry.ip), entry.startedAt, this.ipMember(entry.sessionId))
      .sadd(this.key('instance', this.instanceId, 'nodes'), nodeMember(entry))
      .set(this.deviceKey(entry.userId, entry.deviceId), this.ipMember(entry.sessionId));
  }

  private write(multi: ReturnType<RedisClients['command']['multi']>, what: string, ip: string): void {
    multi
      .exec()
      .then(() => this.refreshIps([ip]))
      .catch((error: Error) => this.logger.warn(`Node registry ${what} failed: ${error.message}`));
  }

  /** Liveness, and the per-IP earning decisions of this instance's sessions. */
  private async refresh(): Promise<void> {
    try {
      await this.redis.command.zadd(this.key('instances'), Date.now(), this.instanceId);
      await this.refreshIps([...new Set([...this.local.values()].map((entry) => entry.ip))]);
    } catch (error) {
      this.logger.warn(`Node registry refresh failed: ${(error as Error).message}`);
    }
  }

  private async refreshIps(ips: string[]): Promise<void> {
    if (this.maxPerIp === 0 || ips.length === 0) return;
    const pipeline = this.redis.command.pipeline();
    for (const ip of ips) pipeline.zrange(this.key('ipnodes', ip), 0, this.maxPerIp - 1);
    const results = (await pipeline.exec()) ?? [];
    const earning = new Set<string>();
    for (const [error, members] of results) {
      if (error === null) for (const member of members as string[]) earning.add(member);
    }
    const refreshed = new Set(ips);
    for (const entry of this.local.values()) {
      if (!refreshed.has(entry.ip)) continue;
      if (earning.has(this.ipMember(entry.sessionId))) this.allowed.add(entry.sessionId);
      else this.allowed.delete(entry.sessionId);
    }
  }

  /** After Redis comes back (possibly empty): write this instance's sessions again. */
  private async resync(): Promise<void> {
    if (this.local.size === 0) return this.refresh();
    const multi = this.redis.command.multi();
    for (const entry of this.local.values()) this.add(multi, entry);
    try {
      await multi.exec();
      await this.refresh();
      this.logger.log(`Re-registered ${this.local.size} node session(s) after a Redis reconnect`);
    } catch (error) {
      this.logger.warn(`Node registry resync failed: ${(error as Error).message}`);
    }
  }

  private ipMember(sessionId: string): string {
    return `${this.instanceId}|${sessionId}`;
  }

  private deviceKey(userId: number, deviceId: string): string {
    return this.key('device', userId, deviceId);
  }

  private key(...parts: Array<string | number>): string {
    return this.redis.key(...parts);
  }
}

const DELETE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** JSON of the session: device ids and IPs may contain any separator we could pick. */
function nodeMember(session: NodeSessionInfo): string {
  return JSON.stringify([session.nodeId, session.userId, session.sessionId, session.startedAt, session.ip, session.deviceId]);
}

function parseNodeMember(member: string): NodeSessionInfo | null {
  try {
    const [nodeId, userId, sessionId, startedAt, ip, deviceId] = JSON.parse(member) as [number, number, string, number, string, string];
    return { nodeId, userId, sessionId, startedAt, ip, deviceId };
  } catch {
    return null;
  }
}
