import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { SettlementEpochEntity } from './settlement-epoch.entity';

/** A leaf (account, cumulativeAmount) of an epoch's tree, with its proof ready to serve. */
@Entity({ name: 'settlement_leaves' })
@Index('ix_settlement_leaves_user', ['userId', 'epoch'])
export class SettlementLeafEntity {
  @PrimaryColumn({ name: 'epoch', type: 'integer', primaryKeyConstraintName: 'pk_settlement_leaves' })
  epoch!: number;

  @ManyToOne(() => SettlementEpochEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'epoch', foreignKeyConstraintName: 'fk_settlement_leaves_epoch' })
  settlementEpoch?: SettlementEpochEntity;

  /** Checksummed address. */
  @PrimaryColumn({ name: 'account', type: 'varchar', length: 42, primaryKeyConstraintName: 'pk_settlement_leaves' })
  account!: string;

  /** Whose earnings the amount is (no foreign key: a published leaf is a public record). */
  @Column({ name: 'user_id', type: 'bigint' })
  userId!: number;

  /** Cumulative token units (uint256 as a decimal string). */
  @Column({ name: 'token_amount', type: 'numeric', precision: 78, scale: 0 })
  amount!: string;

  @Column({ name: 'proof', type: 'jsonb' })
  proof!: string[];
}
