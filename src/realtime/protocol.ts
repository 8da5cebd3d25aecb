import { Static, TSchema, Type } from '@sinclair/typebox';
import { DashboardErrorType } from '../common/errors';
import { EarningsDataJson } from '../modules/earnings/earnings.mapper';
import { NetworkConnectionJson } from '../modules/network/network.mapper';
import { NotificationJson } from '../modules/notification/notification.mapper';
import { ReferralDataJson } from '../modules/referral/referral.mapper';
import { SettlementEpochJson } from '../modules/settlement/settlement.mapper';

/**
 * The WebSocket protocol of API.md, declared once: every message with its payload schema and its
 * description. The TypeScript types below are derived from these schemas, and so are the AsyncAPI
 * document (/docs/asyncapi.json, src/openapi/asyncapi-document.ts), the protocol summary of the
 * OpenAPI document, the web client's generated types and the test client's frame validation.
 * Adding a message is adding one entry to CLIENT_MESSAGES or SERVER_MESSAGES (and, for a state
 * update, its type to the `carries` of the endpoints that send it, in endpoint.ts).
 */

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

/** What each close code means to a client (the documents' close-code tables). */
export const CLOSE_CODE_MEANINGS: Readonly<Record<keyof typeof CloseCode, string>> = {
  Normal: 'normal (after a client Disconnect)',
  GoingAway: 'server shutting down: reconnect elsewhere, with backoff',
  PolicyViolation: 'policy: sustained flooding (more than `WS_MAX_MESSAGES_PER_SECOND`)',
  MessageTooBig: 'frame larger than `WS_MAX_MESSAGE_BYTES`',
  InternalError: 'internal error, or the token could not be checked (e.g. database down): reconnect later, no refresh needed',
  TryAgainLater: 'try again later: the socket stayed far behind its updates; reconnect with backoff',
  HeartbeatTimeout: 'heartbeat timeout: no message for `CLIENT_TIMEOUT_MS`',
  Replaced: 'replaced (same user and device connected again elsewhere) or node deleted: do not reconnect',
  Unauthorized: 'unauthorized or session expired: refresh the token, then reconnect',
  ConnectTimeout: 'no Connect within `CONNECT_TIMEOUT_MS`',
};

export const ROLES = ['node', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

// ---------------------------------------------------------------- schema building blocks

/**
 * A shape the REST API already documents (a component of the OpenAPI document, built from the
 * `*Response` classes), reused in a frame; `T` is its mapper type. The AsyncAPI document copies
 * the component, so the shape is declared once for REST and WebSocket alike.
 */
function restSchema<T>(component: string) {
  return Type.Unsafe<T>({ $ref: `#/components/schemas/${component}` });
}

function stringEnum<T extends string>(values: readonly T[], description: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], description });
}

/** `device_id`: also the pattern `toClientMessage` enforces. */
const DEVICE_ID = '^[A-Za-z0-9._:-]{1,64}$';
/** `network_name`: printable (no C0, DEL or C1 control characters), 1–64 characters. */
const NETWORK_NAME = '^[^\\u0000-\\u001f\\u007f-\\u009f]{1,64}$';

const deviceId = (description: string) => Type.String({ pattern: DEVICE_ID, description, examples: ['rpi-kitchen-01'] });
const userId = (description: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description, examples: [42] });

/** One message: what it is for, and its payload (absent for messages without data). */
export interface MessageSpec {
  readonly summary: string;
  readonly description: string;
  readonly payload?: TSchema;
  /** State updates are coalesced per socket and sent only on endpoints that carry them. */
  readonly update?: true;
}

// ---------------------------------------------------------------- server → client

export const SERVER_MESSAGES = {
  Connected: {
    summary: 'The reply to Connect, followed at once by a snapshot of the current state',
    description:
      '`{session_id, user_id, device_id, role, heartbeat_interval_ms, server_time}`: the reply to Connect, followed at once ' +
      'by a snapshot of the current state (every subscribed update type that has state), so a reconnect recovers everything.',
    payload: Type.Object({
      session_id: Type.String({ minLength: 1, description: 'This socket session', examples: ['V1StGXR8_Z5jdHi6'] }),
      user_id: userId("The token's user"),
      device_id: deviceId('As sent in Connect'),
      role: stringEnum(ROLES, 'The role of this session'),
      heartbeat_interval_ms: Type.Integer({ minimum: 1, description: 'Send a Heartbeat this often (HEARTBEAT_INTERVAL_MS)', examples: [30000] }),
      server_time: Type.String({ format: 'date-time', description: "The server's clock", examples: ['2026-11-29T08:00:00.000Z'] }),
    }),
  },
  NetworkUpdate: {
    summary: "The user's nodes: all of them in the snapshot, then what changed",
    description:
      "`{networks: [NetworkConnection], removed: [id], full}`: in the snapshot (and whenever the server cannot send a delta) " +
      "`full: true` and `networks` is every node of the user; later frames are deltas, `full: false`, carrying only the nodes " +
      'added or changed since the previous NetworkUpdate of this socket and the ids of nodes deleted since then. ' +
      'A client keeps a map by id: a full frame replaces it, a delta upserts `networks` and drops `removed`.',
    payload: Type.Object({
      networks: Type.Array(restSchema<NetworkConnectionJson>('NetworkConnection'), {
        description: 'Full frame: every node; delta: the nodes added or changed',
      }),
      removed: Type.Array(Type.Integer({ minimum: 1 }), { description: 'Ids of nodes deleted since the previous frame (empty in a full frame)' }),
      full: Type.Boolean({ description: 'true: `networks` is the whole list; false: a delta' }),
    }),
    update: true,
  },
  NodeUpdate: {
    summary: "A node socket's own node and what it has earned",
    description:
      '`{node: NetworkConnection, earnings: {today, total}}`: the default (and only) update of role `node`: its own node and ' +
      'the points that node earned since 00:00 UTC and in all. In the snapshot, then at most once per `NODE_PUSH_MS` when it changed.',
    payload: Type.Object({
      node: restSchema<NetworkConnectionJson>('NetworkConnection'),
      earnings: Type.Object({
        today: Type.Number({ minimum: 0, description: 'Points this node earned since 00:00 UTC', examples: [12.5] }),
        total: Type.Number({ minimum: 0, description: 'Points this node earned in all (its points_earned)', examples: [1520.75] }),
      }),
    }),
    update: true,
  },
  EarningsUpdate: {
    summary: "The user's totals, when they changed",
    description: '`{earnings: EarningsData}`: coalesced, at most one per `EARNINGS_PUSH_MS`, only when something changed.',
    payload: Type.Object({ earnings: restSchema<EarningsDataJson>('EarningsData') }),
    update: true,
  },
  ReferralUpdate: {
    summary: "The user's referral totals, when they changed",
    description: '`{referrals: ReferralData}`: when a referral is created or changes status, or referral points change.',
    payload: Type.Object({ referrals: restSchema<ReferralDataJson>('ReferralData') }),
    update: true,
  },
  NotificationUpdate: {
    summary: "The user's unread notification count, when it changed",
    description: '`{unread}`: in the snapshot on /ws/dashboard, then whenever a notification arrives or is read.',
    payload: Type.Object({ unread: Type.Integer({ minimum: 0, description: 'Unread notifications', examples: [3] }) }),
    update: true,
  },
  Notification: {
    summary: 'A new notification in the feed',
    description:
      '`{notification}`: each new entry of the feed (as in GET /api/notifications), when its type is enabled for the app. ' +
      'An event rather than state: a socket too slow to take them all gets the latest; the count and the feed carry the rest.',
    payload: Type.Object({ notification: restSchema<NotificationJson>('Notification') }),
    update: true,
  },
  SettlementUpdate: {
    summary: 'An epoch the user is in was settled or published',
    description:
      '`{epoch: SettlementEpoch}` (as in GET /api/settlement/epochs, with the user\'s amount): when an epoch in which the user ' +
      'has an amount is settled, and when its root is published. An event, not part of the snapshot.',
    payload: Type.Object({ epoch: restSchema<SettlementEpochJson>('SettlementEpoch') }),
    update: true,
  },
  Heartbeat: {
    summary: 'The answer to a client Heartbeat',
    description: 'the answer to a client Heartbeat.',
  },
  Error: {
    summary: 'A request failed; the socket stays open unless a close follows',
    description: '`{error, message}`: `error` is an ErrorType, as in HTTP error bodies.',
    payload: Type.Object({
      error: restSchema<DashboardErrorType>('ErrorType'),
      message: Type.String({ description: 'Human readable', examples: ['device_id must be 1-64 of [A-Za-z0-9._:-]'] }),
    }),
  },
  Disconnect: {
    summary: 'Sent before a server-side close',
    description: '`{reason}`: sent before a server-side close.',
    payload: Type.Object({ reason: Type.String({ description: 'Why the server closes', examples: ['heartbeat timeout'] }) }),
  },
} as const satisfies Record<string, MessageSpec>;

// ---------------------------------------------------------------- types derived from the schemas

type PayloadOf<M> = M extends { readonly payload: infer P extends TSchema } ? Static<P> : undefined;

/** Server → client messages and their payloads (the typed event map of the realtime core). */
export type ServerMessages = { [K in keyof typeof SERVER_MESSAGES]: PayloadOf<(typeof SERVER_MESSAGES)[K]> };
export type ServerMessageType = keyof ServerMessages;

/** State updates: coalesced per socket (the latest replaces an unsent older one). */
export type UpdateMessageType = {
  [K in ServerMessageType]: (typeof SERVER_MESSAGES)[K] extends { readonly update: true } ? K : never;
}[ServerMessageType];
export const UPDATE_TYPES = (Object.keys(SERVER_MESSAGES) as ServerMessageType[]).filter(
  (type): type is UpdateMessageType => (SERVER_MESSAGES[type] as MessageSpec).update === true,
);
/** Entries of Connect's `updates` at most (more than there are types is a malformed request). */
const MAX_UPDATES_LISTED = 16;

// ---------------------------------------------------------------- client → server

const CONNECT_PAYLOAD = Type.Object({
  user_id: Type.Optional(userId("When given, must be the token's user (else Error Unauthorized and close 4401)")),
  device_id: deviceId('The device; one node session per user and device_id across the cluster'),
  network_name: Type.Optional(
    Type.String({ pattern: NETWORK_NAME, description: 'Display name, 1–64 printable characters (default: the device_id)', examples: ['Home node'] }),
  ),
  role: Type.Optional(
    stringEnum(ROLES, '`node` (the default on /ws/dashboard) earns; `viewer` (the only role on the other endpoints) only watches'),
  ),
  updates: Type.Optional(
    Type.Array(stringEnum(UPDATE_TYPES, 'An update type'), {
      maxItems: MAX_UPDATES_LISTED,
      description:
        'The update types this socket wants, a subset of what the endpoint carries for the role (default: viewers every ' +
        'type the endpoint carries, nodes `NodeUpdate` only). An unknown or unavailable type: Error InvalidNetworkData.',
      examples: [['NodeUpdate', 'EarningsUpdate']],
    }),
  ),
});

export const CLIENT_MESSAGES = {
  Connect: {
    summary: 'Start the session: the first message, within CONNECT_TIMEOUT_MS',
    description:
      "`user_id`, when given, must be the token's user (else Error Unauthorized and close 4401). " +
      '`device_id`: 1–64 of `[A-Za-z0-9._:-]`; `network_name`: 1–64 printable characters (default: the device_id); ' +
      'a bad one is answered with Error InvalidNetworkData and the socket stays open for another Connect. ' +
      '`role`: `node` (default on /ws/dashboard) earns, `viewer` only watches. One node per user and `device_id` ' +
      'across the cluster: a second node session replaces the first, which is closed with 4001. ' +
      '`updates`: the update types wanted (default: viewers every type the endpoint carries, nodes NodeUpdate only); ' +
      'an unknown type, or one the endpoint does not carry for the role, is answered with Error InvalidNetworkData.',
    payload: CONNECT_PAYLOAD,
  },
  Heartbeat: {
    summary: 'Keep-alive, every heartbeat_interval_ms',
    description: 'every `heartbeat_interval_ms`; the server answers Heartbeat. A node earns on each Heartbeat.',
  },
  Disconnect: {
    summary: 'End the session',
    description: 'the server marks the node disconnected and closes with 1000.',
  },
} as const satisfies Record<string, MessageSpec>;

export interface ServerFrame<T extends ServerMessageType = ServerMessageType> {
  type: T;
  payload?: ServerMessages[T];
}

export type ConnectPayload = Static<typeof CONNECT_PAYLOAD>;

/** What clients may send. */
export type ClientMessage = {
  [K in keyof typeof CLIENT_MESSAGES]: (typeof CLIENT_MESSAGES)[K] extends { readonly payload: infer P extends TSchema }
    ? { type: K; payload: Static<P> }
    : { type: K };
}[keyof typeof CLIENT_MESSAGES];
export type ClientMessageType = ClientMessage['type'];

// ---------------------------------------------------------------- validation of client frames

const SERVER_ONLY: ReadonlySet<string> = new Set(
  Object.keys(SERVER_MESSAGES).filter((type) => !Object.hasOwn(CLIENT_MESSAGES, type)),
);

/** Why a decoded value is not a client message (an Error frame; the socket stays open). */
export class ProtocolError extends Error {
  constructor(
    readonly type: DashboardErrorType.MessageParseError | DashboardErrorType.InvalidNetworkData,
    message: string,
  ) {
    super(message);
  }
}

const DEVICE_ID_RE = new RegExp(DEVICE_ID, 'u');
const NETWORK_NAME_RE = new RegExp(NETWORK_NAME, 'u');

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
  const { user_id, device_id, network_name, role, updates } = payload as Record<string, unknown>;
  if (typeof device_id !== 'string' || !DEVICE_ID_RE.test(device_id)) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'device_id must be 1-64 of [A-Za-z0-9._:-]');
  }
  if (network_name !== undefined && (typeof network_name !== 'string' || !NETWORK_NAME_RE.test(network_name))) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'network_name must be 1-64 printable characters');
  }
  if (role !== undefined && !(ROLES as readonly unknown[]).includes(role)) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'role must be "node" or "viewer"');
  }
  if (user_id !== undefined && !(typeof user_id === 'number' && Number.isSafeInteger(user_id) && user_id > 0)) {
    throw new ProtocolError(DashboardErrorType.InvalidNetworkData, 'user_id must be a positive integer');
  }
  if (updates !== undefined && !isUpdateList(updates)) {
    throw new ProtocolError(
      DashboardErrorType.InvalidNetworkData,
      `updates must be a list of at most ${MAX_UPDATES_LISTED} of ${UPDATE_TYPES.join(', ')}`,
    );
  }
  return {
    device_id,
    ...(network_name === undefined ? {} : { network_name: network_name as string }),
    ...(role === undefined ? {} : { role: role as Role }),
    ...(user_id === undefined ? {} : { user_id: user_id as number }),
    ...(updates === undefined ? {} : { updates: [...new Set(updates)] }),
  };
}

function isUpdateList(value: unknown): value is UpdateMessageType[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_UPDATES_LISTED &&
    value.every((type) => (UPDATE_TYPES as readonly unknown[]).includes(type))
  );
}
