import { DASHBOARD_ENDPOINT, EARNINGS_ENDPOINT } from './endpoint';
import { ProtocolError } from './protocol';
import { resolveSubscription } from './update-types';

describe('resolveSubscription', () => {
  it('gives a node its own NodeUpdate and a viewer every dashboard type but NodeUpdate by default', () => {
    expect([...resolveSubscription(DASHBOARD_ENDPOINT, 'node', undefined)]).toEqual(['NodeUpdate']);
    expect([...resolveSubscription(DASHBOARD_ENDPOINT, 'viewer', undefined)]).toEqual([
      'NetworkUpdate',
      'EarningsUpdate',
      'ReferralUpdate',
      'NotificationUpdate',
      'Notification',
      'SettlementUpdate',
    ]);
    expect([...resolveSubscription(EARNINGS_ENDPOINT, 'viewer', undefined)]).toEqual(['EarningsUpdate', 'SettlementUpdate']);
  });

  it('gives what is asked for when the endpoint carries it for the role, nothing for an empty list', () => {
    expect([...resolveSubscription(DASHBOARD_ENDPOINT, 'node', ['EarningsUpdate', 'NodeUpdate'])]).toEqual(['EarningsUpdate', 'NodeUpdate']);
    expect([...resolveSubscription(DASHBOARD_ENDPOINT, 'viewer', [])]).toEqual([]);
  });

  it.each([
    ['NodeUpdate for a viewer', DASHBOARD_ENDPOINT, 'viewer', ['NodeUpdate']],
    ['a type the endpoint does not carry', EARNINGS_ENDPOINT, 'viewer', ['NetworkUpdate']],
  ] as const)('refuses %s with InvalidNetworkData', (_case, endpoint, role, updates) => {
    expect(() => resolveSubscription(endpoint, role, updates)).toThrow(ProtocolError);
    try {
      resolveSubscription(endpoint, role, updates);
    } catch (error) {
      expect((error as ProtocolError).type).toBe('InvalidNetworkData');
    }
  });
});
