import { SettlementEpochEntity, SettlementStatus } from './entities/settlement-epoch.entity';
import { SettlementLeafEntity } from './entities/settlement-leaf.entity';

/** Token amounts are decimal strings: a uint256 does not fit a JSON number. */
export interface SettlementEpochJson {
  epoch: number;
  root: string | null;
  status: SettlementStatus;
  tx_hash: string | null;
  /** The transaction on the configured block explorer (SETTLEMENT_EXPLORER_URL), else null. */
  tx_url: string | null;
  /** The caller's cumulative amount at this epoch, token units (all their addresses). */
  amount: string;
  /** True when the caller has a leaf and the root can be claimed against (published on chain, or kept in the ledger). */
  claimable: boolean;
}

export interface SettlementProofJson {
  epoch: number;
  root: string;
  account: string;
  amount: string;
  proof: string[];
}

export interface AdminSettlementJson {
  epoch: number;
  root: string | null;
  status: SettlementStatus;
  leaf_count: number;
  total_amount: string;
  tx_hash: string | null;
  block_number: number | null;
  publish_attempts: number;
  publish_error: string | null;
  created: boolean;
}

export function toSettlementEpochJson(epoch: SettlementEpochEntity, amount: bigint, explorerUrl: string | null): SettlementEpochJson {
  return {
    epoch: epoch.epoch,
    root: epoch.root,
    status: epoch.status,
    tx_hash: epoch.txHash,
    tx_url: explorerUrl === null || epoch.txHash === null ? null : `${explorerUrl}/tx/${epoch.txHash}`,
    amount: amount.toString(),
    claimable: amount > 0n && epoch.status === 'published',
  };
}

export function toSettlementProofJson(epoch: SettlementEpochEntity, leaf: SettlementLeafEntity): SettlementProofJson {
  return { epoch: epoch.epoch, root: epoch.root!, account: leaf.account, amount: leaf.amount, proof: leaf.proof };
}

export function toAdminSettlementJson(epoch: SettlementEpochEntity, created: boolean): AdminSettlementJson {
  return {
    epoch: epoch.epoch,
    root: epoch.root,
    status: epoch.status,
    leaf_count: epoch.leafCount,
    total_amount: epoch.totalAmount,
    tx_hash: epoch.txHash,
    block_number: epoch.blockNumber === null ? null : Number(epoch.blockNumber),
    publish_attempts: epoch.publishAttempts,
    publish_error: epoch.publishError,
    created,
  };
}
