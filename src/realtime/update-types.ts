import { DashboardErrorType } from '../common/errors';
import { EndpointSpec } from './endpoint';
import { mergeNetworkUpdates } from './network-delta';
import { ProtocolError, Role, ServerFrame, ServerMessages, UpdateMessageType } from './protocol';

/** A configured pace of updates per socket: EARNINGS_PUSH_MS or WS_NODE_PUSH_MS. */
export type PushPeriod = 'earnings' | 'node';

/** How the realtime core treats one update type, per socket. */
export interface UpdateTypeRule {
  /** Roles that may subscribe to it (on an endpoint that carries it). */
  readonly roles: readonly Role[];
  /** Roles that get it when their Connect names no `updates`. */
  readonly defaultFor: readonly Role[];
  /**
   * Which configured period (ms) bounds it to one frame per socket, if any: a newer frame within
   * the period is held (latest wins, or merged) and goes out when the period has passed.
   */
  readonly period?: PushPeriod;
  /**
   * Two held frames become one. Without it the newer replaces the older (state: latest wins);
   * with it (deltas) the result must carry both.
   */
  readonly merge?: (older: ServerFrame, newer: ServerFrame) => ServerFrame;
}

/**
 * The update-type registry: every update type with the roles that may receive it, who gets it
 * by default, its per-socket period and how held frames combine. `resolveSubscription` turns a
 * Connect's `updates` into the set a socket receives; the core consults the rules when it sends.
 */
export const UPDATE_TYPE_RULES: Readonly<Record<UpdateMessageType, UpdateTypeRule>> = {
  NetworkUpdate: {
    roles: ['node', 'viewer'],
    defaultFor: ['viewer'],
    merge: (older, newer) =>
      ({
        type: 'NetworkUpdate',
        payload: mergeNetworkUpdates(older.payload as ServerMessages['NetworkUpdate'], newer.payload as ServerMessages['NetworkUpdate']),
      }) satisfies ServerFrame<'NetworkUpdate'>,
  },
  EarningsUpdate: { roles: ['node', 'viewer'], defaultFor: ['viewer'], period: 'earnings' },
  ReferralUpdate: { roles: ['node', 'viewer'], defaultFor: ['viewer'] },
  NotificationUpdate: { roles: ['node', 'viewer'], defaultFor: ['viewer'] },
  // An event, not state: its starting point (the newest notification a socket has accounted for)
  // is set by the snapshot whether or not the socket also takes NotificationUpdate.
  Notification: { roles: ['node', 'viewer'], defaultFor: ['viewer'] },
  // A node's own state: meaningless for a viewer, which has no node.
  NodeUpdate: { roles: ['node'], defaultFor: ['node'], period: 'node' },
  // An event (an epoch the user is in settled or was published), for the people watching.
  SettlementUpdate: { roles: ['node', 'viewer'], defaultFor: ['viewer'] },
};

/**
 * Resolved subscriptions, shared between sockets (tens of thousands of node sockets hold the same
 * set). Bounded: at most every subset of the update types per endpoint and role.
 */
const RESOLVED = new Map<string, ReadonlySet<UpdateMessageType>>();

/**
 * The update types a socket receives: the Connect's `updates` if given (each must be carried by
 * the endpoint and open to the role), else the role's defaults on that endpoint.
 * Throws ProtocolError InvalidNetworkData for a type the socket cannot have.
 */
export function resolveSubscription(
  endpoint: EndpointSpec,
  role: Role,
  requested: readonly UpdateMessageType[] | undefined,
): ReadonlySet<UpdateMessageType> {
  const key = `${endpoint.name}|${role}|${requested === undefined ? '*' : [...new Set(requested)].sort().join(',')}`;
  const known = RESOLVED.get(key);
  if (known !== undefined) return known;
  const resolved = resolve(endpoint, role, requested);
  RESOLVED.set(key, resolved);
  return resolved;
}

function resolve(endpoint: EndpointSpec, role: Role, requested: readonly UpdateMessageType[] | undefined): ReadonlySet<UpdateMessageType> {
  const available = endpoint.carries.filter((type) => UPDATE_TYPE_RULES[type].roles.includes(role));
  if (requested === undefined) {
    return new Set(available.filter((type) => UPDATE_TYPE_RULES[type].defaultFor.includes(role)));
  }
  const unavailable = requested.filter((type) => !available.includes(type));
  if (unavailable.length > 0) {
    throw new ProtocolError(
      DashboardErrorType.InvalidNetworkData,
      `${unavailable.join(', ')} not available to role ${role} on ${endpoint.path} (available: ${available.join(', ') || 'none'})`,
    );
  }
  return new Set(requested);
}
