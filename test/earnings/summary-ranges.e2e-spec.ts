import { microPointsOf } from '../../src/common/points';
import { EarningsRepository } from '../../src/modules/earnings/earnings.repository';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { registerUser, RegisteredUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';

const HOUR = 3_600_000;

/**
 * The summary's `today` and `epoch_total` come from one scan of a user's bucket rows: each must
 * still sum exactly its own range when the two ranges differ (an epoch that starts before the
 * UTC day, or after it, or ended already).
 */
describe('earnings summaries: today and the epoch summed over their own ranges', () => {
  let app: TestApp;
  let earner: RegisteredUser;
  let idle: RegisteredUser;
  let repository: EarningsRepository;
  /** Six hourly rows, 1 to 6 points, at base + 0 h … base + 5 h. */
  const base = Date.parse('2026-06-10T00:00:00Z');
  const at = (hours: number): Date => new Date(base + hours * HOUR);

  beforeAll(async () => {
    app = await startTestApp({ label: 'summary_ranges' });
    earner = await registerUser(app);
    idle = await registerUser(app);
    repository = app.server.app.get(EarningsRepository);
    const ledger = app.server.app.get(LedgerService);
    await ledger.apply({
      id: `summary-ranges-${earner.id}`,
      network: [1, 2, 3, 4, 5, 6].map((points, hour) => ({ userId: earner.id, amount: microPointsOf(points), at: at(hour) })),
      nodes: [],
      bonuses: [],
    });
  });
  afterAll(() => app.close());

  const summaryOf = async (userId: number, todayStart: Date, epochStart: Date, epochEnd: Date) => {
    const rows = await repository.summaries([userId], todayStart, epochStart, epochEnd);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    return { today: Number(row!.today), epoch: Number(row!.epoch_total), total: Number(row!.network) };
  };

  it.each([
    // [case, today from (h), epoch [from, to) (h), today's sum, the epoch's sum]
    ['an epoch that started before the day', 3, [1, 5], 4 + 5 + 6, 2 + 3 + 4 + 5],
    ['an epoch that started after the day', 1, [4, 9], 2 + 3 + 4 + 5 + 6, 5 + 6],
    ['an epoch that ended before the day', 4, [0, 2], 5 + 6, 1 + 2],
    ['the day and the epoch the same', 2, [2, 26], 3 + 4 + 5 + 6, 3 + 4 + 5 + 6],
  ] as const)('%s', async (_case, todayFrom, [epochFrom, epochTo], today, epoch) => {
    const summary = await summaryOf(earner.id, at(todayFrom), at(epochFrom), at(epochTo));
    expect(summary).toEqual({ today, epoch, total: 21 });
  });

  it('gives a user without a row zeros, not a missing row', async () => {
    expect(await summaryOf(idle.id, at(0), at(0), at(24))).toEqual({ today: 0, epoch: 0, total: 0 });
  });
});
