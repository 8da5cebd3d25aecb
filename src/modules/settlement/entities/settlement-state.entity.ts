import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One row: the first epoch settled automatically (the one running when settlement first started). */
@Entity({ name: 'settlement_state' })
@Check('ck_settlement_state_single', `"id" = 1`)
export class SettlementStateEntity {
  @PrimaryColumn({ name: 'id', type: 'smallint', primaryKeyConstraintName: 'pk_settlement_state' })
  id!: number;

  @Column({ name: 'first_epoch', type: 'integer' })
  firstEpoch!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
