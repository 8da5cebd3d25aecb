import { AppConfig } from '../../config';
import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor, Page } from '../../common/cursor';
import { DashboardError } from '../../common/errors';
import { PageQuery } from '../../common/http/page.query';
import { AuthUser } from '../auth/auth-user';
import { UserRepository } from '../user/user.repository';
import { SettlementRepository } from './settlement.repository';
import { SettlementEpochJson, SettlementProofJson, toSettlementEpochJson, toSettlementProofJson } from './settlement.mapper';

type EpochCursor = { epoch: number };
const isEpochCursor = (value: Record<string, unknown>): value is EpochCursor => Number.isSafeInteger(value.epoch) && (value.epoch as number) >= 0;

/** What a user sees of settlement: epochs with their amounts, and proofs to claim with. */
@Injectable()
export class SettlementQueryService {
  constructor(
    private readonly settlements: SettlementRepository,
    private readonly users: UserRepository,
    private readonly config: AppConfig,
  ) {}

  async list(auth: AuthUser, query: PageQuery): Promise<Page<SettlementEpochJson>> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isEpochCursor).epoch;
    const rows = await this.settlements.listForUser(auth.userId, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toSettlementEpochJson(row.epoch, row.amount, this.config.settlement.explorerUrl)),
      next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor({ epoch: last.epoch.epoch }) : null,
    };
  }

  async proof(auth: AuthUser, epochNumber: number): Promise<SettlementProofJson> {
    const epoch = await this.settlements.findEpoch(epochNumber);
    if (epoch === null || epoch.root === null) throw DashboardError.notFound('Settled epoch with a leaf of yours');
    const wallet = (await this.users.findById(auth.userId))?.walletAddress ?? null;
    const leaf = await this.settlements.leafOf(auth.userId, epochNumber, wallet);
    if (leaf === null) throw DashboardError.notFound('Settled epoch with a leaf of yours');
    return toSettlementProofJson(epoch, leaf);
  }
}
