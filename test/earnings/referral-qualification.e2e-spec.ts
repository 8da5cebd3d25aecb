import { microPointsOf } from '../../src/common/points';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { LedgerRepository } from '../../src/modules/earnings/ledger.repository';
import { registerUser } from '../support/api-client';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';

/** Two instances on one database, as in a cluster, both crediting the same referee at once. */
describe('referral qualification', () => {
  let first: TestApp;
  let second: TestApp;
  const env = { REFERRAL_QUALIFY_POINTS: '10', REFERRAL_BONUS_POINTS: '50', REFERRAL_RATES: '0.2' };

  beforeAll(async () => {
    first = await startTestApp({ label: 'qualify', env });
    second = await startTestApp({ label: 'qualify', env, database: first.database });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('completes a referral and pays its bonus exactly once under concurrent flushes', async () => {
    for (let round = 0; round < 5; round++) {
      const referrer = await registerUser(first);
      const referee = await registerUser(first, { referral_code: referrer.referralCode });
      // 9 points first: below the bar, still Pending.
      await first.server.app.get(LedgerService).apply({
        id: `pre-${round}-${referee.id}`,
        network: [{ userId: referee.id, amount: microPointsOf(9), at: new Date() }],
        nodes: [],
        bonuses: [],
      });
      const [pending] = await sql<{ status: string }>(first.database.url, 'SELECT status FROM referrals WHERE referee_id = $1', [
        referee.id,
      ]);
      expect(pending!.status).toBe('Pending');

      // Both instances flush a credit that crosses the bar, at the same moment.
      const results = await Promise.all(
        [first, second].map((app, index) =>
          app.server.app.get(LedgerService).apply({
            id: `cross-${round}-${referee.id}-${index}`,
            network: [{ userId: referee.id, amount: microPointsOf(1), at: new Date() }],
            nodes: [],
            bonuses: [],
          }),
        ),
      );
      expect(results.flatMap((result) => result.completedReferrals).map((r) => r.refereeId)).toEqual([referee.id]);

      const bonuses = await sql<{ amount: string; ref: string }>(
        first.database.url,
        `SELECT amount::text, ref FROM earnings WHERE user_id = $1 AND source = 'Bonus'`,
        [referrer.id],
      );
      expect(bonuses).toEqual([{ amount: '50.000000', ref: expect.stringMatching(/^referral:\d+$/) }]);
      const [referral] = await sql<{ status: string; points: string; completed_at: Date | null; rewarded_at: Date | null }>(
        first.database.url,
        'SELECT status, points::text, completed_at, rewarded_at FROM referrals WHERE referee_id = $1',
        [referee.id],
      );
      // 20 % of 11 points of commission, plus the bonus.
      expect(referral).toEqual({ status: 'Rewarded', points: '52.200000', completed_at: expect.any(Date), rewarded_at: expect.any(Date) });
    }
    expect(await ledgerMismatches(first.database.url)).toEqual([]);
    expect(await referralMismatches(first.database.url)).toEqual([]);
  });

  it('shows the completed referral in the referrer’s summary and list', async () => {
    const referrer = await registerUser(first);
    const referee = await registerUser(first, { referral_code: referrer.referralCode });
    await first.server.app.get(LedgerService).apply({
      id: `summary-${referee.id}`,
      network: [{ userId: referee.id, amount: microPointsOf(12), at: new Date() }],
      nodes: [],
      bonuses: [],
    });
    const summary = await fetch(`${second.url}/api/referrals/summary`, {
      headers: { authorization: `Bearer ${referrer.accessToken}` },
    }).then((response) => response.json());
    expect(summary).toEqual({
      referral_code: referrer.referralCode,
      total: 1,
      pending: 0,
      completed: 0,
      rewarded: 1,
      points: 52.4,
    });
    const earnings = await fetch(`${second.url}/api/earnings/summary`, {
      headers: { authorization: `Bearer ${referrer.accessToken}` },
    }).then((response) => response.json());
    expect(earnings).toMatchObject({ total: 52.4, by_source: { network: 0, referral: 2.4, bonus: 50 } });
  });

  it('checks an earner for qualification only while their referral may be Pending, on every instance', async () => {
    const referrer = await registerUser(first);
    const settled = await registerUser(first, { referral_code: referrer.referralCode });
    const pending = await registerUser(first, { referral_code: referrer.referralCode });
    const loner = await registerUser(first);
    const credit = (app: TestApp, userId: number, points: number, id: string) =>
      app.server.app.get(LedgerService).apply({
        id: `${id}-${userId}`,
        network: [{ userId, amount: microPointsOf(points), at: new Date() }],
        nodes: [],
        bonuses: [],
      });
    await credit(first, settled.id, 12, 'settle');

    // Who each instance's next flush checks: the first learnt it settled the referral, the second
    // (which never saw these users) reads the status with the link.
    for (const app of [first, second]) {
      const checked: number[] = [];
      const repository = app.server.app.get(LedgerRepository);
      const spy = jest.spyOn(repository, 'completeQualified').mockImplementation(async (manager, earners, threshold) => {
        checked.push(...earners.userIds.subarray(0, earners.length));
        return LedgerRepository.prototype.completeQualified.call(repository, manager, earners, threshold);
      });
      try {
        await app.server.app.get(LedgerService).apply({
          id: `after-${app === first ? 1 : 2}-${settled.id}`,
          network: [settled, pending, loner].map((user) => ({ userId: user.id, amount: microPointsOf(1), at: new Date() })),
          nodes: [],
          bonuses: [],
        });
      } finally {
        spy.mockRestore();
      }
      expect(checked).toEqual([pending.id]);
    }

    // The pending one still qualifies, once.
    await credit(second, pending.id, 9, 'cross');
    const statuses = await sql<{ status: string }>(first.database.url, 'SELECT status FROM referrals WHERE referrer_id = $1 ORDER BY id', [
      referrer.id,
    ]);
    expect(statuses.map((row) => row.status)).toEqual(['Rewarded', 'Rewarded']);
    expect(await ledgerMismatches(first.database.url)).toEqual([]);
    expect(await referralMismatches(first.database.url)).toEqual([]);
  });
});
