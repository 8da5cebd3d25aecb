import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { NUMERIC_POINTS } from '../../../database/column-types';
import { UserEntity } from '../../user/entities/user.entity';

/**
 * Per-user totals by source, updated in the same transaction as the earnings rows they sum, so
 * that a summary is one indexed read and `totals == SUM(earnings)` always holds.
 */
@Entity({ name: 'user_balances' })
export class UserBalanceEntity {
  @PrimaryColumn({ name: 'user_id', type: 'bigint', primaryKeyConstraintName: 'pk_user_balances' })
  userId!: number;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_user_balances_user' })
  user?: UserEntity;

  @Column({ name: 'network', ...NUMERIC_POINTS, default: 0 })
  network!: string;

  @Column({ name: 'referral', ...NUMERIC_POINTS, default: 0 })
  referral!: string;

  @Column({ name: 'bonus', ...NUMERIC_POINTS, default: 0 })
  bonus!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
