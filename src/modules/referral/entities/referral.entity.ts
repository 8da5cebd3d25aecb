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

export const REFERRAL_STATUSES = ['Pending', 'Completed', 'Rewarded'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/**
 * A direct referral. Each user is referred at most once, so these rows also form the referral
 * chain that tiered commission walks upwards.
 */
@Entity({ name: 'referrals' })
@Index('ix_referrals_referrer', ['referrerId', 'id'])
@Check('ck_referrals_not_self', '"referrer_id" <> "referee_id"')
@Check('ck_referrals_status', `"status" IN ('Pending', 'Completed', 'Rewarded')`)
export class ReferralEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_referrals' })
  id!: number;

  @Column({ name: 'referrer_id', type: 'bigint' })
  referrerId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'referrer_id', foreignKeyConstraintName: 'fk_referrals_referrer' })
  referrer?: UserEntity;

  @Index('uq_referrals_referee', { unique: true })
  @Column({ name: 'referee_id', type: 'bigint' })
  refereeId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'referee_id', foreignKeyConstraintName: 'fk_referrals_referee' })
  referee?: UserEntity;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'Pending' })
  status!: ReferralStatus;

  /** What the referrer earned through this referee: commission from the referee's subtree plus bonus. */
  @Column({ name: 'points', ...NUMERIC_POINTS, default: 0 })
  points!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'rewarded_at', type: 'timestamptz', nullable: true })
  rewardedAt!: Date | null;
}
