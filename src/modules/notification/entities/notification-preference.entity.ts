import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../../user/entities/user.entity';

/** A user's channels for one notification type; types without a row use the defaults. */
@Entity({ name: 'notification_preferences' })
export class NotificationPreferenceEntity {
  @PrimaryColumn({ name: 'user_id', type: 'bigint', primaryKeyConstraintName: 'pk_notification_preferences' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_notification_preferences_user' })
  user?: UserEntity;

  @PrimaryColumn({ name: 'type', type: 'varchar', length: 40, primaryKeyConstraintName: 'pk_notification_preferences' })
  type!: string;

  @Column({ name: 'in_app', type: 'boolean' })
  inApp!: boolean;

  @Column({ name: 'webhook', type: 'boolean' })
  webhook!: boolean;

  @Column({ name: 'email', type: 'boolean' })
  email!: boolean;
}
