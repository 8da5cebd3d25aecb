import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../../user/entities/user.entity';

/** A Sign-In with Ethereum message issued to one user for one address; its nonce is used once. */
@Entity({ name: 'wallet_challenges' })
export class WalletChallengeEntity {
  @PrimaryColumn({ name: 'nonce', type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_wallet_challenges' })
  nonce!: string;

  @Index('ix_wallet_challenges_user')
  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_wallet_challenges_user' })
  user?: UserEntity;

  /** Checksummed address the message was issued for. */
  @Column({ name: 'address', type: 'varchar', length: 42 })
  address!: string;

  /** The exact EIP-4361 text issued; only a signature over this text links the wallet. */
  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Index('ix_wallet_challenges_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
