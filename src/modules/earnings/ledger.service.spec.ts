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
});
