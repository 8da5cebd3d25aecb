import { ENDPOINTS, EndpointSpec } from '../realtime/endpoint';
import {
  CLIENT_MESSAGES,
  CLOSE_CODE_MEANINGS,
  CloseCode,
  MessageSpec,
  SERVER_MESSAGES,
  ServerMessageType,
  UpdateMessageType,
} from '../realtime/protocol';
import { componentsClosure, JsonSchema, referencedComponents } from './json-schema';

/**
 * The AsyncAPI 3 document of the WebSocket API (/docs/asyncapi.json), built from the protocol's
 * declarations (src/realtime/protocol.ts) and the endpoints (src/realtime/endpoint.ts); the shapes
 * REST shares (NetworkConnection, EarningsData, …) are copied from the OpenAPI document, so each
 * is declared once. Nothing here is written by hand per message.
 *
 * From the server's point of view (AsyncAPI's): each endpoint is a channel; the server
 * `receive`s the client messages and `send`s the server messages that endpoint carries.
 */

export type AsyncApiDocument = JsonSchema & { asyncapi: '3.1.0' };

/** Message and frame-schema ids: `client.Connect`, `server.Connected`, … (names repeat across directions). */
export const clientMessageId = (type: string) => `client.${type}`;
export const serverMessageId = (type: string) => `server.${type}`;

/** The ws binding of every channel: how the upgrade request authenticates and picks a format. */
const WS_BINDING = {
  method: 'GET',
  query: {
    type: 'object',
    properties: {
      token: { type: 'string', description: 'The access token, when it is not sent as `Authorization: Bearer`' },
      format: {
        type: 'string',
        enum: ['json', 'msgpack'],
        default: 'json',
        description: '`msgpack`: binary MessagePack frames carrying the same envelope; default JSON text frames',
      },
    },
  },
  headers: {
    type: 'object',
    properties: { Authorization: { type: 'string', pattern: '^Bearer .+$', description: '`Bearer <access token>`' } },
  },
  bindingVersion: '0.1.0',
};

const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The access token of register, login or refresh, as `Authorization: Bearer <jwt>` on the upgrade request',
  },
  tokenQuery: {
    type: 'httpApiKey',
    in: 'query',
    name: 'token',
    description: 'The same access token as `?token=<jwt>` (browsers cannot set headers on a WebSocket)',
  },
};

const closeCodeNames = Object.keys(CLOSE_CODE_MEANINGS) as Array<keyof typeof CloseCode>;

const DESCRIPTION = `
The WebSocket half of the dashboard contract (docs/API.md, "WebSocket"); the REST half is the OpenAPI
document at /docs-json. Where this document and API.md disagree, API.md wins.

**Authentication.** The access token travels at the upgrade, as \`Authorization: Bearer <jwt>\` or \`?token=<jwt>\`.
A missing, invalid or expired token does not refuse the upgrade (browsers cannot read a refused upgrade's status):
the server accepts it, sends Error Unauthorized (or SessionExpired) and closes with 4401.

**Format.** \`?format=msgpack\` switches the connection to binary MessagePack frames carrying the same envelope; the
default is JSON text frames. Clients may send either kind of frame on any connection.

**Envelope.** Every frame is \`{"type": "<Variant>", "payload": {...}}\`; variants without data omit \`payload\`.
A client sends Connect first (within \`CONNECT_TIMEOUT_MS\`); the server answers Connected followed at once by a
snapshot of every update type the endpoint carries, then pushes updates as state changes.

**Limits.** A frame over \`WS_MAX_MESSAGE_BYTES\` closes with 1009; more than \`WS_MAX_MESSAGES_PER_SECOND\` gets Error
RateLimited, and sustained flooding closes with 1008. Stale updates are coalesced (latest state wins); a socket
that stays far behind is closed with 1013. An instance at its socket limit (\`WS_MAX_CONNECTIONS\`) refuses the
upgrade with HTTP 503 ServiceUnavailable and \`Retry-After\` (a browser sees close 1006): reconnect with backoff.

**Close codes** (also in \`x-close-codes\`):

${closeCodeNames.map((name) => `- \`${CloseCode[name]}\` ${CLOSE_CODE_MEANINGS[name]}`).join('\n')}
`.trim();

/** The envelope of one message: `{type, payload}` (no payload for messages without data). */
function frameSchema(type: string, spec: MessageSpec): JsonSchema {
  const payload = spec.payload === undefined ? undefined : (JSON.parse(JSON.stringify(spec.payload)) as JsonSchema);
  return {
    type: 'object',
    description: spec.summary,
    required: payload === undefined ? ['type'] : ['type', 'payload'],
    properties: { type: { type: 'string', const: type }, ...(payload === undefined ? {} : { payload }) },
  };
}

function messageObject(id: string, type: string, spec: MessageSpec): JsonSchema {
  return {
    name: type,
    title: type,
    summary: spec.summary,
    description: spec.description,
    contentType: 'application/json',
    payload: { $ref: `#/components/schemas/${id}` },
  };
}

/** Server messages an endpoint sends: every control message, and the updates it carries. */
export function serverMessagesOf(endpoint: EndpointSpec): ServerMessageType[] {
  return (Object.keys(SERVER_MESSAGES) as ServerMessageType[]).filter(
    (type) => (SERVER_MESSAGES[type] as MessageSpec).update !== true || endpoint.carries.includes(type as UpdateMessageType),
  );
}

function channelOf(endpoint: EndpointSpec): JsonSchema {
  const messages: Record<string, unknown> = {};
  for (const type of Object.keys(CLIENT_MESSAGES)) {
    messages[clientMessageId(type)] = { $ref: `#/components/messages/${clientMessageId(type)}` };
  }
  for (const type of serverMessagesOf(endpoint)) {
    messages[serverMessageId(type)] = { $ref: `#/components/messages/${serverMessageId(type)}` };
  }
  return {
    address: endpoint.path,
    title: endpoint.path,
    description:
      `Updates: ${endpoint.carries.join(', ')}. Roles: ${endpoint.roles.join(', ')} (default ${endpoint.defaultRole}). ` +
      'The snapshot after Connected holds one message of each update type.',
    messages,
    bindings: { ws: WS_BINDING },
  };
}

function operationsOf(endpoint: EndpointSpec): Record<string, JsonSchema> {
  const channel = { $ref: `#/channels/${endpoint.name}` };
  const ref = (id: string) => ({ $ref: `#/channels/${endpoint.name}/messages/${id}` });
  return {
    [`${endpoint.name}.receive`]: {
      action: 'receive',
      channel,
      title: `Client messages on ${endpoint.path}`,
      summary: 'Connect first; then Heartbeat every heartbeat_interval_ms; Disconnect to end',
      messages: Object.keys(CLIENT_MESSAGES).map((type) => ref(clientMessageId(type))),
    },
    [`${endpoint.name}.send`]: {
      action: 'send',
      channel,
      title: `Server messages on ${endpoint.path}`,
      summary: 'Connected and the snapshot, then updates, Heartbeat answers, errors and the reason of a server-side close',
      messages: serverMessagesOf(endpoint).map((type) => ref(serverMessageId(type))),
    },
  };
}

/** Builds the document; `openapi` supplies the REST shapes that frames reuse. */
export function buildAsyncApiDocument(openapi: { components?: { schemas?: Record<string, unknown> } }): AsyncApiDocument {
  const frames: Record<string, JsonSchema> = {};
  const messages: Record<string, JsonSchema> = {};
  for (const [type, spec] of Object.entries(CLIENT_MESSAGES) as Array<[string, MessageSpec]>) {
    frames[clientMessageId(type)] = frameSchema(type, spec);
    messages[clientMessageId(type)] = messageObject(clientMessageId(type), type, spec);
  }
  for (const [type, spec] of Object.entries(SERVER_MESSAGES) as Array<[string, MessageSpec]>) {
    frames[serverMessageId(type)] = frameSchema(type, spec);
    messages[serverMessageId(type)] = messageObject(serverMessageId(type), type, spec);
  }
  const shared = componentsClosure(referencedComponents(frames), (openapi.components?.schemas ?? {}) as Record<string, JsonSchema>);

  return {
    asyncapi: '3.1.0',
    info: {
      title: 'DePIN dashboard WebSocket API',
      version: '1',
      description: DESCRIPTION,
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:3000',
        protocol: 'ws',
        description:
          'An instance on its defaults (`npm start`). Elsewhere: the host of the HTTP API, over wss behind TLS.',
        security: [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/tokenQuery' }],
      },
    },
    channels: Object.fromEntries(ENDPOINTS.map((endpoint) => [endpoint.name, channelOf(endpoint)])),
    operations: Object.assign({}, ...ENDPOINTS.map(operationsOf)) as Record<string, JsonSchema>,
    components: {
      schemas: { ...shared, ...frames },
      messages,
      securitySchemes: SECURITY_SCHEMES,
    },
    'x-close-codes': closeCodeNames.map((name) => ({ code: CloseCode[name], name, meaning: CLOSE_CODE_MEANINGS[name] })),
  };
}
