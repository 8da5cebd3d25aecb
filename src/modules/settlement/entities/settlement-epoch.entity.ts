import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const SETTLEMENT_STATUSES = ['settled', 'publishing', 'published'] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/**
 * A closed epoch: the Merkle root of every account's cumulative amount at its end, and where its
 * publication stands (settled → publishing → published). `root` is null for an epoch without
 * leaves (nothing to publish).
 */
@Entity({ name: 'settlement_epochs' })
@Index('ix_settlement_epochs_unpublished', ['epoch'], { where: `status <> 'published'` })
@Check('ck_settlement_epochs_status', `"status" IN ('settled', 'publishing', 'published')`)
export class SettlementEpochEntity {
  @PrimaryColumn({ name: 'epoch', type: 'integer', primaryKeyConstraintName: 'pk_settlement_epochs' })
  epoch!: number;

  @Column({ name: 'root', type: 'varchar', length: 66, nullable: true })
  root!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: SettlementStatus;

  @Column({ name: 'leaf_count', type: 'integer' })
  leafCount!: number;

  /** Sum of the leaves, token units (uint256 as a decimal string). */
  @Column({ name: 'total_amount', type: 'numeric', precision: 78, scale: 0 })
  totalAmount!: string;

  @Column({ name: 'settled_at', type: 'timestamptz', default: () => 'now()' })
  settledAt!: Date;

  /** The root transaction, recorded before it is broadcast (crash recovery looks it up). */
  @Column({ name: 'tx_hash', type: 'varchar', length: 66, nullable: true })
  txHash!: string | null;

  /** The signed transaction itself, so a recovery re-broadcasts the same one, never a new one. */
  @Column({ name: 'raw_tx', type: 'text', nullable: true })
  rawTx!: string | null;

  @Column({ name: 'block_number', type: 'bigint', nullable: true })
  blockNumber!: number | null;

  @Column({ name: 'publish_attempts', type: 'integer', default: 0 })
  publishAttempts!: number;

  /** The last publication failure, shown until it succeeds. */
  @Column({ name: 'publish_error', type: 'varchar', length: 500, nullable: true })
  publishError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
