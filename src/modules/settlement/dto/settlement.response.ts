import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { OnlyKeysOf } from '../../../openapi';
import { SETTLEMENT_STATUSES, SettlementStatus } from '../entities/settlement-epoch.entity';
import { AdminSettlementJson, SettlementEpochJson, SettlementProofJson } from '../settlement.mapper';

const UINT = { type: String, pattern: '^[0-9]{1,78}$', example: '1500000000000000000' } as const;
const BYTES32 = { pattern: '^0x[0-9a-f]{64}$', example: `0x${'ab'.repeat(32)}` } as const;
const STATUS = { enum: SETTLEMENT_STATUSES, enumName: 'SettlementStatus', description: 'settled → publishing → published' } as const;

@ApiSchema({ name: 'SettlementEpoch', description: 'A settled epoch, with the caller’s cumulative amount in it' })
export class SettlementEpochResponse implements SettlementEpochJson, OnlyKeysOf<SettlementEpochJson, SettlementEpochResponse> {
  @ApiProperty({ type: 'integer', minimum: 0, example: 334 })
  epoch!: number;

  @ApiProperty({ ...BYTES32, type: String, nullable: true, description: 'Merkle root (null: nobody had anything to claim)' })
  root!: string | null;

  @ApiProperty(STATUS)
  status!: SettlementStatus;

  @ApiProperty({ type: String, nullable: true, pattern: '^0x[0-9a-f]{64}$', description: 'Transaction that published the root (evm adapter)' })
  tx_hash!: string | null;

  @ApiProperty({ type: String, nullable: true, example: `https://etherscan.io/tx/0x${'ab'.repeat(32)}`, description: 'The transaction on the block explorer of SETTLEMENT_EXPLORER_URL (null without one, or before publication)' })
  tx_url!: string | null;

  @ApiProperty({ ...UINT, description: 'The caller’s cumulative amount at the end of this epoch, token units (decimal string)' })
  amount!: string;

  @ApiProperty({ description: 'The caller has an amount and the root is published' })
  claimable!: boolean;
}

@ApiSchema({ name: 'SettlementEpochPage' })
export class SettlementEpochPageResponse {
  @ApiProperty({ type: [SettlementEpochResponse] })
  items!: SettlementEpochResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}

@ApiSchema({ name: 'SettlementProof', description: 'What claim(account, amount, proof) on the distributor needs' })
export class SettlementProofResponse implements SettlementProofJson, OnlyKeysOf<SettlementProofJson, SettlementProofResponse> {
  @ApiProperty({ type: 'integer', minimum: 0, example: 334 })
  epoch!: number;

  @ApiProperty({ ...BYTES32, type: String })
  root!: string;

  @ApiProperty({ pattern: '^0x[0-9a-fA-F]{40}$', example: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', description: 'The leaf’s account (EIP-55)' })
  account!: string;

  @ApiProperty({ ...UINT, description: 'Cumulative amount of the leaf, token units' })
  amount!: string;

  @ApiProperty({ type: [String], example: [`0x${'cd'.repeat(32)}`], description: 'Sibling hashes, leaf to root' })
  proof!: string[];
}

@ApiSchema({ name: 'AdminSettlement', description: 'An epoch’s settlement as an administrator sees it' })
export class AdminSettlementResponse implements AdminSettlementJson, OnlyKeysOf<AdminSettlementJson, AdminSettlementResponse> {
  @ApiProperty({ type: 'integer', minimum: 0, example: 334 })
  epoch!: number;

  @ApiProperty({ ...BYTES32, type: String, nullable: true })
  root!: string | null;

  @ApiProperty(STATUS)
  status!: SettlementStatus;

  @ApiProperty({ type: 'integer', minimum: 0 })
  leaf_count!: number;

  @ApiProperty({ ...UINT, description: 'Sum of the leaves, token units' })
  total_amount!: string;

  @ApiProperty({ type: String, nullable: true, pattern: '^0x[0-9a-f]{64}$' })
  tx_hash!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  block_number!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  publish_attempts!: number;

  @ApiProperty({ type: String, nullable: true, description: 'Last publication failure while it is retried' })
  publish_error!: string | null;

  @ApiProperty({ description: 'True when this request settled it (false: it was settled before)' })
  created!: boolean;
}
