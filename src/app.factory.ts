import { ValidationError as ClassValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppRuntime } from './app-runtime';
import { DashboardError, DashboardErrorType, errorBodyOf, FieldProblem, httpStatusOf, HttpExceptionFilter } from './common/errors';
import { dashboardFastReads } from './common/http/dashboard-fast-reads';
import { installPreRouter } from './common/http/pre-router';
import { UnknownQueryGuard } from './common/http/unknown-query.guard';
import { registerSecurityHeaders } from './common/http/security-headers';
import { serveWebDashboard } from './common/http/web-dashboard';
import { ROOT_LOGGER } from './common/logging/logging.module';
import { requestIdFor } from './common/logging/request-id';
import { registerRequestLogging } from './common/logging/request-logging';
import { UserReadCache } from './infra/cache/user-read-cache';
import { SessionValidator } from './modules/auth/session-validator.service';
import { TokenService } from './modules/auth/token.service';
import { HttpMetrics } from './modules/metrics/http-metrics';
import { buildApiDocuments, OPENAPI_JSON_PATH, OPENAPI_UI_PATH } from './openapi/api-documents';
import { serveAsyncApi } from './openapi/asyncapi-routes';
import { LeanWsAdapter } from './realtime/lean-ws.adapter';
import { RealtimeServer } from './realtime/realtime.server';

/** JSON bodies of this API are small; anything larger is refused before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;
/**
 * Bodies of this API are flat objects; deeper nesting is refused before parsing, because
 * class-transformer walks bodies recursively and overflows the stack (a 500) on deep ones.
 */
const BODY_MAX_DEPTH = 32;

/**
 * Builds the application (not yet listening): Fastify with request ids and trusted proxies,
 * pino logging, validation, the error filter, metrics hooks, OpenAPI and the WebSocket adapter.
 */
export async function createApp(runtime: AppRuntime): Promise<NestFastifyApplication> {
  const { config } = runtime;
  const adapter = new FastifyAdapter({
    genReqId: requestIdFor,
    trustProxy: [...config.http.trustedProxies],
    bodyLimit: BODY_LIMIT_BYTES,
    // Keep-alive connections idle at shutdown are closed at once; busy ones finish their request.
    forceCloseConnections: 'idle',
    // Our own access log (pino-http) replaces Fastify's.
    logger: false,
    // Requests that never reach a route still get the contract's error body and request id.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(runtime), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Our own JSON parser (replaceJsonParser) instead of Nest's.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  const securityHeaders = registerSecurityHeaders(fastify);
  registerRequestLogging(fastify, app.get(ROOT_LOGGER));
  const httpMetrics = app.get(HttpMetrics);
  // CORS adds headers per request origin; the pre-router leaves such deployments to the routes.
  if (config.http.corsOrigins.length === 0) {
    installPreRouter(fastify, {
      reads: dashboardFastReads(app.get(TokenService), app.get(SessionValidator), app.get(UserReadCache)),
      headers: securityHeaders,
      log: app.get(ROOT_LOGGER),
      metrics: httpMetrics,
    });
  }
  closeSilentConnectionsOnShutdown(fastify);
  replaceJsonParser(fastify);
  // Callback-style hooks: an async hook costs a promise per request.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    httpMetrics.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    done();
  });

  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? true : [...config.http.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }

  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalGuards(new UnknownQueryGuard());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => DashboardError.validation('Request validation failed', fieldProblems(errors)),
    }),
  );
  app.useWebSocketAdapter(
    new LeanWsAdapter(app, {
      maxPayload: config.ws.maxMessageBytes,
      // Resolved when a server closes (the adapter is made before the module graph is ready).
      socketsOf: (server) => app.get(RealtimeServer).socketsOf(server),
    }),
  );

  const documents = buildApiDocuments(app);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, documents.openapi, { jsonDocumentUrl: OPENAPI_JSON_PATH, raw: ['json'] });
  serveAsyncApi(fastify, documents.asyncapi);
  if (!(await serveWebDashboard(fastify))) {
    app.get(Logger).warn('The web dashboard is not built (npm run build); / will answer 404');
  }

  return app;
}

/**
 * JSON bodies: a parse failure becomes the contract's ValidationError (Fastify's own error would
 * reach the filter stripped of its code), and `__proto__`/`constructor` keys are dropped so that
 * no body can reach an object's prototype. Bodies nested deeper than BODY_MAX_DEPTH are refused.
 */
function replaceJsonParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    if (nestingExceeds(text, BODY_MAX_DEPTH)) {
      return done(DashboardError.validation(`Request body is nested more than ${BODY_MAX_DEPTH} levels deep`), undefined);
    }
    try {
      done(null, JSON.parse(text, (key, value: unknown) => (key === '__proto__' || key === 'constructor' ? undefined : value)));
    } catch {
      done(DashboardError.validation('Request body is not valid JSON'), undefined);
    }
  });
  // Form posts exist for one route: one-click email unsubscribe (RFC 8058 sends
  // `List-Unsubscribe=One-Click`). The body means nothing there, so it is not kept.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, undefined));
}

/**
 * At shutdown node closes idle keep-alive connections, but not connections that never sent a
 * request (browsers open such speculative "preconnect" sockets; so does a slowloris client):
 * server.close() then waits for headersTimeout (60 s) and a SIGTERM ends in the shutdown timeout.
 * Connections that have not started a request when the server closes are cut instead.
 */
function closeSilentConnectionsOnShutdown(fastify: FastifyInstance): void {
  const silent = new Set<Socket>();
  // One listener for every socket, removed at its first request or upgrade: a WebSocket lives for
  // hours, and a closure, a once-wrapper and a listener array each per socket add up to ~300 bytes.
  const forget = function (this: Socket): void {
    silent.delete(this);
  };
  fastify.server.on('connection', (socket: Socket) => {
    silent.add(socket);
    socket.on('close', forget);
  });
  const spoke = (request: IncomingMessage) => {
    if (silent.delete(request.socket)) request.socket.removeListener('close', forget);
  };
  fastify.server.on('request', spoke);
  fastify.server.on('upgrade', spoke);
  fastify.addHook('preClose', (done) => {
    for (const socket of silent) socket.destroy();
    silent.clear();
    done();
  });
}

/**
 * Fastify answers a URL it cannot decode (bad percent-encoding) or route (a parameter too long)
 * before any hook runs, in a body of its own and without a request id; this answers in the contract's.
 */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const failure =
    error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? DashboardError.validation('Malformed URL')
      : new DashboardError(DashboardErrorType.InternalError, 'Internal error', { cause: error });
  void reply
    .code(httpStatusOf(failure.type))
    .header('x-request-id', request.id)
    .type('application/json; charset=utf-8')
    .send(errorBodyOf(failure, request.id));
}

/**
 * Node's HTTP parser rejects a request it cannot parse (bad request line or header, header block
 * too large, broken chunked framing) before Fastify sees it. Answer 400 in the contract's body with
 * a request id, then close; a reset or timed-out connection gets no answer (nobody would read it).
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || socket.destroyed) {
    socket.destroy();
    return;
  }
  const requestId = nanoid(16);
  const message = error.code === 'HPE_HEADER_OVERFLOW' ? 'Request headers are too large' : 'Malformed HTTP request';
  const body = JSON.stringify(errorBodyOf(DashboardError.validation(message), requestId));
  if (socket.writable) {
    socket.write(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** True when the JSON text opens more than `max` arrays/objects at once (strings are skipped). */
function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      if (++depth > max) return true;
    } else if (char === 0x5d || char === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Flattens class-validator's tree into `[{field, problems}]` with dotted paths. */
export function fieldProblems(errors: readonly ClassValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    if (error.constraints !== undefined) {
      problems.push({ field, problems: Object.values(error.constraints) });
    }
    if (error.children !== undefined && error.children.length > 0) {
      problems.push(...fieldProblems(error.children, field));
    }
  }
  return problems;
}
