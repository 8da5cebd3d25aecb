import { DashboardErrorType } from '../common/errors';
import { EarningsDataJson } from '../modules/earnings/earnings.mapper';
import { NetworkConnectionJson } from '../modules/network/network.mapper';
import { NotificationJson } from '../modules/notification/notification.mapper';
import { ReferralDataJson } from '../modules/referral/referral.mapper';

/** Close codes of API.md, in one place. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
  HeartbeatTimeout: 4000,
  Replaced: 4001,
  Unauthorized: 4401,
  ConnectTimeout: 4408,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export type Role = 'node' | 'viewer';

/** Server → client messages and their payloads (the typed event map of the realtime core). */
export interface ServerMessages {
  Connected: {
    session_id: string;
    user_id: number;
    device_id: string;
    role: Role;
    heartbeat_interval_ms: number;
    server_time: string;
  };
  NetworkUpdate: { networks: NetworkConnectionJson[] };
  EarningsUpdate: { earnings: EarningsDataJson };
  ReferralUpdate: { referrals: ReferralDataJson };
  /** Notifications (issue 17): the unread count (state) and each new feed entry (an event). */
  NotificationUpdate: { unread: number };
  Notification: { notification: NotificationJson };
  Heartbeat: undefined;
  Error: { error: DashboardErrorType; message: string };
  Disconnect: { reason: string };
}
export type ServerMessageType = keyof ServerMessages;

/**
 * State updates: coalesced per socket (the latest replaces an unsent older one). `Notification`
 * is an event, not state, but rides the same path: a socket too slow to take them all gets the
 * latest, and NotificationUpdate's count and the feed (REST) carry the rest.
 */
export type UpdateMessageType = 'NetworkUpdate' | 'EarningsUpdate' | 'ReferralUpdate' | 'NotificationUpdate' | 'Notification';
export const UPDATE_TYPES: readonly UpdateMessageType[] = [
  'NetworkUpdate',
  'EarningsUpdate',
  'ReferralUpdate',
  'NotificationUpdate',
  'Notification',
];

export interface ServerFrame<T extends ServerMessageType = ServerMessageType> {
  type: T;
  payload?: ServerMessages[T];
}

export interface ConnectPayload {
  user_id?: number;
  device_id: string;
  network_name?: string;
  role?: Role;
}

/** What clients may send. */
export type ClientMessage =
  | { type: 'Connect'; payload: ConnectPayload }
  | { type: 'Heartbeat' }
  | { type: 'Disconnect' };
export type ClientMessageType = ClientMessage['type'];

const SERVER_ONLY: ReadonlySet<string> = new Set([
  'Connected',
  'NetworkUpdate',
  'EarningsUpdate',
  'ReferralUpdate',
  'NotificationUpdate',
  'Notification',
  'Error',
]);

/** Why a decoded value is not a client message (an Error frame; the socket stays open). */
export class ProtocolError extends Error {
  constructor(
    readonly type: DashboardErrorType.MessageParseError | DashboardErrorType.InvalidNetworkData,
    message: string,
  ) {
    super(message);
  }
}

const DEVICE_ID = /^[A-Za-z0-9._:-]{1,64}$/;
// Printable: no control characters (C0, DEL, C1), 1–64 characters.
const NETWORK_NAME = /^[^\u0000-\u001f\u007f-\u009f]{1,64}$/u;

/**
 * Validates a decoded envelope into a client message. Envelope problems are MessageParseError;
 * a Connect with a bad device_id, network_name, role or user_id is InvalidNetworkData.
 */
export function toClientMessage(value: unknown): ClientMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(DashboardErrorType.MessageParseError, 'A message is an object {"type", "payload"}');
  }
  const { type, payload } = value as { type?: unknown; payload?: unknown };
  if (typeof type !== 'string') {
    throw new ProtocolError(DashboardErrorType.MessageParseError, 'A message needs a string "type"');
  }
  switch (type) {
    case 'Heartbeat':
    case 'Disconnect':
      return { type };
    case 'Connect':
      return { type, payload: toConnectPayload(payload) };
    default:
      throw new ProtocolError(
        DashboardErrorType.MessageParseError,
        SERVER_ONLY.has(type) ? `${type} is sent by the server, not by clients` : 'Unknown message type',
      );
  }
}

function toConnectPayload(payload: unknown): ConnectPayload {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'Connect needs a payload with device_id');
  }
  const { user_id, device_id, network_name, role } = payload as Record<string, unknown>;
  if (typeof device_id !== 'string' || !DEVICE_ID.test(device_id)) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'device_id must be 1-64 of [A-Za-z0-9._:-]');
  }
  if (network_name !== undefined && (typeof network_name !== 'string' || !NETWORK_NAME.test(network_name))) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'network_name must be 1-64 printable characters');
  }
  if (role !== undefined && role !== 'node' && role !== 'viewer') {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'role must be "node" or "viewer"');
  }
  if (user_id !== undefined && !(typeof user_id === 'number' && Number.isSafeInteger(user_id) && user_id > 0)) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'user_id must be a positive integer');
  }
  return {
    device_id,
    ...(network_name === undefined ? {} : { network_name: network_name as string }),
    ...(role === undefined ? {} : { role: role as Role }),
    ...(user_id === undefined ? {} : { user_id: user_id as number }),
  };
}
