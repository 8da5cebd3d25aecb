import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'users' })
// Usernames are unique regardless of case; an expression index, so it is kept out of TypeORM's diff.
@Index('uq_users_username_lower', { synchronize: false })
export class UserEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_users' })
  id!: number;

  /** Always stored lower-case. */
  @Index('uq_users_email', { unique: true })
  @Column({ name: 'email', type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'username', type: 'varchar', length: 32 })
  username!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** Checksummed; linked only by a signed challenge (wallet module); one account per wallet. */
  @Index('uq_users_wallet_address', { unique: true })
  @Column({ name: 'wallet_address', type: 'varchar', length: 42, nullable: true })
  walletAddress!: string | null;

  /**
   * What the user had typed into the old free-text wallet field, never proven; kept by the wallet
   * migration for support, never used for payouts. Not selected by default.
   */
  @Column({ name: 'unverified_wallet_address', type: 'varchar', length: 42, nullable: true, select: false })
  unverifiedWalletAddress?: string | null;

  @Index('uq_users_referral_code', { unique: true })
  @Column({ name: 'referral_code', type: 'varchar', length: 32 })
  referralCode!: string;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'last_active', type: 'timestamptz', default: () => 'now()' })
  lastActive!: Date;
}

