import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { NUMERIC_POINTS } from '../../../database/column-types';
import { UserEntity } from '../../user/entities/user.entity';

export const EARNING_SOURCES = ['Network', 'Referral', 'Bonus'] as const;
export type EarningSource = (typeof EARNING_SOURCES)[number];

/**
 * A ledger row. Network and Referral credits are aggregated per (user, source, hour): `timestamp`
 * is the hour's start and `ref` is empty. Bonus rows stay individual, each with a unique `ref`.
 * The table is range-partitioned by `timestamp` (monthly partitions plus a default one), which is
 * why `timestamp` is part of the primary key. The unique key leads with (user, time) so that it also
 * serves the history, summary and timeseries reads: no second index to write per row.
 */
@Entity({ name: 'earnings' })
// One index serves the flush's upsert (its conflict target) and every read of a user's rows by time.
@Index('uq_earnings_bucket', ['userId', 'timestamp', 'source', 'ref'], { unique: true })
@Check('ck_earnings_source', `"source" IN ('Network', 'Referral', 'Bonus')`)
export class EarningEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_earnings' })
  id!: number;

  @PrimaryColumn({ name: 'timestamp', type: 'timestamptz', primaryKeyConstraintName: 'pk_earnings' })
  timestamp!: Date;

  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_earnings_user' })
  user?: UserEntity;

  @Column({ name: 'source', type: 'varchar', length: 16 })
  source!: EarningSource;

  @Column({ name: 'amount', ...NUMERIC_POINTS })
  amount!: string;

  @Column({ name: 'epoch', type: 'integer' })
  epoch!: number;

  /** Empty for aggregated rows; for bonuses a unique reference (admin bonus id, referral id). */
  @Column({ name: 'ref', type: 'varchar', length: 64, default: '' })
  ref!: string;

  /** Why a bonus was granted (admin reason, referral qualification). */
  @Column({ name: 'note', type: 'varchar', length: 200, nullable: true })
  note!: string | null;
}
