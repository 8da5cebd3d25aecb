import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { UserEntity } from '../../user/entities/user.entity';

/** A user's webhook endpoint (one per user) and its signing secret. */
@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryColumn({ name: 'user_id', type: 'bigint', primaryKeyConstraintName: 'pk_webhook_endpoints' })
  userId!: number;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_webhook_endpoints_user' })
  user?: UserEntity;

  @Column({ name: 'url', type: 'varchar', length: 2048 })
  url!: string;

  /**
   * Standard Webhooks secret (`whsec_` + base64 of 32 random bytes), shown to the user once and
   * stored sealed by WebhookSecretBox (rows from before sealing hold it in plaintext until boot).
   */
  @Column({ name: 'secret', type: 'varchar', length: 200 })
  secret!: string;

  /** Set when deliveries kept failing for the whole retry schedule; a new PUT enables it again. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
