import { DataSource, EntityManager } from 'typeorm';
import { LEDGER_STATEMENT_ROWS, LedgerRepository } from './ledger.repository';

/** A manager that records each statement's parameters and answers like the database would (no rows). */
function recordingManager(answer: (sql: string, params: unknown[]) => unknown = () => []) {
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  const manager = {
    query: (sql: string, params: unknown[]) => {
      statements.push({ sql, params });
      return Promise.resolve(answer(sql, params));
    },
  } as unknown as EntityManager;
  return { manager, statements };
}

/** The ids of an int8[] literal parameter (`{1,2,3}`). */
const idsOf = (literal: unknown): number[] => (literal as string).slice(1, -1).split(',').map(Number);

describe('LedgerRepository', () => {
  // Statement building only: no transaction is opened.
  const repository = new LedgerRepository(null as unknown as DataSource);
  const rows = LEDGER_STATEMENT_ROWS * 2 + 7;

  it('writes a pass of more than LEDGER_STATEMENT_ROWS rows as several statements, in key order, each row once', async () => {
    const { manager, statements } = recordingManager();
    const userIds = Float64Array.from({ length: rows }, (_, i) => i + 1);
    await repository.addToBalances(manager, { length: rows, userIds, network: new Float64Array(rows), referral: new Float64Array(rows), bonus: new Float64Array(rows) });
    expect(statements.map((statement) => idsOf(statement.params[0]).length)).toEqual([LEDGER_STATEMENT_ROWS, LEDGER_STATEMENT_ROWS, 7]);
    expect(statements.flatMap((statement) => idsOf(statement.params[0]))).toEqual(Array.from(userIds));

    const { manager: empty, statements: none } = recordingManager();
    await repository.addToReferralPoints(empty, { length: 0, referralIds: new Float64Array(0), refereeIds: new Float64Array(0), amounts: new Float64Array(0) });
    expect(none).toHaveLength(0);
  });

  it('writes an UPDATE … FROM unnest pass as one statement, whatever its size (PostgreSQL plans its join by the size)', async () => {
    const { manager, statements } = recordingManager();
    const referralIds = Float64Array.from({ length: rows }, (_, i) => i + 1);
    await repository.addToReferralPoints(manager, { length: rows, referralIds, refereeIds: referralIds, amounts: new Float64Array(rows) });
    expect(statements).toHaveLength(1);
    expect(idsOf(statements[0]!.params[0])).toEqual(Array.from(referralIds));
  });

  it("reads the node owners' text as numbers, many chunks of it, and none as none", async () => {
    const owners = Array.from({ length: 20_000 }, (_, i) => i * 7 + 1_000_000);
    const nodes = { length: 1, nodeIds: Float64Array.of(1), seconds: Float64Array.of(30), points: Float64Array.of(5), scores: Float64Array.of(1), lastSeenMs: Float64Array.of(0) };
    const { manager } = recordingManager(() => [{ owners: owners.join(',') }]);
    expect(await repository.advanceNodes(manager, nodes)).toEqual(owners);
    const { manager: none } = recordingManager(() => [{ owners: null }]);
    expect(await repository.advanceNodes(none, nodes)).toEqual([]);
  });
});
