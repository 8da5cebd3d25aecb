import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Commission a flush paid but that is not yet in the ledger: one row per (referral, bucket) of a
 * batch, appended in the batch's transaction. `CommissionFolder` moves the rows into the Referral
 * bucket rows, the referral's `points` and the beneficiary's balance, and deletes them, in one
 * transaction. Staged rows are in neither `earnings` nor `user_balances`. No foreign keys: they
 * would make the flush's INSERT several times slower (see the migration).
 */
@Entity({ name: 'ledger_commission_staging' })
@Check('ck_ledger_commission_staging_amount', '"amount_micro" > 0')
export class LedgerCommissionStagingEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_ledger_commission_staging' })
  id!: number;

  /** The direct referral the commission flowed through (its `points` count it). */
  @Column({ name: 'referral_id', type: 'bigint' })
  referralId!: number;

  /** That referral's referrer: who is paid. */
  @Column({ name: 'beneficiary_id', type: 'bigint' })
  beneficiaryId!: number;

  /** The ledger bucket (hour start) of the Network credits that paid it; fixes the epoch. */
  @Column({ name: 'bucket', type: 'timestamptz' })
  bucket!: Date;

  @Column({ name: 'epoch', type: 'integer' })
  epoch!: number;

  /** Integer micro-points (the ledger's NUMERIC(24,6) × 10^6). */
  @Column({ name: 'amount_micro', type: 'bigint' })
  amountMicro!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
