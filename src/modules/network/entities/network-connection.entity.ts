import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { NUMERIC_POINTS } from '../../../database/column-types';
import { UserEntity } from '../../user/entities/user.entity';

/** One node (device) of a user: its identity, live state and lifetime uptime and points. */
@Entity({ name: 'network_connections' })
@Index('uq_network_connections_user_device', ['userId', 'deviceId'], { unique: true })
@Check('ck_network_connections_score', '"network_score" >= 0 AND "network_score" <= 1')
// Offline alerts (notification module): nodes whose outage may need a node.offline, and nodes
// with an open alert waiting for their node.online. Both stay small, so the scans cost nothing.
@Index('ix_network_connections_outage', ['disconnectedAt'], { where: 'NOT connected AND NOT offline_alert_open' })
@Index('ix_network_connections_alert_open', ['id'], { where: 'offline_alert_open' })
export class NetworkConnectionEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_network_connections' })
  id!: number;

  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_network_connections_user' })
  user?: UserEntity;

  @Column({ name: 'device_id', type: 'varchar', length: 64 })
  deviceId!: string;

  @Column({ name: 'network_name', type: 'varchar', length: 64 })
  networkName!: string;

  /** Address the node last connected from (after trusted-proxy resolution). */
  @Column({ name: 'ip_address', type: 'varchar', length: 45, nullable: true })
  ipAddress!: string | null;

  @Column({ name: 'connected', type: 'boolean', default: false })
  connected!: boolean;

  /** Seconds of verified uptime (capped heartbeat intervals), millisecond precision. */
  @Column({ name: 'connection_time', type: 'numeric', precision: 20, scale: 3, default: 0 })
  connectionTime!: string;

  /** Latest network quality score in [0, 1]. */
  @Column({ name: 'network_score', type: 'double precision', default: 0 })
  networkScore!: number;

  @Column({ name: 'points_earned', ...NUMERIC_POINTS, default: 0 })
  pointsEarned!: string;

  /**
   * Of points_earned, what was earned on `pointsDay` (UTC). Kept by the accrual flush's node update
   * on every increase of points_earned; another day than today means nothing yet today.
   */
  @Column({ name: 'points_today', ...NUMERIC_POINTS, default: 0 })
  pointsToday!: string;

  @Column({ name: 'points_day', type: 'date', nullable: true })
  pointsDay!: string | null;

  /** The WebSocket session that last connected this node (guards late disconnects). */
  @Column({ name: 'session_id', type: 'varchar', length: 32, nullable: true })
  sessionId!: string | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  /** When its latest session began (while an offline alert is open: the first one after it). */
  @Column({ name: 'connected_at', type: 'timestamptz', nullable: true })
  connectedAt!: Date | null;

  /** When its latest outage began (while an offline alert is open: that outage's start). */
  @Column({ name: 'disconnected_at', type: 'timestamptz', nullable: true })
  disconnectedAt!: Date | null;

  /** When node.offline was last recorded for it (at most one per NODE_OFFLINE_ALERT_MS). */
  @Column({ name: 'offline_alerted_at', type: 'timestamptz', nullable: true })
  offlineAlertedAt!: Date | null;

  /** node.offline recorded and node.online not yet. */
  @Column({ name: 'offline_alert_open', type: 'boolean', default: false })
  offlineAlertOpen!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
