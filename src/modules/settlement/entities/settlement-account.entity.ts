import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An address that has been in a tree, and whose earnings it carries: forever that user's, so that
 * one address never has two leaves (the contract pays per address).
 */
@Entity({ name: 'settlement_accounts' })
export class SettlementAccountEntity {
  @PrimaryColumn({ name: 'account', type: 'varchar', length: 42, primaryKeyConstraintName: 'pk_settlement_accounts' })
  account!: string;

  @Index('ix_settlement_accounts_user')
  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  @Column({ name: 'first_epoch', type: 'integer' })
  firstEpoch!: number;
}
