import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../../user/entities/user.entity';

/**
 * One notification of a user: the feed entry (when `in_app`) and the message its webhook and
 * email deliveries carry. Written in the same transaction as the change that caused it.
 */
@Entity({ name: 'notifications' })
@Index('ix_notifications_user_feed', ['userId', 'id'])
@Index('ix_notifications_user_time', ['userId', 'createdAt'])
@Index('ix_notifications_unread', ['userId'], { where: 'in_app AND read_at IS NULL' })
export class NotificationEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_notifications' })
  id!: number;

  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_notifications_user' })
  user?: UserEntity;

  /** A NotificationType, or webhook.test. */
  @Column({ name: 'type', type: 'varchar', length: 40 })
  type!: string;

  @Column({ name: 'data', type: 'jsonb' })
  data!: Record<string, unknown>;

  /** Shown in the feed (the in_app preference when it was written). */
  @Column({ name: 'in_app', type: 'boolean' })
  inApp!: boolean;

  @Index('ix_notifications_created_at')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt!: Date | null;
}
