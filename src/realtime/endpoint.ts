import { Role, ServerFrame, UpdateMessageType } from './protocol';

/**
 * What a WebSocket endpoint is: its path, the update messages its sockets receive, the roles it
 * allows, and how to build the snapshot sent right after Connected.
 */
export interface EndpointSpec {
  readonly name: 'dashboard' | 'earnings' | 'referrals';
  readonly path: string;
  readonly carries: readonly UpdateMessageType[];
  readonly roles: readonly Role[];
  readonly defaultRole: Role;
}

export const DASHBOARD_ENDPOINT: EndpointSpec = {
  name: 'dashboard',
  path: '/ws/dashboard',
  carries: ['NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate', 'NotificationUpdate', 'Notification', 'NodeUpdate', 'SettlementUpdate'],
  roles: ['node', 'viewer'],
  defaultRole: 'node',
};

export const EARNINGS_ENDPOINT: EndpointSpec = {
  name: 'earnings',
  path: '/ws/earnings',
  carries: ['EarningsUpdate', 'SettlementUpdate'],
  roles: ['viewer'],
  defaultRole: 'viewer',
};

export const REFERRALS_ENDPOINT: EndpointSpec = {
  name: 'referrals',
  path: '/ws/referrals',
  carries: ['ReferralUpdate'],
  roles: ['viewer'],
  defaultRole: 'viewer',
};

export const ENDPOINTS: readonly EndpointSpec[] = [DASHBOARD_ENDPOINT, EARNINGS_ENDPOINT, REFERRALS_ENDPOINT];

/** Builds the current state of one update type for a user (the snapshot and live pushes alike). */
export type UpdateSource = (userIds: readonly number[]) => Promise<Map<number, ServerFrame>>;
