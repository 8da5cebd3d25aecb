import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { NetworkConnectionEntity } from './entities/network-connection.entity';

/** A node whose outage reached the alert delay (claimed for node.offline). */
export interface OfflineAlertRow {
  id: number;
  user_id: number;
  device_id: string;
  network_name: string;
  last_seen_at: Date | null;
}

/** A node back after an alerted outage (claimed for node.online). */
export interface OnlineAlertRow {
  id: number;
  user_id: number;
  device_id: string;
  network_name: string;
  offline_seconds: number;
}

export interface NetworkSummaryRow {
  total: number;
  connected: number;
  connection_time: string;
  average_score: number;
  points_earned: string;
}

/**
 * Outage bookkeeping for offline alerts (see NodeAlertsJob): a session start records
 * `connected_at`, an end records `disconnected_at`. While an alert is open (node.offline sent,
 * node.online not yet), both keep their first value, so node.online reports the outage that was
 * alerted even if the node flapped before the job saw it come back. Nothing here runs per heartbeat.
 */
const STARTS_SESSION = `connected_at = CASE WHEN network_connections.offline_alert_open
    AND network_connections.connected_at > network_connections.offline_alerted_at
  THEN network_connections.connected_at ELSE now() END`;

function endsSession(at: string): string {
  return `disconnected_at = CASE WHEN offline_alert_open THEN disconnected_at ELSE ${at} END`;
}

/** Named queries on `network_connections` (a user's nodes). */
/** A node row with the points it earned today (UTC), as numeric text. */
export type NodeWithTodayRow = NetworkConnectionEntity & { earnedToday: string };

/** The columns of a NodeWithTodayRow, of the network_connections row named `n`. */
function nodeWithTodayColumns(n: string): string {
  return `${n}.id, ${n}.user_id AS "userId", ${n}.device_id AS "deviceId", ${n}.network_name AS "networkName",
          ${n}.ip_address AS "ipAddress", ${n}.connected, ${n}.connection_time AS "connectionTime",
          ${n}.network_score AS "networkScore", ${n}.points_earned AS "pointsEarned", ${n}.session_id AS "sessionId",
          ${n}.last_seen_at AS "lastSeenAt", ${n}.created_at AS "createdAt", ${n}.updated_at AS "updatedAt",
          CASE WHEN ${n}.points_day = (now() AT TIME ZONE 'UTC')::date THEN ${n}.points_today ELSE 0 END::text AS "earnedToday"`;
}

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

  /**
   * Nodes by (user, device), with what each earned today (UTC), for NodeUpdate frames of many
   * node sockets in one query.
   */
  listByDevices(keys: ReadonlyArray<{ userId: number; deviceId: string }>): Promise<NodeWithTodayRow[]> {
    return this.nodes.query(
      `SELECT ${nodeWithTodayColumns('n')}
         FROM unnest($1::bigint[], $2::text[]) AS k(user_id, device_id)
         JOIN network_connections n ON n.user_id = k.user_id AND n.device_id = k.device_id`,
      [keys.map((key) => key.userId), keys.map((key) => key.deviceId)],
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
    const rows = await this.connectMany([{ userId, deviceId, networkName, ip, sessionId }]);
    return { id: rows.get(`${userId}:${deviceId}`)!.id };
  }

  /**
   * `connect` for many nodes in one statement (a reconnect storm). Each (user, device) may appear
   * once. The existing rows are locked first, in id order, the order in which the ledger's node
   * update and the disconnect marking lock them: taking them in key order instead deadlocked
   * with those whenever a user's devices sort otherwise than their ids (seen in reconnect
   * storms). The `locked` CTE is an init plan of the insert's source, so it runs, whole, before
   * the first row is written. Returns each node as written (with what it earned today, as
   * listByDevices reads it: the snapshot's NodeUpdate needs no second query) per `userId:deviceId`.
   */
  async connectMany(
    nodes: ReadonlyArray<{ userId: number; deviceId: string; networkName: string; ip: string | null; sessionId: string }>,
  ): Promise<Map<string, NodeWithTodayRow>> {
    const sorted = [...nodes].sort((a, b) => a.userId - b.userId || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
    const rows = (await this.nodes.query(
      `WITH locked AS (
         SELECT n.id FROM network_connections n
           JOIN unnest($1::bigint[], $2::text[]) AS k(user_id, device_id) ON n.user_id = k.user_id AND n.device_id = k.device_id
          ORDER BY n.id
            FOR UPDATE OF n)
       INSERT INTO network_connections (user_id, device_id, network_name, ip_address, connected, session_id, last_seen_at, network_score, connected_at)
       SELECT t.user_id, t.device_id, t.network_name, t.ip_address, true, t.session_id, now(), 1, now()
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(user_id, device_id, network_name, ip_address, session_id)
        WHERE (SELECT count(*) FROM locked) >= 0
       ON CONFLICT (user_id, device_id) DO UPDATE SET
         network_name = EXCLUDED.network_name, ip_address = EXCLUDED.ip_address, connected = true,
         session_id = EXCLUDED.session_id, last_seen_at = now(), updated_at = now(),
         ${STARTS_SESSION}
       RETURNING ${nodeWithTodayColumns('network_connections')}`,
      [
        sorted.map((node) => node.userId),
        sorted.map((node) => node.deviceId),
        sorted.map((node) => node.networkName),
        sorted.map((node) => node.ip),
        sorted.map((node) => node.sessionId),
      ],
    )) as NodeWithTodayRow[];
    return new Map(rows.map((row) => [`${row.userId}:${row.deviceId}`, row]));
  }

  /**
   * Marks nodes disconnected, each only if the session that ends is still the node's latest (a
   * node that reconnected meanwhile, here or on another instance, stays connected). Returns the
   * owners of nodes that changed. `at`: when the outage began — now for a socket that closed
   * here, its last heartbeat for a session whose instance died.
   */
  async setDisconnected(
    sessions: ReadonlyArray<{ nodeId: number; sessionId: string }>,
    at: 'now' | 'last-seen' = 'now',
  ): Promise<number[]> {
    if (sessions.length === 0) return [];
    const sorted = [...sessions].sort((a, b) => a.nodeId - b.nodeId);
    const rows = (await this.nodes.query(
      `UPDATE network_connections n SET connected = false, updated_at = now(),
              ${endsSession(at === 'now' ? 'now()' : 'LEAST(now(), COALESCE(n.last_seen_at, now()))')}
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
      `UPDATE network_connections SET connected = false, updated_at = now(),
              ${endsSession('COALESCE(last_seen_at, updated_at)')}
        WHERE connected AND COALESCE(last_seen_at, updated_at) < $1 RETURNING user_id`,
      [before],
    )) as [Array<{ user_id: number }>, number];
    return [...new Set(rows[0].map((row) => row.user_id))];
  }

  /**
   * Claims up to `limit` nodes with no session anywhere for `alertMs` whose outage has not been
   * alerted, and which had no alert within `alertMs` (a flapping node raises at most one per
   * period): marks the alert open and returns them. Concurrent claims (other instances) skip
   * rows being claimed, and a row claimed is no longer eligible: each outage is claimed once.
   */
  async claimOfflineAlerts(manager: EntityManager, alertMs: number, limit: number): Promise<OfflineAlertRow[]> {
    const rows = (await manager.query(
      `UPDATE network_connections n SET offline_alert_open = true, offline_alerted_at = now()
         FROM (SELECT id FROM network_connections
                WHERE NOT connected AND NOT offline_alert_open
                  AND disconnected_at <= now() - $1 * interval '1 millisecond'
                  AND (offline_alerted_at IS NULL OR offline_alerted_at <= now() - $1 * interval '1 millisecond')
                ORDER BY disconnected_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
        WHERE n.id = due.id AND NOT n.connected
       RETURNING n.id, n.user_id, n.device_id, n.network_name, n.last_seen_at`,
      [alertMs, limit],
    )) as [OfflineAlertRow[], number];
    return rows[0].map((row) => ({ ...row, id: Number(row.id), user_id: Number(row.user_id) }));
  }

  /**
   * Claims up to `limit` nodes with an open alert that have had a session since: closes the
   * alert and returns how long the alerted outage lasted. A node that is offline again by now
   * starts its next outage at this moment (its real start was not kept while the alert was open).
   */
  async claimOnlineAlerts(manager: EntityManager, limit: number): Promise<OnlineAlertRow[]> {
    const rows = (await manager.query(
      `UPDATE network_connections n SET offline_alert_open = false,
              disconnected_at = CASE WHEN n.connected THEN n.disconnected_at ELSE now() END
         FROM (SELECT id, connected_at, disconnected_at FROM network_connections
                WHERE offline_alert_open AND connected_at > offline_alerted_at
                ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) back
        WHERE n.id = back.id
       RETURNING n.id, n.user_id, n.device_id, n.network_name,
                 GREATEST(0, EXTRACT(EPOCH FROM back.connected_at - back.disconnected_at))::float8 AS offline_seconds`,
      [limit],
    )) as [OnlineAlertRow[], number];
    return rows[0].map((row) => ({ ...row, id: Number(row.id), user_id: Number(row.user_id) }));
  }

  /** At start: nodes this cluster believed connected but that no instance holds any more. */
  async disconnectAllExcept(liveNodeIds: readonly number[]): Promise<number[]> {
    const rows = (await this.nodes.query(
      `UPDATE network_connections SET connected = false, updated_at = now(),
              ${endsSession('LEAST(now(), COALESCE(last_seen_at, now()))')}
        WHERE connected AND NOT (id = ANY($1::bigint[])) RETURNING user_id`,
      [[...liveNodeIds]],
    )) as [Array<{ user_id: number }>, number];
    return [...new Set(rows[0].map((row) => row.user_id))];
  }
}
