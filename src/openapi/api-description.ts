import { ENDPOINTS } from '../realtime/endpoint';
import { ClientMessageType, CloseCode, ServerMessageType } from '../realtime/protocol';

/**
 * The description of the OpenAPI document: conventions, and a summary of the WebSocket protocol,
 * which OpenAPI cannot express. API.md is the contract; this summary must agree with it. The
 * tables are built from the protocol's own constants, and each record below is exhaustive, so a
 * new message type or close code does not build until it is described here.
 */

const CLIENT_MESSAGES: Record<ClientMessageType, string> = {
  Connect:
    '`{user_id?, device_id, network_name?, role?}`: the first message, within `CONNECT_TIMEOUT_MS`. ' +
    "`user_id`, when given, must be the token's user (else Error Unauthorized and close 4401). " +
    '`device_id`: 1–64 of `[A-Za-z0-9._:-]`; `network_name`: 1–64 printable characters (default: the device_id); ' +
    'a bad one is answered with Error InvalidNetworkData and the socket stays open for another Connect. ' +
    '`role`: `node` (default on /ws/dashboard) earns, `viewer` only watches. One node per user and `device_id` ' +
    'across the cluster: a second node session replaces the first, which is closed with 4001.',
  Heartbeat: 'every `heartbeat_interval_ms`; the server answers Heartbeat. A node earns on each Heartbeat.',
  Disconnect: 'the server marks the node disconnected and closes with 1000.',
};

const SERVER_MESSAGES: Record<ServerMessageType, string> = {
  Connected:
    '`{session_id, user_id, device_id, role, heartbeat_interval_ms, server_time}`: the reply to Connect, followed at once ' +
    'by a snapshot of the current state (every update type the endpoint carries), so a reconnect recovers everything.',
  NetworkUpdate: "`{networks: [NetworkConnection]}`: all of the user's nodes, whenever one changes.",
  EarningsUpdate: '`{earnings: EarningsData}`: coalesced, at most one per `EARNINGS_PUSH_MS`, only when something changed.',
  ReferralUpdate: '`{referrals: ReferralData}`: when a referral is created or changes status, or referral points change.',
  NotificationUpdate: '`{unread}`: the number of unread notifications; in the snapshot, and whenever it changes.',
  Notification:
    '`{notification: Notification}`: each new notification of the feed, as it is recorded (a socket too slow for ' +
    'all gets the latest; the count and `GET /api/notifications` have the rest).',
  Heartbeat: 'the answer to a client Heartbeat.',
  Error: '`{error, message}`: `error` is an ErrorType, as in HTTP error bodies.',
  Disconnect: '`{reason}`: sent before a server-side close.',
};

const CLOSE_CODES: Record<keyof typeof CloseCode, string> = {
  Normal: 'normal (after a client Disconnect)',
  GoingAway: 'server shutting down: reconnect elsewhere, with backoff',
  PolicyViolation: 'policy: sustained flooding (more than `WS_MAX_MESSAGES_PER_SECOND`)',
  MessageTooBig: 'frame larger than `WS_MAX_MESSAGE_BYTES`',
  InternalError: 'internal error, or the token could not be checked (e.g. database down): reconnect later, no refresh needed',
  TryAgainLater: 'too slow: the socket stayed far behind its updates',
  HeartbeatTimeout: 'heartbeat timeout: no message for `CLIENT_TIMEOUT_MS`',
  Replaced: 'replaced (same user and device connected again elsewhere) or node deleted: do not reconnect',
  Unauthorized: 'unauthorized or session expired: refresh the token, then reconnect',
  ConnectTimeout: 'no Connect within `CONNECT_TIMEOUT_MS`',
};

function list(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([name, text]) => `- **${name}** — ${text}`)
    .join('\n');
}

const endpoints = ENDPOINTS.map(
  (endpoint) =>
    `| \`${endpoint.path}\` | ${endpoint.carries.join(', ')} | ${endpoint.roles.join(', ')} (default ${endpoint.defaultRole}) |`,
).join('\n');

const closeCodes = (Object.keys(CLOSE_CODES) as Array<keyof typeof CloseCode>)
  .map((name) => `| ${CloseCode[name]} | ${CLOSE_CODES[name]} |`)
  .join('\n');

export const API_DESCRIPTION = `
The REST half of the dashboard contract. The whole contract (REST, WebSocket, earning rules,
configuration) is **API.md**; where this document and API.md disagree, API.md wins.

## Conventions

- JSON everywhere; field names \`snake_case\`; enum values \`PascalCase\`.
- Timestamps: RFC 3339 UTC strings. Ids: integers below 2^53. Points: JSON numbers with at most 6 decimals.
- Authentication: \`Authorization: Bearer <access_token>\` (from register, login or refresh) on every route
  except the public ones (auth, health, metrics, email unsubscribe links).
- Every response carries an \`x-request-id\` header (a sane client-supplied one is kept).
- Errors have the \`ErrorBody\` shape \`{error, message, request_id, details?}\`; 5xx messages are generic.
  An unknown route is 404 EntityNotFound.
- Paged lists are \`{items, next_cursor}\`, newest first: pass \`next_cursor\` back as \`cursor\`; it is null on
  the last page. \`limit\` is 1–200, default 50.

## WebSocket protocol

OpenAPI cannot describe it; this is a summary of API.md, "WebSocket".

| endpoint | updates | roles |
| --- | --- | --- |
${endpoints}

The access token travels at the upgrade, as \`Authorization: Bearer <jwt>\` or \`?token=<jwt>\`. A missing,
invalid or expired token does not refuse the upgrade: the server accepts it, sends Error Unauthorized (or
SessionExpired) and closes with 4401. \`?format=msgpack\` switches to binary MessagePack frames carrying the same
envelope; the default is JSON text frames.

Envelope: \`{"type": "<Variant>", "payload": {...}}\`; variants without data omit \`payload\`.

Client → server:

${list(CLIENT_MESSAGES)}

Server → client:

${list(SERVER_MESSAGES)}

Limits: a frame over \`WS_MAX_MESSAGE_BYTES\` closes with 1009; more than \`WS_MAX_MESSAGES_PER_SECOND\` gets
Error RateLimited, and sustained flooding closes with 1008. Stale updates are coalesced (latest state wins); a
socket that stays far behind is closed with 1013.

| close code | meaning |
| --- | --- |
${closeCodes}
`.trim();
