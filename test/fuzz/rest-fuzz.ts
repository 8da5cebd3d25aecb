import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Corpus, RestSeed } from './corpus';
import { checkHttpResponse, describeBytes, Finding } from './contract';
import { Random } from '../support/random';
import { bump } from './ws-fuzz';
import { deepJson, hostileString, invalidUtf8, mutateBytes, mutateValue, RawNumber, toJsonText } from './values';

/**
 * REST fuzzing: every route of the API with structurally and byte-wise mutated bodies, hostile
 * query strings, path ids and headers, sent with node:http (which, unlike fetch, lets a GET carry
 * a body and leaves odd headers alone). Every answer must be 2xx or 4xx with the contract's body.
 */

export interface RestFuzzContext {
  readonly baseUrl: string;
  readonly corpus: Corpus;
  /** Values for the corpus placeholders ({{EMAIL}}, {{REFERRAL_CODE}}, cursors). */
  readonly placeholders: Readonly<Record<string, string>>;
  readonly tokens: { readonly user: readonly string[]; readonly admin: string; readonly hostile: readonly string[] };
  /** Ids for `:id` (rows of the fuzz users, of other users, unknown) and `:victim` (users that may be disabled). */
  readonly ids: { readonly id: readonly string[]; readonly victim: readonly string[] };
  readonly findings: Finding[];
  readonly stats: { cases: number; readonly statuses: Map<number, number>; readonly kinds: Map<string, number> };
}

interface RestCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  kind: string;
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'application/vnd.api+json',
  'application/jsonx',
  '*/*',
  '',
  'application/json; boundary=;;;',
];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

function substitute(text: string, placeholders: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (match, name: string) => placeholders[name] ?? match);
}

function substituteValue(value: unknown, placeholders: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return substitute(value, placeholders);
  if (Array.isArray(value)) return value.map((item) => substituteValue(item, placeholders));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteValue(item, placeholders)]));
  }
  return value;
}

function pathOf(random: Random, context: RestFuzzContext, seed: RestSeed): string {
  let path = seed.path
    .replace(':id', () => (random.bool(0.7) ? random.pick(context.ids.id) : random.pick(context.corpus.ids)))
    .replace(':victim', () => (random.bool(0.5) ? random.pick(context.ids.victim) : random.pick(context.corpus.ids)));
  if (random.bool(0.08)) {
    path = random.weighted<() => string>([
      [1, () => `${path}/`],
      [1, () => path.replace('/api/', '/api//')],
      [1, () => path.toUpperCase()],
      [1, () => `${path}/${percentEncode(hostileString(random, context.corpus.strings)).slice(0, 200)}`],
      [1, () => `${path}%2F..%2F..%2Fhealth`],
      [1, () => `${path};jsessionid=1`],
      [1, () => `${path}#fragment`],
    ])();
  }
  return path;
}

/** Percent-encodes every byte outside [A-Za-z0-9._~-] (lone surrogates go as U+FFFD, unlike encodeURIComponent's throw). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A well-formed (base64url JSON) cursor carrying hostile keys: odd dates, ids and types. */
function craftedCursor(random: Random, strings: readonly string[]): string {
  const t = random.pick<unknown>([
    '1', '0', '2026-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '0000-01-01T00:00:00Z',
    '1970-01-01T00:00:00.000Z\u0000', 'Tue, 01 Jan 2030 00:00:00 GMT', '2026-02-30', '99999', random.pick(strings), 1, null,
  ]);
  const id = random.pick<unknown>([1, 0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, '1', null, 1e308]);
  const value = random.weighted<() => unknown>([
    [4, () => ({ t, id })],
    [2, () => ({ id })],
    [1, () => ({ t })],
    [1, () => [t, id]],
    [1, () => ({ t, id, extra: random.pick(strings) })],
  ])();
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function queryOf(random: Random, context: RestFuzzContext, seed: RestSeed): string {
  const params: Array<[string, string]> = Object.entries(seed.query ?? {}).map(([key, value]) => [key, substitute(value, context.placeholders)]);
  if (random.bool(0.6)) {
    const rounds = random.int(1, 3);
    for (let i = 0; i < rounds; i++) {
      const action = random.int(0, 5);
      const known = ['limit', 'cursor', 'source', 'status', 'bucket', 'from', 'to', 'q'];
      if (action === 0 && params.length > 0) params[random.int(0, params.length - 1)]![1] = hostileString(random, context.corpus.strings);
      else if (action === 1) params.push([random.pick(known), hostileString(random, context.corpus.strings)]);
      else if (action === 2 && params.length > 0) params.push([...params[random.int(0, params.length - 1)]!]);
      else if (action === 3) params.push([random.pick(['user_id', 'role', 'id', '__proto__', 'constructor', 'limit[]', 'a[b]', '', 'admin']), random.pick(['1', 'true', '', 'x'])]);
      else if (action === 4) params.push([random.pick(known), random.pick(['', '0', '-1', '201', '1.5', '1e3', 'NaN', '9'.repeat(30), 'Network', 'network', 'hour', 'minute'])]);
      else params.push(['cursor', craftedCursor(random, context.corpus.strings)]);
    }
  }
  let query = params.map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&');
  if (random.bool(0.05)) query = random.pick(['%', '%ZZ', '&&&', '=', '?', '%00=%00', 'limit=%E0%A4%A', 'a'.repeat(3000), ';limit=1']) + (query === '' ? '' : `&${query}`);
  return query === '' ? '' : `?${query}`;
}

function bodyOf(random: Random, context: RestFuzzContext, seed: RestSeed): { body: Buffer; kind: string } | undefined {
  if (seed.body === undefined) {
    if (!random.bool(0.1)) return undefined;
    return { body: Buffer.from(toJsonText(mutateValue(random, {}, context.corpus.strings)), 'utf8'), kind: 'unexpected-body' };
  }
  const base = substituteValue(seed.body, context.placeholders);
  const kind = random.weighted<string>([
    [10, 'structural'],
    [3, 'bytes'],
    [1, 'deep'],
    [1, 'huge-number'],
    [1, 'invalid-utf8'],
    [1, 'oversize'],
    [2, 'seed'],
  ]);
  switch (kind) {
    case 'structural': {
      let value = base;
      for (let i = random.int(1, 3); i > 0; i--) value = mutateValue(random, value, context.corpus.strings);
      return { body: Buffer.from(toJsonText(value), 'utf8'), kind };
    }
    case 'bytes':
      return { body: mutateBytes(random, Buffer.from(JSON.stringify(base), 'utf8')), kind };
    case 'deep':
      return { body: Buffer.from(deepJson(random, random.int(1_000, 60_000)), 'utf8'), kind };
    case 'huge-number': {
      const object = { ...(base as Record<string, unknown>) };
      const key = random.pick([...Object.keys(object), 'amount']);
      object[key] = new RawNumber(random.pick(['1e400', '-1e400', '1' + '0'.repeat(400), '0.' + '0'.repeat(400) + '1', '-0', '9007199254740993']));
      return { body: Buffer.from(toJsonText(object), 'utf8'), kind };
    }
    case 'invalid-utf8':
      return { body: invalidUtf8(random), kind };
    case 'oversize':
      return { body: Buffer.from(JSON.stringify({ ...(base as object), padding: 'x'.repeat(70_000) }), 'utf8'), kind };
    default:
      return { body: Buffer.from(JSON.stringify(base), 'utf8'), kind };
  }
}

function generateRestCase(random: Random, context: RestFuzzContext): RestCase {
  const seed = random.pick(context.corpus.rest);
  const method = random.bool(0.05) ? random.pick(METHODS) : seed.method;
  const path = pathOf(random, context, seed) + queryOf(random, context, seed);
  const headers: Record<string, string> = {};
  const token = seed.auth === 'admin' ? context.tokens.admin : random.pick(context.tokens.user);
  if (seed.auth !== 'none' || random.bool(0.1)) {
    headers.authorization = random.bool(0.15) ? random.pick(context.tokens.hostile) : `Bearer ${token}`;
  }
  const body = bodyOf(random, context, seed);
  let kind = body?.kind ?? 'no-body';
  if (body !== undefined) headers['content-type'] = random.bool(0.88) ? 'application/json' : random.pick(CONTENT_TYPES);
  if (random.bool(0.1)) {
    kind += '+headers';
    const safe = (text: string) => text.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '?');
    for (let i = random.int(1, 3); i > 0; i--) {
      const name = random.pick(['x-request-id', 'accept', 'x-forwarded-for', 'content-encoding', 'origin', 'cookie', 'user-agent', 'accept-language', 'if-none-match', 'range']);
      headers[name] = random.pick([
        safe(hostileString(random, context.corpus.strings)),
        'a'.repeat(random.pick([10, 129, 4000])),
        'gzip',
        'br',
        'bytes=0-0',
        '*/*;q=abc',
        '127.0.0.1, ::1, garbage',
        'null',
      ]);
    }
  }
  if (headers['content-type'] === '') delete headers['content-type'];
  return { method, path, headers, body: body?.body, kind };
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** Closes the kept-alive connections of the REST lanes (before the service stops). */
export function closeRestConnections(): void {
  agent.destroy();
}

function send(baseUrl: string, fuzzCase: RestCase): Promise<{ status: number; headers: Headers; text: string } | { clientError: string }> {
  return new Promise((resolve) => {
    const url = new URL(baseUrl);
    let settled = false;
    const done = (value: { status: number; headers: Headers; text: string } | { clientError: string }) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    let outgoing;
    try {
      outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          method: fuzzCase.method,
          path: fuzzCase.path,
          headers: { ...fuzzCase.headers, ...(fuzzCase.body === undefined ? {} : { 'content-length': String(fuzzCase.body.length) }) },
          agent,
          timeout: 15_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (typeof value === 'string') headers.set(name, value);
              else if (Array.isArray(value)) headers.set(name, value.join(', '));
            }
            done({ status: response.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (error) => done({ clientError: error.message }));
        },
      );
    } catch (error) {
      // node:http refuses some header values and paths itself: nothing was sent.
      done({ clientError: `refused by the client: ${(error as Error).message}` });
      return;
    }
    outgoing.on('timeout', () => {
      outgoing.destroy(new Error('timed out'));
    });
    outgoing.on('error', (error) => done({ clientError: error.message }));
    outgoing.end(fuzzCase.body);
  });
}

/** One lane: `count` requests one after another. */
export async function runRestLane(context: RestFuzzContext, random: Random, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const fuzzCase = generateRestCase(random, context);
    const input = `${fuzzCase.method} ${fuzzCase.path.slice(0, 300)} ${JSON.stringify(fuzzCase.headers).slice(0, 300)} ${fuzzCase.body === undefined ? '' : describeBytes(fuzzCase.body)}`;
    const outcome = await send(context.baseUrl, fuzzCase);
    if ('clientError' in outcome) {
      if (outcome.clientError.startsWith('refused by the client')) continue;
      context.findings.push({ area: 'rest', problem: `no response: ${outcome.clientError}`, input });
      continue;
    }
    context.stats.cases += 1;
    bump(context.stats.statuses, outcome.status);
    bump(context.stats.kinds, fuzzCase.kind.split('+')[0]!);
    // HEAD answers carry no body to check.
    const problem = fuzzCase.method === 'HEAD' ? (outcome.status >= 500 ? `HTTP ${outcome.status}` : null) : checkHttpResponse(outcome);
    if (problem !== null) context.findings.push({ area: 'rest', problem, input });
  }
}

/** Raw HTTP requests (malformed framing, smuggling attempts, oversize heads) on fresh sockets. */
export async function runRawHttpLane(
  context: RestFuzzContext,
  target: { host: string; port: number },
  random: Random,
  count: number,
  stats: { cases: number; readonly statuses: Map<number, number> },
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const template = random.pick(context.corpus.httpRaw);
    const text = substitute(template, { ...context.placeholders, HOST: `${target.host}:${target.port}`, TOKEN: context.tokens.user[0]! }).replace(
      /\{\{REPEAT:(\d+):([^}]*)\}\}/g,
      (_match, times: string, unit: string) => unit.repeat(Number(times)),
    );
    let bytes: Buffer = Buffer.from(text, 'latin1');
    if (random.bool(0.4)) bytes = mutateBytes(random, bytes);
    const input = describeBytes(bytes, 300);
    const answer = parseRawResponse(await rawExchange(target, bytes));
    stats.cases += 1;
    if (answer === null) continue; // no answer: the server waits for the rest of a request, or closed
    bump(stats.statuses, answer.status);
    // 101 (a valid upgrade) carries no error body to check. Two refusals come from below the router
    // and keep their own shape: ws refusing a malformed WebSocket handshake (400/405, text), and
    // node refusing an HTTP/1.1 request without Host (a bare 400). Everything else is the contract's.
    const belowRouter =
      (/^\S+ \/ws\/[^\r\n]*\r?\n[\s\S]*^upgrade:/im.test(bytes.toString('latin1')) && (answer.status === 400 || answer.status === 405)) ||
      (answer.status === 400 && answer.text === '' && answer.headers.get('content-type') === null);
    const problem = answer.status === 101 ? null : belowRouter ? (answer.status >= 500 ? `HTTP ${answer.status}` : null) : checkHttpResponse(answer);
    if (problem !== null) context.findings.push({ area: 'http-raw', problem, input });
  }
}

function dechunk(text: string): string {
  let out = '';
  for (let at = 0; ; ) {
    const lineEnd = text.indexOf('\r\n', at);
    const size = lineEnd === -1 ? NaN : Number.parseInt(text.slice(at, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/** The first final response in raw bytes (skipping 100 Continue): status, headers, body. */
function parseRawResponse(raw: { text: string }): { status: number; headers: Headers; text: string } | null {
  let rest = raw.text;
  for (;;) {
    const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(rest);
    const end = rest.indexOf('\r\n\r\n');
    if (match === null || end === -1) return null;
    const status = Number(match[1]);
    const headers = new Headers();
    for (const line of rest.slice(match[0].length, end).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const bodyStart = end + 4;
    if (status === 100) {
      rest = rest.slice(bodyStart);
      continue;
    }
    const length = Number(headers.get('content-length') ?? NaN);
    let body = Number.isFinite(length) ? rest.slice(bodyStart, bodyStart + length) : rest.slice(bodyStart);
    if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) body = dechunk(body);
    return { status, headers, text: Buffer.from(body, 'latin1').toString('utf8') };
  }
}

/** Writes raw bytes, reads until the server closes or 1.5 s pass; returns the first status line's code. */
function rawExchange(target: { host: string; port: number }, bytes: Buffer): Promise<{ status: number | null; text: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status === null ? null : Number(status[1]), text });
    };
    const timer = setTimeout(finish, 1_500);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', finish);
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}
