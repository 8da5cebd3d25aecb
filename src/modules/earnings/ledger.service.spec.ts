import { ANNOUNCED_USERS_PER_EVENT, changeEvents } from './ledger.service';

describe('changeEvents', () => {
  it('names each changed user once, in events of at most ANNOUNCED_USERS_PER_EVENT users, in order', () => {
    const earnings = Array.from({ length: 2 * ANNOUNCED_USERS_PER_EVENT + 3 }, (_, i) => i + 1);
    const events = [
      ...changeEvents({ applied: true, earningsChanged: earnings, referralChanged: [7], networkChanged: [], completedReferrals: [], bonusRows: [] }),
    ];
    expect(events.map((event) => [event.type, event.userIds.length])).toEqual([
      ['earnings.changed', ANNOUNCED_USERS_PER_EVENT],
      ['earnings.changed', ANNOUNCED_USERS_PER_EVENT],
      ['earnings.changed', 3],
      ['referral.changed', 1],
    ]);
    expect(events.filter((event) => event.type === 'earnings.changed').flatMap((event) => event.userIds)).toEqual(earnings);
  });

  it('gives each credited user its amounts, and announces users the credit does not describe (a bonus) without one', () => {
    const credit = { tx: 42, at: 1_000, bucket: 0, epoch: 0, network: Float64Array.of(5, NaN, 7), referral: Float64Array.of(0, 9, 1) };
    const events = [
      ...changeEvents({ applied: true, earningsChanged: [1, 2, 3], referralChanged: [], networkChanged: [], completedReferrals: [], bonusRows: [], credit }),
    ];
    expect(events).toEqual([
      { type: 'earnings.changed', userIds: [1, 3], credit: { tx: 42, at: 1_000, bucket: 0, epoch: 0, amounts: [5, 0, 7, 1] } },
      { type: 'earnings.changed', userIds: [2] },
    ]);
  });
});
