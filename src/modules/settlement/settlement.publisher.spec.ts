import { DataSource } from 'typeorm';
import { DatabaseTarget } from '../../database/data-source-options';
import { BlockchainConnector, ChainRoot, LedgerConnector, SignedRootTransaction, TransactionState } from './blockchain-connector';
import { SettlementEpochEntity } from './entities/settlement-epoch.entity';
import { SettlementLiveService } from './settlement-live.service';
import { SettlementMetrics } from './settlement.metrics';
import { SettlementPublisher } from './settlement.publisher';
import { SettlementRepository } from './settlement.repository';

const ROOT = `0x${'aa'.repeat(32)}`;

/** The publication state machine with its ports faked: the repository in memory, a scripted chain. */
class FakeChain extends BlockchainConnector {
  readonly adapter = 'evm' as const;
  readonly onChain = true;
  root: ChainRoot = { epoch: 0, root: `0x${'00'.repeat(32)}` };
  states = new Map<string, TransactionState>();
  sent: string[] = [];
  broadcastError: Error | null = null;
  signed = 0;

  currentRoot(): Promise<ChainRoot> {
    return Promise.resolve(this.root);
  }
  signRoot(epoch: number): Promise<SignedRootTransaction> {
    this.signed += 1;
    return Promise.resolve({ hash: `0xhash${epoch}-${this.signed}`, raw: `0xraw${epoch}-${this.signed}` });
  }
  broadcast(raw: string): Promise<void> {
    if (this.broadcastError !== null) return Promise.reject(this.broadcastError);
    this.sent.push(raw);
    return Promise.resolve();
  }
  transactionState(hash: string): Promise<TransactionState> {
    return Promise.resolve(this.states.get(hash) ?? { kind: 'unknown' });
  }
  waitForReceipt(hash: string): Promise<TransactionState> {
    return this.transactionState(hash);
  }
}

function epochRow(epoch: number, changes: Partial<SettlementEpochEntity> = {}): SettlementEpochEntity {
  return Object.assign(new SettlementEpochEntity(), {
    epoch,
    root: ROOT,
    status: 'settled',
    leafCount: 1,
    totalAmount: '1',
    txHash: null,
    rawTx: null,
    blockNumber: null,
    publishAttempts: 0,
    publishError: null,
    nextAttemptAt: null,
    publishedAt: null,
    ...changes,
  });
}

function setUp(connector: BlockchainConnector, rows: SettlementEpochEntity[]) {
  const byEpoch = new Map(rows.map((row) => [row.epoch, row]));
  const repository = {
    oldestUnpublished: () => Promise.resolve([...byEpoch.values()].filter((row) => row.status !== 'published').sort((a, b) => a.epoch - b.epoch)[0] ?? null),
    markPublishing: (epoch: number) => Promise.resolve(void (byEpoch.get(epoch)!.status = 'publishing')),
    recordTransaction: (epoch: number, hash: string, raw: string) => Promise.resolve(void Object.assign(byEpoch.get(epoch)!, { txHash: hash, rawTx: raw })),
    clearTransaction: (epoch: number) => Promise.resolve(void Object.assign(byEpoch.get(epoch)!, { txHash: null, rawTx: null })),
    markPublished: (epoch: number, block: number | null, note: string | null) =>
      Promise.resolve(void Object.assign(byEpoch.get(epoch)!, { status: 'published', blockNumber: block, publishError: note })),
    recordFailure: (epoch: number, error: string, next: Date) =>
      Promise.resolve(void Object.assign(byEpoch.get(epoch)!, { publishError: error, nextAttemptAt: next, publishAttempts: byEpoch.get(epoch)!.publishAttempts + 1 })),
  } as unknown as SettlementRepository;
  const live = { announce: () => Promise.resolve() } as unknown as SettlementLiveService;
  const publisher = new SettlementPublisher({} as DataSource, repository, connector, { embedded: true } as DatabaseTarget, new SettlementMetrics(), live);
  return { publisher, byEpoch };
}

describe('SettlementPublisher (state machine, ports faked)', () => {
  it('publishes in order, recording each transaction before it is sent', async () => {
    const chain = new FakeChain();
    chain.waitForReceipt = (hash) => Promise.resolve(chain.sent.length > 0 && hash.startsWith('0xhash') ? { kind: 'mined', success: true, block: 7 } : { kind: 'unknown' });
    const { publisher, byEpoch } = setUp(chain, [epochRow(5), epochRow(4)]);
    await publisher.round();
    expect([byEpoch.get(4)!.status, byEpoch.get(5)!.status]).toEqual(['published', 'published']);
    expect(chain.sent).toEqual(['0xraw4-1', '0xraw5-2']);
    expect(byEpoch.get(4)!.txHash).toBe('0xhash4-1');
  });

  it('the ledger adapter publishes without a transaction', async () => {
    const { publisher, byEpoch } = setUp(new LedgerConnector(), [epochRow(1)]);
    await publisher.round();
    expect(byEpoch.get(1)).toMatchObject({ status: 'published', txHash: null, blockNumber: null });
  });

  it('finds a root already on chain (published before a crash) and sends nothing', async () => {
    const chain = new FakeChain();
    chain.root = { epoch: 9, root: ROOT };
    chain.states.set('0xmine', { kind: 'mined', success: true, block: 42 });
    const { publisher, byEpoch } = setUp(chain, [epochRow(9, { status: 'publishing', txHash: '0xmine', rawTx: '0xraw' })]);
    await publisher.round();
    expect(byEpoch.get(9)).toMatchObject({ status: 'published', blockNumber: 42 });
    expect(chain.sent).toEqual([]);
    expect(chain.signed).toBe(0);
  });

  it('re-sends the recorded bytes of a transaction the chain never saw, never a new one', async () => {
    const chain = new FakeChain();
    chain.waitForReceipt = () => Promise.resolve({ kind: 'mined', success: true, block: 3 });
    const { publisher, byEpoch } = setUp(chain, [epochRow(2, { status: 'publishing', txHash: '0xrecorded', rawTx: '0xrecorded-raw' })]);
    await publisher.round();
    expect(chain.sent).toEqual(['0xrecorded-raw']);
    expect(chain.signed).toBe(0);
    expect(byEpoch.get(2)).toMatchObject({ status: 'published', txHash: '0xrecorded' });
  });

  it('forgets a recorded transaction whose nonce went to another, and signs anew next time', async () => {
    const chain = new FakeChain();
    chain.broadcastError = new Error('nonce too low');
    const { publisher, byEpoch } = setUp(chain, [epochRow(2, { status: 'publishing', txHash: '0xold', rawTx: '0xold-raw' })]);
    await publisher.round();
    expect(byEpoch.get(2)).toMatchObject({ status: 'publishing', txHash: null, publishAttempts: 1, publishError: 'nonce too low' });
  });

  it('clears a reverted transaction and keeps the epoch publishing with the error and a backoff', async () => {
    const chain = new FakeChain();
    chain.waitForReceipt = () => Promise.resolve({ kind: 'mined', success: false, block: 3 });
    const { publisher, byEpoch } = setUp(chain, [epochRow(6)]);
    const before = Date.now();
    await publisher.round();
    const row = byEpoch.get(6)!;
    expect(row).toMatchObject({ status: 'publishing', txHash: null, publishAttempts: 1 });
    expect(row.publishError).toMatch(/reverted/);
    expect(row.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(before + 1_000);
  });

  it('does not block later epochs behind one a newer root on chain supersedes; stops at another root for the same epoch', async () => {
    const chain = new FakeChain();
    chain.root = { epoch: 10, root: `0x${'bb'.repeat(32)}` };
    const { publisher, byEpoch } = setUp(chain, [epochRow(8), epochRow(10)]);
    await publisher.round();
    expect(byEpoch.get(8)).toMatchObject({ status: 'published', publishError: 'superseded by epoch 10 on chain' });
    expect(byEpoch.get(10)).toMatchObject({ status: 'publishing', publishAttempts: 1 });
    expect(byEpoch.get(10)!.publishError).toMatch(/another root/);
    expect(chain.sent).toEqual([]);
  });
});
