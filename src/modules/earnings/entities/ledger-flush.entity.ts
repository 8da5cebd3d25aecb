import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One applied batch credit. Its id is written in the same transaction as the credits, so a batch
 * retried after an unknown outcome (say, a connection lost during COMMIT) is recognised and
 * skipped instead of being credited twice.
 */
@Entity({ name: 'ledger_flushes' })
export class LedgerFlushEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64, primaryKeyConstraintName: 'pk_ledger_flushes' })
  id!: string;

  @Column({ name: 'credit_count', type: 'integer' })
  creditCount!: number;

  @Index('ix_ledger_flushes_applied_at')
  @CreateDateColumn({ name: 'applied_at', type: 'timestamptz' })
  appliedAt!: Date;
}
