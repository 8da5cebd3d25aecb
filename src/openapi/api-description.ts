import { ENDPOINTS } from '../realtime/endpoint';
import { CLIENT_MESSAGES, CLOSE_CODE_MEANINGS, CloseCode, MessageSpec, SERVER_MESSAGES } from '../realtime/protocol';

/**
 * The description of the OpenAPI document: conventions, and a summary of the WebSocket protocol,
 * which OpenAPI cannot express (the AsyncAPI document describes it in full). API.md is the
 * contract; this summary must agree with it. The lists are built from the protocol's own
 * declarations (src/realtime/protocol.ts), so a new message or close code appears here by itself.
 */

function list(messages: Readonly<Record<string, MessageSpec>>): string {
  return Object.entries(messages)
    .map(([name, message]) => `- **${name}** — ${message.description}`)
    .join('\n');
}

const endpoints = ENDPOINTS.map(
  (endpoint) =>
    `| \`${endpoint.path}\` | ${endpoint.carries.join(', ')} | ${endpoint.roles.join(', ')} (default ${endpoint.defaultRole}) |`,
).join('\n');

const closeCodes = (Object.keys(CLOSE_CODE_MEANINGS) as Array<keyof typeof CloseCode>)
  .map((name) => `| ${CloseCode[name]} | ${CLOSE_CODE_MEANINGS[name]} |`)
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

OpenAPI cannot describe it; this is a summary of API.md, "WebSocket". The AsyncAPI 3 document describes every
message and payload: \`/docs/asyncapi.json\`, rendered at [/docs/asyncapi](/docs/asyncapi).

| endpoint | updates | roles |
| --- | --- | --- |
${endpoints}

The access token travels at the upgrade, as \`Authorization: Bearer <jwt>\` or \`?token=<jwt>\`. A missing,
invalid or expired token does not refuse the upgrade: the server accepts it, sends Error Unauthorized (or
SessionExpired) and closes with 4401. An instance at its socket limit (\`WS_MAX_CONNECTIONS\`) refuses the upgrade
with 503 ServiceUnavailable and \`Retry-After\`. \`?format=msgpack\` switches to binary MessagePack frames carrying the same
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
