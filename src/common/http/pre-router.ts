import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger as PinoLogger } from 'pino';
import { HttpMetrics } from '../../modules/metrics/http-metrics';
import { requestIdFor } from '../logging/request-id';
import { logAccess } from '../logging/request-logging';

/**
 * The JSON text of a 200 answer to a GET, or undefined when this request is not one the
 * pre-router can answer by itself (the route then handles it). It may throw: that too hands
 * the request over to the route, which answers the error in the contract's way.
 */
export type FastRead = (request: IncomingMessage) => string | undefined;

export interface PreRouterOptions {
  /** Fast reads by exact path (no query string): the path is also the route's metric label. */
  readonly reads: ReadonlyMap<string, FastRead>;
  /** The headers every response starts with (the security headers), in the order Fastify sends them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly log: PinoLogger;
  readonly metrics: HttpMetrics;
}

/** A pre-router installed on a Fastify server: whether it answers, and how often it did. */
export interface PreRouter {
  /** When false every request goes to Fastify (tests compare both paths with it). */
  enabled: boolean;
  /** Requests answered by the pre-router since start. */
  readonly served: number;
}

const installed = new WeakMap<FastifyInstance, PreRouter>();

/** The pre-router of a Fastify instance (see installPreRouter), if one was installed. */
export function preRouterOf(fastify: FastifyInstance): PreRouter | undefined {
  return installed.get(fastify);
}

/**
 * Answers the hottest dashboard reads (a cached per-user summary) straight from the HTTP
 * server's request event, before Fastify and Nest see them. Fastify's routing, hooks and reply,
 * and Nest's guards, pipes, interceptors and response controller took ~60 % of such a request's
 * CPU; the answer itself is a cache lookup. What a client sees is what the route sends — the same
 * status, headers in the same order, body — and the same access line and metrics are written.
 * Anything else (another method, a query string, a body, a token or session not verified
 * before, a cache miss, an error) goes to Fastify unchanged, so errors keep their one source.
 *
 * It must be installed before anything else listens to the server's `request` event.
 */
export function installPreRouter(fastify: FastifyInstance, options: PreRouterOptions): PreRouter {
  const server = fastify.server;
  const listeners = server.listeners('request');
  if (listeners.length !== 1) throw new Error(`The pre-router expects Fastify's request listener alone, found ${listeners.length}`);
  const fastifyHandler = listeners[0] as (req: IncomingMessage, res: ServerResponse) => void;
  const state = { enabled: true, served: 0, closing: false };
  // Fastify answers 503 once it is closing; leave that to it.
  fastify.addHook('preClose', (done) => {
    state.closing = true;
    done();
  });

  const answer = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!state.enabled || state.closing || req.method !== 'GET') return false;
    const read = options.reads.get(req.url!);
    // A GET with a body is left to Fastify, which decides what to do with it.
    if (read === undefined || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) return false;
    const started = performance.now();
    let body: string | undefined;
    try {
      body = read(req);
    } catch {
      return false;
    }
    if (body === undefined) return false;
    const requestId = requestIdFor(req);
    res.writeHead(200, {
      ...options.headers,
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': requestId,
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
    state.served += 1;
    const elapsed = performance.now() - started;
    // The answer is sent: a failure here must not reach the server's request event (a crash).
    try {
      options.metrics.observe('GET', req.url!, 200, elapsed);
      logAccess(options.log, req, res, elapsed);
    } catch (error) {
      options.log.error({ err: error }, 'Pre-router: the access line or metrics of an answered request failed');
    }
    return true;
  };

  server.removeListener('request', fastifyHandler);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!answer(req, res)) fastifyHandler(req, res);
  });

  const preRouter: PreRouter = {
    get enabled() {
      return state.enabled;
    },
    set enabled(value: boolean) {
      state.enabled = value;
    },
    get served() {
      return state.served;
    },
  };
  installed.set(fastify, preRouter);
  return preRouter;
}
