import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NetworkConnectionEntity } from './entities/network-connection.entity';

export interface NetworkSummaryRow {
  total: number;
  connected: number;
  connection_time: string;
  average_score: number;
  points_earned: string;
}

/** Named queries on `network_connections` (a user's nodes). */
@Injectable()
export class NetworkRepository {
  constructor(@InjectRepository(NetworkConnectionEntity) private readonly nodes: Repository<NetworkConnectionEntity>) {}

  listByUser(userId: number): Promise<NetworkConnectionEntity[]> {
    return this.nodes.find({ where: { userId }, order: { id: 'ASC' } });
  }

  /**
   * Nodes of many users at once, for live pushes after a flush (thousands of users): a plain
   * query, as entity hydration of that many rows would hold the event loop for a noticeable time.
   */
  listByUsers(userIds: readonly number[]): Promise<NetworkConnectionEntity[]> {
    return this.nodes.query(
      `SELECT id, user_id AS "userId", device_id AS "deviceId", network_name AS "networkName",
              ip_address AS "ipAddress", connected, connection_time AS "connectionTime",
              network_score AS "networkScore", points_earned AS "pointsEarned", session_id AS "sessionId",
              last_seen_at AS "lastSeenAt", created_at AS "createdAt", updated_at AS "updatedAt"
         FROM network_connections WHERE user_id = ANY($1::bigint[]) ORDER BY id`,
      [userIds],
    );
  }

  /** A node of this user; another user's node is indistinguishable from a missing one. */
  findOwned(userId: number, id: number): Promise<NetworkConnectionEntity | null> {
    return this.nodes.findOneBy({ id, userId });
  }

  async summary(userId: number): Promise<NetworkSummaryRow> {
    const [row] = (await this.nodes.query(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE connected)::int AS connected,
              COALESCE(sum(connection_time), 0)::text AS connection_time,
              COALESCE(avg(network_score), 0)::float8 AS average_score,
              COALESCE(sum(points_earned), 0)::numeric(24,6)::text AS points_earned
         FROM network_connections WHERE user_id = $1`,
      [userId],
    )) as NetworkSummaryRow[];
    return row!;
  }

  /** Deletes a node of this user; returns its device id, or null when there was none. */
  async deleteOwned(userId: number, id: number): Promise<{ deviceId: string } | null> {
    const rows = (await this.nodes.query(
      `DELETE FROM network_connections WHERE id = $1 AND user_id = $2 RETURNING device_id`,
      [id, userId],
    )) as [Array<{ device_id: string }>, number];
    const deleted = rows[0][0];
    return deleted === undefined ? null : { deviceId: deleted.device_id };
  }

  /**
   * The node a Connect refers to, created on first sight (new nodes start at score 1, as their
   * session does); marks it connected from `ip` and refreshes its name. One statement, so concurrent connects of one device cannot duplicate it.
   */
  async connect(
    userId: number,
    deviceId: string,
    networkName: string,
    ip: string | null,
    sessionId: string,
  ): Promise<{ id: number }> {
    // One statement, nothing after it: were a second query (re-reading the row) to fail, the
    // caller would not learn the node's id and the row would stay marked connected with no socket.
    const rows = (await this.nodes.query(
      `INSERT INTO network_connections (user_id, device_id, network_name, ip_address, connected, session_id, last_seen_at, network_score)
       VALUES ($1, $2, $3, $4, true, $5, now(), 1)
       ON CONFLICT (user_id, device_id) DO UPDATE SET
         network_name = EXCLUDED.network_name, ip_address = EXCLUDED.ip_address, connected = true,
         session_id = EXCLUDED.session_id, last_seen_at = now(), updated_at = now()
       RETURNING id`,
      [userId, deviceId, networkName, ip, sessionId],
    )) as Array<{ id: string | number }>;
    return { id: Number(rows[0]!.id) };
  }

  /**
   * Marks nodes disconnected, each only if the session that ends is still the node's latest (a
   * node that reconnected meanwhile, here or on another instance, stays connected). Returns the
   * owners of nodes that changed.
   */
  async setDisconnected(sessions: ReadonlyArray<{ nodeId: number; sessionId: string }>): Promise<number[]> {
    if (sessions.length === 0) return [];
    const sorted = [...sessions].sort((a, b) => a.nodeId - b.nodeId);
    const rows = (await this.nodes.query(
      `UPDATE network_connections n SET connected = false, updated_at = now()
         FROM unnest($1::bigint[], $2::text[]) AS t(id, session_id)
        WHERE n.id = t.id AND n.session_id = t.session_id AND n.connected
       RETURNING n.user_id`,
      [sorted.map((session) => session.nodeId), sorted.map((session) => session.sessionId)],
    )) as [Array<{ user_id: number }>, number];
    return [...new Set(rows[0].map((row) => row.user_id))];
  }

  /**
   * Nodes marked connected whose last heartbeat is older than `before`: no instance can still
   * hold them (a socket is closed after CLIENT_TIMEOUT_MS of silence). The safety net for
   * sessions a crashed instance left behind.
   */
  async disconnectStale(before: Date): Promise<number[]> {
    const rows = (await this.nodes.query(
      `UPDATE network_connections SET connected = false, updated_at = now()
        WHERE connected AND COALESCE(last_seen_at, updated_at) < $1 RETURNING user_id`,
      [before],
    )) as [Array<{ user_id: number }>, number];
    return [...new Set(rows[0].map((row) => row.user_id))];
  }

  /** At start: nodes this cluster believed connected but that no instance holds any more. */
  async disconnectAllExcept(liveNodeIds: readonly number[]): Promise<number[]> {
    const rows = (await this.nodes.query(
      `UPDATE network_connections SET connected = false, updated_at = now()
        WHERE connected AND NOT (id = ANY($1::bigint[])) RETURNING user_id`,
      [[...liveNodeIds]],
    )) as [Array<{ user_id: number }>, number];
    return [...new Set(rows[0].map((row) => row.user_id))];
  }
}
