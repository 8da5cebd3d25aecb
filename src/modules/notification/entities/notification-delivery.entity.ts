import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../../user/entities/user.entity';
import { NotificationEntity } from './notification.entity';

export const DELIVERY_CHANNELS = ['webhook', 'email'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox: one row per notification and external channel. Workers on any instance claim due
 * rows (`FOR UPDATE SKIP LOCKED`), pushing `next_attempt_at` ahead as a lease, so a worker that
 * dies mid-send leaves the row to be claimed again after the lease: at least once, never lost.
 */
@Entity({ name: 'notification_deliveries' })
@Index('ix_notification_deliveries_due', ['channel', 'nextAttemptAt'], { where: `status = 'pending'` })
@Index('ix_notification_deliveries_user', ['userId', 'channel', 'id'])
@Check('ck_notification_deliveries_channel', `"channel" IN ('webhook', 'email')`)
@Check('ck_notification_deliveries_status', `"status" IN ('pending', 'delivered', 'failed', 'cancelled')`)
export class NotificationDeliveryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_notification_deliveries' })
  id!: number;

  @Index('ix_notification_deliveries_notification')
  @Column({ name: 'notification_id', type: 'bigint' })
  notificationId!: number;

  @ManyToOne(() => NotificationEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'notification_id', foreignKeyConstraintName: 'fk_notification_deliveries_notification' })
  notification?: NotificationEntity;

  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_notification_deliveries_user' })
  user?: UserEntity;

  @Column({ name: 'channel', type: 'varchar', length: 16 })
  channel!: DeliveryChannel;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'pending' })
  status!: DeliveryStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  /** When pending: due time (or the end of a running attempt's lease). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ name: 'response_code', type: 'integer', nullable: true })
  responseCode!: number | null;

  /** The start of the receiver's answer or the error, never more (bodies are not stored). */
  @Column({ name: 'response_excerpt', type: 'varchar', length: 256, nullable: true })
  responseExcerpt!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
