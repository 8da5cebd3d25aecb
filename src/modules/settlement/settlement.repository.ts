import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, LessThan, Not, Repository } from 'typeorm';
import { PreviousLeaf } from './allocation';
import { SettlementEpochEntity, SettlementStatus } from './entities/settlement-epoch.entity';
import { SettlementLeafEntity } from './entities/settlement-leaf.entity';
import { SettlementStateEntity } from './entities/settlement-state.entity';
import { SettledTree } from './settlement-tree';

/** Named queries on the settlement tables. */
@Injectable()
export class SettlementRepository {
  constructor(
    @InjectRepository(SettlementEpochEntity) private readonly epochs: Repository<SettlementEpochEntity>,
    @InjectRepository(SettlementLeafEntity) private readonly leaves: Repository<SettlementLeafEntity>,
    @InjectRepository(SettlementStateEntity) private readonly state: Repository<SettlementStateEntity>,
  ) {}

  /** The first epoch settled automatically; recorded by the first instance that starts with settlement. */
  async firstEpoch(current: number): Promise<number> {
    await this.state.createQueryBuilder().insert().values({ id: 1, firstEpoch: current }).orIgnore().execute();
    return (await this.state.findOneByOrFail({ id: 1 })).firstEpoch;
  }

  findEpoch(epoch: number, manager?: EntityManager): Promise<SettlementEpochEntity | null> {
    return (manager?.getRepository(SettlementEpochEntity) ?? this.epochs).findOneBy({ epoch });
  }

  /** The newest settled epoch at or after `from`, or null. */
  async latestSettledFrom(from: number): Promise<number | null> {
    const rows = (await this.epochs.query(`SELECT max(epoch) AS epoch FROM settlement_epochs WHERE epoch >= $1`, [from])) as Array<{ epoch: number | null }>;
    return rows[0]?.epoch ?? null;
  }

  /** The leaves of the latest settled epoch before `epoch` (the base of relink accounting). */
  async latestLeavesBefore(epoch: number, manager: EntityManager): Promise<PreviousLeaf[]> {
    const latest = await manager.getRepository(SettlementEpochEntity).findOne({ where: { epoch: LessThan(epoch), root: Not(IsNull()) }, order: { epoch: 'DESC' } });
    if (latest === null) return [];
    const rows = await manager.getRepository(SettlementLeafEntity).find({ where: { epoch: latest.epoch } });
    return rows.map((row) => ({ account: row.account, userId: Number(row.userId), amount: BigInt(row.amount) }));
  }

  /** Which user each address belongs to (lower-cased keys), for the given addresses. */
  async ownersOf(accounts: readonly string[], manager: EntityManager): Promise<Map<string, number>> {
    if (accounts.length === 0) return new Map();
    const rows = (await manager.query(`SELECT account, user_id FROM settlement_accounts WHERE lower(account) = ANY($1)`, [
      accounts.map((account) => account.toLowerCase()),
    ])) as Array<{ account: string; user_id: string | number }>;
    return new Map(rows.map((row) => [row.account.toLowerCase(), Number(row.user_id)]));
  }

  /**
   * Stores a settled epoch, its leaves (with their proofs) and the owners of new addresses, in the
   * caller's transaction. Leaves go in chunks, their proofs made chunk by chunk: a million-leaf
   * epoch never holds every proof at once, and no statement nears PostgreSQL's parameter limit.
   */
  async insertSettled(manager: EntityManager, epoch: number, tree: SettledTree | null): Promise<void> {
    await manager.getRepository(SettlementEpochEntity).insert({
      epoch,
      root: tree?.root ?? null,
      status: 'settled' satisfies SettlementStatus,
      leafCount: tree?.leafCount ?? 0,
      totalAmount: (tree?.totalAmount ?? 0n).toString(),
    });
    if (tree === null) return;
    for (const chunk of tree.leafChunks(1_000)) {
      await manager.query(
        `INSERT INTO settlement_leaves (epoch, account, user_id, token_amount, proof)
         SELECT $1, * FROM unnest($2::varchar[], $3::bigint[], $4::numeric[], $5::jsonb[])`,
        [
          epoch,
          chunk.map((leaf) => leaf.account),
          chunk.map((leaf) => leaf.userId),
          chunk.map((leaf) => leaf.amount.toString()),
          chunk.map((leaf) => JSON.stringify(leaf.proof)),
        ],
      );
      await manager.query(
        `INSERT INTO settlement_accounts (account, user_id, first_epoch)
         SELECT * FROM unnest($1::varchar[], $2::bigint[], $3::int[]) ON CONFLICT (account) DO NOTHING`,
        [chunk.map((leaf) => leaf.account), chunk.map((leaf) => leaf.userId), chunk.map(() => epoch)],
      );
    }
  }

  /** Settled epochs, newest first, with the caller's leaves (keyset by epoch). */
  async listForUser(userId: number, limit: number, beforeEpoch: number | undefined): Promise<Array<{ epoch: SettlementEpochEntity; amount: bigint }>> {
    const builder = this.epochs.createQueryBuilder('e').orderBy('e.epoch', 'DESC').limit(limit);
    if (beforeEpoch !== undefined) builder.andWhere('e.epoch < :beforeEpoch', { beforeEpoch });
    const epochs = await builder.getMany();
    if (epochs.length === 0) return [];
    const rows = (await this.leaves.query(
      `SELECT epoch, SUM(token_amount)::text AS amount FROM settlement_leaves WHERE user_id = $1 AND epoch = ANY($2) GROUP BY epoch`,
      [userId, epochs.map((epoch) => epoch.epoch)],
    )) as Array<{ epoch: number; amount: string }>;
    const amounts = new Map(rows.map((row) => [Number(row.epoch), BigInt(row.amount)]));
    return epochs.map((epoch) => ({ epoch, amount: amounts.get(epoch.epoch) ?? 0n }));
  }

  /** The caller's leaf in an epoch: the one for their current wallet if any, else their largest. */
  leafOf(userId: number, epoch: number, account: string | null): Promise<SettlementLeafEntity | null> {
    return this.leaves
      .createQueryBuilder('l')
      .where('l.user_id = :userId AND l.epoch = :epoch', { userId, epoch })
      .orderBy(account === null ? 'l.token_amount' : `(l.account = :account)`, 'DESC')
      .addOrderBy('l.token_amount', 'DESC')
      .setParameter('account', account)
      .limit(1)
      .getOne();
  }

  /** Users with a leaf in the epoch (whom a SettlementUpdate concerns). */
  async usersOf(epoch: number): Promise<number[]> {
    const rows = (await this.leaves.query(`SELECT DISTINCT user_id FROM settlement_leaves WHERE epoch = $1`, [epoch])) as Array<{ user_id: string | number }>;
    return rows.map((row) => Number(row.user_id));
  }

  /** The oldest epoch not yet published: epochs are published in order (the contract only takes newer ones). */
  oldestUnpublished(): Promise<SettlementEpochEntity | null> {
    return this.epochs.createQueryBuilder('e').where(`e.status <> 'published'`).orderBy('e.epoch', 'ASC').limit(1).getOne();
  }

  /** settled → publishing (no-op in any other state). */
  async markPublishing(epoch: number): Promise<void> {
    await this.epochs.update({ epoch, status: 'settled' }, { status: 'publishing' });
  }

  /** Records the signed root transaction before it is broadcast. */
  async recordTransaction(epoch: number, hash: string, raw: string): Promise<void> {
    await this.epochs.update({ epoch }, { txHash: hash, rawTx: raw });
  }

  /** Forgets a transaction that can no longer be mined (reverted, or its nonce was used). */
  async clearTransaction(epoch: number): Promise<void> {
    await this.epochs.update({ epoch }, { txHash: null, rawTx: null });
  }

  async markPublished(epoch: number, block: number | null, note: string | null = null): Promise<void> {
    await this.epochs.update(
      { epoch },
      { status: 'published', blockNumber: block, publishedAt: new Date(), publishError: note, nextAttemptAt: null, rawTx: null },
    );
  }

  async recordFailure(epoch: number, error: string, nextAttemptAt: Date): Promise<void> {
    await this.epochs
      .createQueryBuilder()
      .update()
      .set({ publishError: error.slice(0, 500), nextAttemptAt, publishAttempts: () => 'publish_attempts + 1' })
      .where('epoch = :epoch', { epoch })
      .execute();
  }

  /** Makes an unpublished epoch due now (an admin's publish request), with the older ones it waits for. */
  async makeDue(epoch: number): Promise<void> {
    await this.epochs.query(`UPDATE settlement_epochs SET next_attempt_at = NULL WHERE epoch <= $1 AND status <> 'published'`, [epoch]);
  }
}
