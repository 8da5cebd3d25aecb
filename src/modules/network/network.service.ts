import { Injectable } from '@nestjs/common';
import { DashboardError } from '../../common/errors';
import { EventBus } from '../../infra/bus/event-bus';
import { UserReadCache } from '../../infra/cache/user-read-cache';
import { NetworkConnectionJson, NetworkSummaryJson, toNetworkJson, toNetworkSummary } from './network.mapper';
import { NetworkRepository } from './network.repository';

/** The caller's nodes over REST; the realtime side adds connect/disconnect and accrual. */
@Injectable()
export class NetworkService {
  constructor(
    private readonly nodes: NetworkRepository,
    private readonly bus: EventBus,
    private readonly cache: UserReadCache,
  ) {}

  /** The caller's nodes, cached until a network event (GET /api/networks, snapshots). */
  list(userId: number): Promise<NetworkConnectionJson[]> {
    return this.cache.read(userId, 'networks', async () => (await this.nodes.listByUsers([userId])).map(toNetworkJson));
  }

  /** NetworkUpdate payloads for many users: every node of each. */
  async listForUsers(userIds: readonly number[]): Promise<Map<number, NetworkConnectionJson[]>> {
    const byUser = new Map<number, NetworkConnectionJson[]>(userIds.map((id) => [id, []]));
    for (const node of await this.nodes.listByUsers(userIds)) byUser.get(node.userId)?.push(toNetworkJson(node));
    return byUser;
  }

  async get(userId: number, id: number): Promise<NetworkConnectionJson> {
    const node = await this.nodes.findOwned(userId, id);
    if (node === null) throw DashboardError.notFound('Network connection');
    return toNetworkJson(node);
  }

  async summary(userId: number): Promise<NetworkSummaryJson> {
    return toNetworkSummary(await this.nodes.summary(userId));
  }

  /** Deletes a node; its live session, wherever it is, is closed with 4001. Earnings stay. */
  async delete(userId: number, id: number): Promise<void> {
    const deleted = await this.nodes.deleteOwned(userId, id);
    if (deleted === null) throw DashboardError.notFound('Network connection');
    await this.bus.publishAfterCommit({ type: 'network.deleted', userIds: [userId], deviceId: deleted.deviceId });
    await this.bus.publishAfterCommit({ type: 'network.changed', userIds: [userId] });
  }
}
