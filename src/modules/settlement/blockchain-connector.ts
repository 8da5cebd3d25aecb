/** The root the distributor contract holds now. */
export interface ChainRoot {
  readonly epoch: number;
  readonly root: string;
}

/** A root transaction signed locally: its hash is known (and recorded) before it is broadcast. */
export interface SignedRootTransaction {
  readonly hash: string;
  readonly raw: string;
}

export type TransactionState =
  | { readonly kind: 'mined'; readonly success: boolean; readonly block: number }
  | { readonly kind: 'pending' }
  /** The chain does not know the transaction (never arrived, or dropped). */
  | { readonly kind: 'unknown' };

/**
 * Where settled roots are published (the storage layer's Blockchain Connector). Chosen by
 * SETTLEMENT_ADAPTER: `ledger` keeps roots and proofs in PostgreSQL only (no chain: publication is
 * the settlement itself); `evm` sends each root to the CumulativeMerkleDistributor. The state
 * machine around it (settled → publishing → published) lives in SettlementPublisher.
 */
export abstract class BlockchainConnector {
  abstract readonly adapter: 'ledger' | 'evm';
  /** False: nothing to send, an epoch is published when it is settled. */
  abstract readonly onChain: boolean;
  abstract currentRoot(): Promise<ChainRoot>;
  abstract signRoot(epoch: number, root: string): Promise<SignedRootTransaction>;
  abstract broadcast(raw: string): Promise<void>;
  abstract transactionState(hash: string): Promise<TransactionState>;
  /** Waits (up to `timeoutMs`) for the transaction to be mined. */
  abstract waitForReceipt(hash: string, timeoutMs: number): Promise<TransactionState>;
}

/** The `ledger` adapter: PostgreSQL is the record; there is no chain to talk to. */
export class LedgerConnector extends BlockchainConnector {
  readonly adapter = 'ledger' as const;
  readonly onChain = false;

  currentRoot(): Promise<ChainRoot> {
    return Promise.reject(new Error('The ledger adapter has no chain'));
  }

  signRoot(): Promise<SignedRootTransaction> {
    return Promise.reject(new Error('The ledger adapter has no chain'));
  }

  broadcast(): Promise<void> {
    return Promise.reject(new Error('The ledger adapter has no chain'));
  }

  transactionState(): Promise<TransactionState> {
    return Promise.reject(new Error('The ledger adapter has no chain'));
  }

  waitForReceipt(): Promise<TransactionState> {
    return Promise.reject(new Error('The ledger adapter has no chain'));
  }
}
