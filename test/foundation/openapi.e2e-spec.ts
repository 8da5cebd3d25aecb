import { DashboardErrorType } from '../../src/common/errors';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The OpenAPI document (/docs-json) against API.md: every route with its method, the fields of
 * every response shape (written out here from API.md, not read from the code), the statuses each
 * route can answer, bearer security, query parameters and the WebSocket summary.
 */

// ---------------------------------------------------------------- expected shapes, from API.md

interface Field {
  readonly kind: 'integer' | 'number' | 'string' | 'boolean' | 'timestamp' | 'enum' | 'object' | 'array' | 'map';
  readonly nullable?: boolean;
  readonly optional?: boolean;
  readonly values?: readonly string[];
  readonly shape?: Shape;
  readonly items?: Field;
  /** Schema keywords that must have exactly these values (bounds, defaults). */
  readonly exactly?: Readonly<Record<string, unknown>>;
}
type Shape = Readonly<Record<string, Field>>;

const integer: Field = { kind: 'integer' };
const number: Field = { kind: 'number' };
const string: Field = { kind: 'string' };
const boolean: Field = { kind: 'boolean' };
const timestamp: Field = { kind: 'timestamp' };
const map: Field = { kind: 'map' };
const nullable = (field: Field): Field => ({ ...field, nullable: true });
const optional = (field: Field): Field => ({ ...field, optional: true });
const oneOf = (...values: string[]): Field => ({ kind: 'enum', values });
const object = (shape: Shape): Field => ({ kind: 'object', shape });
const arrayOf = (items: Field): Field => ({ kind: 'array', items });
const bounded = (field: Field, exactly: Record<string, unknown>): Field => ({ ...field, exactly });
const page = (item: Shape): Shape => ({ items: arrayOf(object(item)), next_cursor: nullable(string) });

const USER: Shape = {
  id: integer,
  email: string,
  username: string,
  wallet_address: nullable(string),
  referral_code: string,
  role: oneOf('user', 'admin'),
  created_at: timestamp,
  last_active: timestamp,
};
const TOKENS: Shape = {
  user: object(USER),
  access_token: string,
  refresh_token: string,
  token_type: oneOf('Bearer'),
  expires_in: integer,
};
const NETWORK_CONNECTION: Shape = {
  id: integer,
  user_id: integer,
  device_id: string,
  network_name: string,
  ip_address: nullable(string),
  connected: boolean,
  connection_time: number,
  network_score: bounded(number, { minimum: 0, maximum: 1 }),
  points_earned: number,
  created_at: timestamp,
  updated_at: timestamp,
};
const NETWORK_SUMMARY: Shape = {
  total: integer,
  connected: integer,
  connection_time: number,
  average_score: number,
  points_earned: number,
};
const EARNINGS: Shape = {
  id: integer,
  user_id: integer,
  amount: number,
  source: oneOf('Network', 'Referral', 'Bonus'),
  timestamp,
  epoch: integer,
};
const EARNINGS_DATA: Shape = {
  total: number,
  today: number,
  current_epoch: integer,
  epoch_total: number,
  by_source: object({ network: number, referral: number, bonus: number }),
  updated_at: timestamp,
};
const TIMESERIES: Shape = {
  bucket: oneOf('hour', 'day'),
  points: arrayOf(object({ t: timestamp, network: number, referral: number, bonus: number, total: number })),
};
const REFERRAL: Shape = {
  id: integer,
  referrer_id: integer,
  referee_id: integer,
  referee_username: string,
  status: oneOf('Pending', 'Completed', 'Rewarded'),
  points: number,
  created_at: timestamp,
};
const REFERRAL_DATA: Shape = {
  referral_code: string,
  total: integer,
  pending: integer,
  completed: integer,
  rewarded: integer,
  points: number,
};
// API.md leaves the admin shapes to the implementation: User JSON plus disabled_at (admin.mapper.ts).
const ADMIN_USER: Shape = { ...USER, disabled_at: nullable(timestamp) };
const ADMIN_USER_DETAIL: Shape = {
  ...ADMIN_USER,
  earnings: object(EARNINGS_DATA),
  networks: object(NETWORK_SUMMARY),
  referrals: object(REFERRAL_DATA),
};
const NOTIFICATION: Shape = { id: integer, type: string, data: map, created_at: timestamp, read_at: nullable(timestamp) };
const NOTIFICATION_TYPES = [
  'node.offline',
  'node.online',
  'referral.joined',
  'referral.rewarded',
  'bonus.credited',
  'security.login',
  'security.wallet_linked',
  'webhook.disabled',
];
const PREFERENCES: Shape = {
  preferences: arrayOf(object({ type: oneOf(...NOTIFICATION_TYPES), in_app: boolean, webhook: boolean, email: boolean })),
};
const WEBHOOK: Shape = { url: string, disabled_at: nullable(timestamp), created_at: timestamp };
const WEBHOOK_DELIVERY: Shape = {
  id: integer,
  notification_id: integer,
  webhook_id: string,
  type: string,
  status: oneOf('pending', 'delivered', 'failed', 'cancelled'),
  attempts: integer,
  response_code: nullable(integer),
  response_excerpt: nullable(string),
  next_retry_at: nullable(timestamp),
  last_attempt_at: nullable(timestamp),
  created_at: timestamp,
};
const HEALTH: Shape = { status: oneOf('ok', 'error', 'shutting_down'), info: optional(map), error: optional(map), details: map };
const ERROR_BODY: Shape = {
  error: oneOf(...Object.values(DashboardErrorType)),
  message: string,
  request_id: string,
  details: optional(arrayOf(object({ field: string, problems: arrayOf(string) }))),
};

const LIMIT = bounded(integer, { minimum: 1, maximum: 200, default: 50 });
const CURSOR = string;
const RFC3339: Field = { kind: 'timestamp' };

interface Route {
  readonly route: string;
  readonly status: 200 | 201 | 202 | 204;
  /** Response body of the success status; 'text' for Prometheus text, 'html' for pages; absent for 204. */
  readonly body?: Shape | 'text' | 'html';
  readonly requestBody?: Shape;
  readonly query?: Shape;
  /** Every status but the success one. */
  readonly errors: readonly number[];
  readonly auth: 'bearer' | 'public';
}

/** Where a route's request can fail validation, it can answer 400; 500 and 503 can happen anywhere. */
const FAULTS = [500, 503];

const ADMIN_SETTLEMENT: Shape = {
      epoch: integer,
      root: nullable(string),
      status: oneOf('settled', 'publishing', 'published'),
      leaf_count: integer,
      total_amount: string,
      tx_hash: nullable(string),
      block_number: nullable(integer),
      publish_attempts: integer,
      publish_error: nullable(string),
      created: boolean,
    };

const ROUTES: readonly Route[] = [
  {
    route: 'POST /api/auth/register',
    status: 201,
    body: TOKENS,
    requestBody: { email: string, username: string, password: string, referral_code: optional(string) },
    errors: [400, 409, 429, ...FAULTS],
    auth: 'public',
  },
  {
    route: 'POST /api/auth/login',
    status: 200,
    body: TOKENS,
    requestBody: { email: string, password: string },
    errors: [400, 401, 429, ...FAULTS],
    auth: 'public',
  },
  {
    route: 'POST /api/auth/refresh',
    status: 200,
    body: TOKENS,
    requestBody: { refresh_token: string },
    errors: [400, 401, 429, ...FAULTS],
    auth: 'public',
  },
  // Logout is idempotent (an unknown token is 204) and not counted by the auth throttle.
  {
    route: 'POST /api/auth/logout',
    status: 204,
    requestBody: { refresh_token: string },
    errors: [400, ...FAULTS],
    auth: 'public',
  },
  { route: 'GET /api/user/me', status: 200, body: USER, errors: [401, ...FAULTS], auth: 'bearer' },
  {
    route: 'PATCH /api/user/me',
    status: 200,
    body: USER,
    requestBody: { username: optional(string) },
    errors: [400, 401, 409, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'POST /api/user/wallet/challenge',
    status: 200,
    body: { message: string, nonce: string, expires_at: RFC3339 },
    requestBody: { address: string },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'POST /api/user/wallet',
    status: 200,
    body: USER,
    requestBody: { message: string, signature: string },
    errors: [400, 401, 409, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'GET /api/settlement/epochs',
    status: 200,
    body: page({ epoch: integer, root: nullable(string), status: oneOf('settled', 'publishing', 'published'), tx_hash: nullable(string), tx_url: nullable(string), amount: string, claimable: boolean }),
    query: { limit: optional(LIMIT), cursor: optional(CURSOR) },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'GET /api/settlement/epochs/:epoch/proof',
    status: 200,
    body: { epoch: integer, root: string, account: string, amount: string, proof: arrayOf(string) },
    errors: [400, 401, 404, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'POST /api/admin/settlement/epochs/:epoch/settle',
    status: 200,
    body: ADMIN_SETTLEMENT,
    errors: [400, 401, 403, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'POST /api/admin/settlement/epochs/:epoch/publish',
    status: 200,
    body: ADMIN_SETTLEMENT,
    errors: [400, 401, 403, 404, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'GET /api/networks',
    status: 200,
    body: { items: arrayOf(object(NETWORK_CONNECTION)) },
    errors: [401, ...FAULTS],
    auth: 'bearer',
  },
  { route: 'GET /api/networks/summary', status: 200, body: NETWORK_SUMMARY, errors: [401, ...FAULTS], auth: 'bearer' },
  {
    route: 'GET /api/networks/:id',
    status: 200,
    body: NETWORK_CONNECTION,
    errors: [400, 401, 404, ...FAULTS],
    auth: 'bearer',
  },
  { route: 'DELETE /api/networks/:id', status: 204, errors: [400, 401, 404, ...FAULTS], auth: 'bearer' },
  {
    route: 'GET /api/earnings',
    status: 200,
    body: page(EARNINGS),
    query: { source: optional(EARNINGS.source), from: optional(RFC3339), to: optional(RFC3339), limit: optional(LIMIT), cursor: optional(CURSOR) },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  { route: 'GET /api/earnings/summary', status: 200, body: EARNINGS_DATA, errors: [401, ...FAULTS], auth: 'bearer' },
  {
    route: 'GET /api/earnings/timeseries',
    status: 200,
    body: TIMESERIES,
    query: { bucket: optional(TIMESERIES.bucket), from: optional(RFC3339), to: optional(RFC3339) },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'GET /api/referrals',
    status: 200,
    body: page(REFERRAL),
    query: { status: optional(REFERRAL.status), limit: optional(LIMIT), cursor: optional(CURSOR) },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  { route: 'GET /api/referrals/summary', status: 200, body: REFERRAL_DATA, errors: [401, ...FAULTS], auth: 'bearer' },
  {
    route: 'GET /api/admin/users',
    status: 200,
    body: page(ADMIN_USER),
    query: { q: optional(string), limit: optional(LIMIT), cursor: optional(CURSOR) },
    errors: [400, 401, 403, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'GET /api/admin/users/:id',
    status: 200,
    body: ADMIN_USER_DETAIL,
    errors: [400, 401, 403, 404, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'POST /api/admin/users/:id/bonus',
    status: 201,
    body: EARNINGS,
    requestBody: { amount: bounded(number, { maximum: 1_000_000 }), reason: string },
    errors: [400, 401, 403, 404, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'POST /api/admin/users/:id/disable',
    status: 204,
    errors: [400, 401, 403, 404, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'GET /api/notifications',
    status: 200,
    body: { ...page(NOTIFICATION), unread: integer },
    query: { unread: optional(boolean), limit: optional(LIMIT), cursor: optional(CURSOR) },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  {
    route: 'POST /api/notifications/read',
    status: 204,
    requestBody: { ids: optional(arrayOf(integer)), all: optional(boolean) },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  { route: 'GET /api/notifications/preferences', status: 200, body: PREFERENCES, errors: [401, ...FAULTS], auth: 'bearer' },
  {
    route: 'PUT /api/notifications/preferences',
    status: 200,
    body: PREFERENCES,
    requestBody: {
      preferences: arrayOf(
        object({ type: oneOf(...NOTIFICATION_TYPES), in_app: optional(boolean), webhook: optional(boolean), email: optional(boolean) }),
      ),
    },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  { route: 'GET /api/notifications/webhook', status: 200, body: WEBHOOK, errors: [401, 404, ...FAULTS], auth: 'bearer' },
  {
    route: 'PUT /api/notifications/webhook',
    status: 200,
    body: { url: string, secret: string },
    requestBody: { url: string },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  { route: 'DELETE /api/notifications/webhook', status: 204, errors: [401, ...FAULTS], auth: 'bearer' },
  { route: 'POST /api/notifications/webhook/test', status: 202, errors: [401, 404, 409, ...FAULTS], auth: 'bearer' },
  {
    route: 'GET /api/notifications/webhook/deliveries',
    status: 200,
    body: page(WEBHOOK_DELIVERY),
    query: { limit: optional(LIMIT), cursor: optional(CURSOR) },
    errors: [400, 401, ...FAULTS],
    auth: 'bearer',
  },
  // Email unsubscribe links: the token is the credential.
  { route: 'GET /api/notifications/unsubscribe', status: 200, body: 'html', query: { token: string }, errors: [400, ...FAULTS], auth: 'public' },
  { route: 'POST /api/notifications/unsubscribe', status: 200, body: 'html', query: { token: string }, errors: [400, ...FAULTS], auth: 'public' },
  // The probes take no query: one is refused (400) like on every such route.
  { route: 'GET /health/live', status: 200, body: HEALTH, errors: [400], auth: 'public' },
  { route: 'GET /health/ready', status: 200, body: HEALTH, errors: [400, 503], auth: 'public' },
  // Public for user tokens; behind METRICS_TOKEN (its own scheme) when that is set.
  { route: 'GET /metrics', status: 200, body: 'text', errors: [401], auth: 'public' },
];

// ---------------------------------------------------------------- the document

interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  [keyword: string]: unknown;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Schema;
}
interface Response {
  description: string;
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, unknown>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
  security?: Array<Record<string, string[]>>;
}
interface OpenApiDocument {
  openapi: string;
  info: { description: string };
  security?: unknown;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; scheme?: string }> };
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

function pathOf(route: string): { method: string; path: string } {
  const [method, path] = route.split(' ');
  return { method: method.toLowerCase(), path: path.replace(/:(\w+)/g, '{$1}') };
}

describe('OpenAPI document', () => {
  let app: TestApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    app = await startTestApp({ label: 'openapi' });
    const response = await fetch(`${app.url}/docs-json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
  });
  afterAll(() => app.close());

  /** Follows `$ref`s and flattens `allOf` (how enums and nested objects are referenced). */
  function resolve(schema: Schema): Schema {
    if (schema.$ref !== undefined) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const target = document.components.schemas[name];
      if (target === undefined) throw new Error(`Dangling $ref ${schema.$ref}`);
      const { $ref: _ref, ...rest } = schema;
      return { ...resolve(target), ...rest };
    }
    if (schema.allOf !== undefined) {
      const { allOf, ...rest } = schema;
      return Object.assign({}, ...allOf.map(resolve), rest) as Schema;
    }
    return schema;
  }

  /** Every difference between a schema and the expected field; empty when they agree. */
  function mismatches(raw: Schema | undefined, expected: Field, at: string): string[] {
    if (raw === undefined) return [`${at}: missing`];
    const schema = resolve(raw);
    const problems: string[] = [];
    const expectType = (type: string) => {
      if (schema.type !== type) problems.push(`${at}: type ${String(schema.type)}, expected ${type}`);
    };
    switch (expected.kind) {
      case 'integer':
      case 'number':
      case 'string':
      case 'boolean':
        expectType(expected.kind);
        break;
      case 'timestamp':
        expectType('string');
        if (schema.format !== 'date-time') problems.push(`${at}: format ${String(schema.format)}, expected date-time`);
        break;
      case 'enum':
        if (JSON.stringify(schema.enum) !== JSON.stringify(expected.values)) {
          problems.push(`${at}: enum ${JSON.stringify(schema.enum)}, expected ${JSON.stringify(expected.values)}`);
        }
        break;
      case 'object':
        expectType('object');
        problems.push(...shapeMismatches(schema, expected.shape ?? {}, at));
        break;
      case 'array':
        expectType('array');
        if (expected.items !== undefined) problems.push(...mismatches(schema.items, expected.items, `${at}[]`));
        break;
      case 'map':
        expectType('object');
        if (typeof schema.additionalProperties !== 'object') problems.push(`${at}: expected additionalProperties`);
        break;
    }
    if ((schema.nullable === true) !== (expected.nullable === true)) {
      problems.push(`${at}: nullable ${String(schema.nullable)}, expected ${String(expected.nullable === true)}`);
    }
    for (const [keyword, value] of Object.entries(expected.exactly ?? {})) {
      if (schema[keyword] !== value) problems.push(`${at}: ${keyword} ${String(schema[keyword])}, expected ${String(value)}`);
    }
    return problems;
  }

  /** Same field names (no more, no fewer), the non-optional ones required, and each field as expected. */
  function shapeMismatches(raw: Schema, shape: Shape, at: string): string[] {
    const schema = resolve(raw);
    const actual = Object.keys(schema.properties ?? {}).sort();
    const wanted = Object.keys(shape).sort();
    const problems: string[] = [];
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
      problems.push(`${at}: fields ${actual.join(', ')}; expected ${wanted.join(', ')}`);
    }
    const required = [...(schema.required ?? [])].sort();
    const wantedRequired = wanted.filter((name) => shape[name].optional !== true);
    if (JSON.stringify(required) !== JSON.stringify(wantedRequired)) {
      problems.push(`${at}: required ${required.join(', ')}; expected ${wantedRequired.join(', ')}`);
    }
    for (const name of wanted) {
      if (schema.properties?.[name] !== undefined) problems.push(...mismatches(schema.properties[name], shape[name], `${at}.${name}`));
    }
    return problems;
  }

  function operation(route: string): Operation {
    const { method, path } = pathOf(route);
    const found = document.paths[path]?.[method];
    if (found === undefined) throw new Error(`${route} is not documented`);
    return found;
  }

  it('documents exactly the routes of API.md, with their methods', () => {
    const documented = Object.entries(document.paths)
      .flatMap(([path, item]) => METHODS.filter((method) => item[method] !== undefined).map((method) => `${method} ${path}`))
      .sort();
    const expected = ROUTES.map(({ route }) => pathOf(route))
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    expect(documented).toEqual(expected);
  });

  it.each(ROUTES.map((route) => [route.route, route] as const))(
    '%s: the success response has the fields of API.md',
    (_name, route) => {
      const responses = operation(route.route).responses;
      const successes = Object.keys(responses).filter((status) => status.startsWith('2'));
      expect(successes).toEqual([String(route.status)]);
      const success = responses[String(route.status)];
      if (route.body === undefined) {
        expect(success.content).toBeUndefined();
      } else if (route.body === 'text') {
        expect(success.content?.['text/plain']?.schema).toEqual({ type: 'string' });
      } else if (route.body === 'html') {
        expect(success.content?.['text/html']?.schema).toEqual({ type: 'string' });
      } else {
        const schema = success.content?.['application/json']?.schema;
        expect(schema === undefined ? ['no JSON schema'] : mismatches(schema, object(route.body), 'body')).toEqual([]);
      }
    },
  );

  it.each(ROUTES.map((route) => [route.route, route] as const))(
    '%s: declares the statuses it can answer, with ErrorBody and x-request-id',
    (_name, route) => {
      const responses = operation(route.route).responses;
      const errors = Object.keys(responses)
        .filter((status) => !status.startsWith('2'))
        .map(Number)
        .sort((a, b) => a - b);
      expect(errors).toEqual(route.errors);
      for (const [status, response] of Object.entries(responses)) {
        expect([status, response.headers?.['x-request-id']]).toEqual([status, { $ref: '#/components/headers/RequestId' }]);
        expect(response.description).not.toBe('');
      }
      for (const status of route.errors) {
        const schema = responses[String(status)].content?.['application/json']?.schema;
        // The probes answer 503 with terminus JSON, everything else with ErrorBody.
        const expected = route.route.startsWith('GET /health') && status === 503 ? '#/components/schemas/HealthCheck' : '#/components/schemas/ErrorBody';
        expect([status, schema?.$ref]).toEqual([status, expected]);
      }
      if (route.errors.includes(429)) {
        expect(responses['429'].headers?.['Retry-After']).toMatchObject({ schema: { type: 'integer', minimum: 1 } });
      }
    },
  );

  it('declares bearer security on protected routes only', () => {
    expect(document.security).toBeUndefined();
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of ROUTES) {
      const security = operation(route.route).security ?? [];
      const bearer = security.some((requirement) => 'bearer' in requirement);
      expect([route.route, bearer]).toEqual([route.route, route.auth === 'bearer']);
      if (route.auth === 'bearer') expect([route.route, security]).toEqual([route.route, [{ bearer: [] }]]);
    }
  });

  it('documents request bodies, query parameters and path ids with their bounds', () => {
    const problems: string[] = [];
    for (const route of ROUTES) {
      const { parameters = [], requestBody } = operation(route.route);
      const body = requestBody?.content['application/json']?.schema;
      if (route.requestBody === undefined) {
        if (body !== undefined) problems.push(`${route.route}: unexpected request body`);
      } else {
        problems.push(...(body === undefined ? [`${route.route}: no request body`] : shapeMismatches(body, route.requestBody, `${route.route} body`)));
      }

      const query = parameters.filter((parameter) => parameter.in === 'query');
      const asShape: Schema = {
        properties: Object.fromEntries(query.map((parameter) => [parameter.name, parameter.schema])),
        required: query.filter((parameter) => parameter.required === true).map((parameter) => parameter.name),
      };
      problems.push(...shapeMismatches(asShape, route.query ?? {}, `${route.route} query`));

      const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
      const ids = [...route.route.matchAll(/:(\w+)/g)].map((match) => match[1]!);
      if (JSON.stringify(pathParameters.map((parameter) => parameter.name)) !== JSON.stringify(ids)) {
        problems.push(`${route.route}: path parameters ${pathParameters.map((parameter) => parameter.name).join(', ')}`);
      }
      for (const parameter of pathParameters) {
        if (parameter.required !== true) problems.push(`${route.route}: path id not required`);
        // Ids start at 1; epochs (settlement) at 0.
        const minimum = parameter.name === 'epoch' ? 0 : 1;
        problems.push(...mismatches(parameter.schema, bounded(integer, { minimum }), `${route.route} :${parameter.name}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('has one ErrorBody whose error enum is every DashboardErrorType', () => {
    const errorBody = document.components.schemas.ErrorBody;
    expect(shapeMismatches(errorBody, ERROR_BODY, 'ErrorBody')).toEqual([]);
    expect(resolve(errorBody.properties?.error ?? {}).enum).toEqual(Object.values(DashboardErrorType));
  });

  it('summarises the WebSocket protocol in its description and points to API.md', () => {
    const { description } = document.info;
    expect(description).toContain('API.md');
    const mentions = [
      '/ws/dashboard',
      '/ws/earnings',
      '/ws/referrals',
      '?token=',
      'format=msgpack',
      ...['Connect', 'Heartbeat', 'Disconnect'],
      ...['Connected', 'NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate', 'NotificationUpdate', 'Notification', 'NodeUpdate', 'Error'],
      ...['1000', '1001', '1008', '1009', '1011', '1013', '4000', '4001', '4401', '4408'].map((code) => `| ${code} |`),
    ];
    expect(mentions.filter((mention) => !description.includes(mention))).toEqual([]);
  });
});
