import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger as PinoLogger } from 'pino';
import { storage, Store } from 'nestjs-pino/storage';

/** Paths of probes and scrapes, which would drown the access log. */
const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/** The request in log lines: id, method, path (the query may carry a WebSocket token), headers (redacted). */
export function serializeRequest(req: IncomingMessage & { id?: string }) {
  return { id: req.id ?? 'unknown', method: req.method, url: (req.url ?? '').split('?')[0], headers: { ...req.headers } };
}

export function serializeResponse(res: ServerResponse) {
  return { statusCode: res.statusCode, headers: res.getHeaders() };
}

/**
 * nestjs-pino's per-request context: Nest log lines written while a request is handled go
 * through a child logger bound to the request (`req`), made on the first such line only.
 */
class RequestLogContext {
  private child: PinoLogger | undefined;
  readonly responseLogger = undefined;

  constructor(
    private readonly root: PinoLogger,
    private readonly request: IncomingMessage,
  ) {}

  get logger(): PinoLogger {
    return (this.child ??= this.root.child({ req: this.request }));
  }

  /** PinoLogger.assign() rebinds the request's logger. */
  set logger(logger: PinoLogger) {
    this.child = logger;
  }
}

/**
 * One access line per request (`request completed`, or `request errored` for a 5xx: warn for
 * 4xx, error for 5xx, info otherwise; probes and scrapes are not logged), built only when its
 * level is enabled, and the request's log context for Nest's lines (see RequestLogContext).
 */
export function registerRequestLogging(fastify: FastifyInstance, root: PinoLogger): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    storage.run(new RequestLogContext(root, request.raw) as unknown as Store, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    logAccess(root, request.raw, reply.raw, reply.elapsedTime);
    done();
  });
}

/**
 * The access line of a finished request (see registerRequestLogging); also written by the
 * pre-router (common/http/pre-router.ts) for the requests it answers itself.
 */
export function logAccess(root: PinoLogger, req: IncomingMessage, res: ServerResponse, elapsedMs: number): void {
  const status = res.statusCode;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  if (root.isLevelEnabled(level) && !QUIET_PATHS.test(req.url ?? '')) {
    const line = { req, res, responseTime: Math.round(elapsedMs) };
    if (status >= 500) root.error({ ...line, err: new Error(`failed with status code ${status}`) }, 'request errored');
    else root[level](line, 'request completed');
  }
}
