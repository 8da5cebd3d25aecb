import { Client } from 'pg';
import { Counter, register } from 'prom-client';
import { microPointsOf } from '../../src/common/points';
import { ClusterLockKey } from '../../src/database/cluster-lock';
import { CommissionFolder, FoldOutcome } from '../../src/modules/earnings/commission-folder';
import { LedgerBatch } from '../../src/modules/earnings/ledger-batch';
import { LedgerRepository } from '../../src/modules/earnings/ledger.repository';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { registerUser } from '../support/api-client';
import { foldCommission } from '../support/commission';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Commission staging (issue 13): a batch stages the commission it pays; a fold moves it into the
 * Referral rows, referral points and balances, exactly once, on one instance at a time. A test
 * connection holding the fold lock stands for "another instance is folding", so the staged state
 * can be looked at before the fold.
 */
describe('commission staging and fold', () => {
  let first: TestApp;
  let second: TestApp;
  let holder: Client;
  // Far above the test's length: no timer fold runs unless a test calls one.
  const env = { REFERRAL_RATES: '0.2,0.1', EARNINGS_FLUSH_MS: '600000' };

  beforeAll(async () => {
    first = await startTestApp({ label: 'commission_fold', env });
    second = await startTestApp({ label: 'commission_fold', env, database: first.database });
    holder = new Client({ connectionString: first.database.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await second?.close();
    await first?.close();
  });

  /** Another "instance" folds meanwhile: folds of the apps find the lock taken and skip. */
  async function whileAnotherFolds<T>(work: () => Promise<T>): Promise<T> {
    await holder.query('SELECT pg_advisory_lock($1)', [ClusterLockKey.CommissionFold]);
    try {
      return await work();
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [ClusterLockKey.CommissionFold]);
    }
  }

  /** root ← a ← b: b's Network credits pay a (tier 1, 20 %) and root (tier 2, 10 %). */
  async function chain(app: TestApp): Promise<{ root: number; a: number; b: number }> {
    const root = await registerUser(app);
    const a = await registerUser(app, { referral_code: root.referralCode });
    const b = await registerUser(app, { referral_code: a.referralCode });
    return { root: root.id, a: a.id, b: b.id };
  }

  function credit(id: string, userId: number, points: number): LedgerBatch {
    return { id, network: [{ userId, amount: microPointsOf(points), at: new Date() }], nodes: [], bonuses: [] };
  }

  async function referralOf(userId: number): Promise<string> {
    const [row] = await sql<{ referral: string }>(first.database.url, 'SELECT referral::text FROM user_balances WHERE user_id = $1', [userId]);
    return row?.referral ?? '0.000000';
  }

  async function referralRows(userId: number): Promise<string[]> {
    const rows = await sql<{ amount: string }>(
      first.database.url,
      `SELECT amount::text FROM earnings WHERE user_id = $1 AND source = 'Referral' ORDER BY "timestamp"`,
      [userId],
    );
    return rows.map((row) => row.amount);
  }

  async function pointsVia(refereeId: number): Promise<string> {
    const [row] = await sql<{ points: string }>(first.database.url, 'SELECT points::text FROM referrals WHERE referee_id = $1', [refereeId]);
    return row!.points;
  }

  async function staged(): Promise<number> {
    const [row] = await sql<{ count: number }>(first.database.url, 'SELECT count(*)::int AS count FROM ledger_commission_staging');
    return row!.count;
  }

  async function counterValue(name: string): Promise<number> {
    const metric = register.getSingleMetric(name) as Counter | undefined;
    const values = (await metric?.get())?.values ?? [];
    return values.reduce((sum, value) => sum + value.value, 0);
  }

  it('stages the commission a batch pays, outside the ledger, and lands it exactly at the fold', async () => {
    const { root, a, b } = await chain(first);
    const ledger = first.server.app.get(LedgerService);

    await whileAnotherFolds(async () => {
      expect((await ledger.apply(credit(`staged-${b}`, b, 10.000007))).applied).toBe(true);
    });
    // The Network credit is in; the commission (2.000001 and 1.000000, truncated) is staged only.
    expect(await staged()).toBe(2);
    expect([await referralOf(a), await referralOf(root)]).toEqual(['0.000000', '0.000000']);
    expect(await referralRows(a)).toEqual([]);
    expect(await ledgerMismatches(first.database.url)).toEqual([]);

    expect(await foldCommission(first)).toBe(2);
    expect(await staged()).toBe(0);
    expect([await referralOf(a), await referralOf(root)]).toEqual(['2.000001', '1.000000']);
    expect([await referralRows(a), await referralRows(root)]).toEqual([['2.000001'], ['1.000000']]);
    // Points through the referral each tier flowed through: b's (to a) and a's (to root).
    expect([await pointsVia(b), await pointsVia(a)]).toEqual(['2.000001', '1.000000']);
    expect(await ledgerMismatches(first.database.url)).toEqual([]);
    expect(await referralMismatches(first.database.url)).toEqual([]);

    // Nothing left: a second fold changes nothing.
    expect(await foldCommission(first)).toBe(0);
    expect(await referralOf(a)).toBe('2.000001');
  });

  it('folds a batch’s commission right after it when no other instance is folding', async () => {
    const { root, a, b } = await chain(first);
    const result = await first.server.app.get(LedgerService).apply(credit(`direct-${b}`, b, 5));
    expect(result.applied).toBe(true);
    expect(await staged()).toBe(0);
    expect([await referralOf(a), await referralOf(root)]).toEqual(['1.000000', '0.500000']);
  });

  it('never applies a row twice when instances fold at the same moment', async () => {
    const chains = await Promise.all([chain(first), chain(first), chain(first)]);
    await whileAnotherFolds(async () => {
      for (const [index, { b }] of chains.entries()) {
        for (const app of [first, second]) {
          await app.server.app.get(LedgerService).apply(credit(`race-${index}-${b}-${app === first ? 1 : 2}`, b, 1));
        }
      }
    });
    expect(await staged()).toBe(12);

    // Both instances' folders, twice each, at once: one folds, the other skips or folds what is left.
    const folders = [first, second].map((app) => app.server.app.get(CommissionFolder));
    const outcomes: FoldOutcome[] = await Promise.all([...folders, ...folders].map((folder) => folder.fold()));
    expect(outcomes.every((outcome) => outcome.state !== 'failed')).toBe(true);
    await foldCommission(second);
    expect(await staged()).toBe(0);
    for (const { root, a, b } of chains) {
      // Two batches of 1 point each from b: 2 × 0.2 to a, 2 × 0.1 to root.
      expect([await referralOf(a), await referralOf(root)]).toEqual(['0.400000', '0.200000']);
      expect([await pointsVia(b), await pointsVia(a)]).toEqual(['0.400000', '0.200000']);
    }
    expect(await ledgerMismatches(first.database.url)).toEqual([]);
    expect(await referralMismatches(first.database.url)).toEqual([]);
  });

  it('leaves the rows staged when a fold fails, and a later fold applies them exactly once', async () => {
    const { root, a, b } = await chain(first);
    const repository = first.server.app.get(LedgerRepository);
    const failuresBefore = await counterValue('dashboard_ledger_commission_fold_failures_total');
    // The fold fails after it took the rows: its transaction rolls back with them.
    const spy = jest.spyOn(repository, 'foldTakenCommission').mockRejectedValueOnce(new Error('fold broke'));
    try {
      const result = await first.server.app.get(LedgerService).apply(credit(`broken-${b}`, b, 3));
      // The batch itself is written: a failed fold is not the batch's failure.
      expect(result.applied).toBe(true);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
    expect(await counterValue('dashboard_ledger_commission_fold_failures_total')).toBe(failuresBefore + 1);
    expect(await staged()).toBe(2);
    expect([await referralOf(a), await referralOf(root)]).toEqual(['0.000000', '0.000000']);
    expect(await ledgerMismatches(first.database.url)).toEqual([]);

    expect(await foldCommission(first)).toBe(2);
    expect(await foldCommission(first)).toBe(0);
    expect([await referralOf(a), await referralOf(root)]).toEqual(['0.600000', '0.300000']);
    expect([await referralRows(a), await referralRows(root)]).toEqual([['0.600000'], ['0.300000']]);
    expect(await referralMismatches(first.database.url)).toEqual([]);
  });

  it('folds what is staged when an instance shuts down', async () => {
    const third = await startTestApp({ label: 'commission_fold', env, database: first.database });
    const { root, a, b } = await chain(third);
    await whileAnotherFolds(async () => {
      await third.server.app.get(LedgerService).apply(credit(`shutdown-${b}`, b, 2));
    });
    expect(await staged()).toBe(2);

    // Nothing is buffered: the final flush writes nothing, and the fold after it lands the rows.
    await third.close();
    expect(await staged()).toBe(0);
    expect([await referralOf(a), await referralOf(root)]).toEqual(['0.400000', '0.200000']);
    expect(await ledgerMismatches(first.database.url)).toEqual([]);
  });
});
