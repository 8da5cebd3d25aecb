import { ValidationError as ClassValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppRuntime } from './app-runtime';
import { DashboardError, FieldProblem, HttpExceptionFilter } from './common/errors';
import { serveWebDashboard } from './common/http/web-dashboard';
import { requestIdFor } from './common/logging/request-id';
import { HttpMetrics } from './modules/metrics/http-metrics';
import { LeanWsAdapter } from './realtime/lean-ws.adapter';

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
  replaceJsonParser(fastify);
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    return payload;
  });
  const httpMetrics = app.get(HttpMetrics);
  fastify.addHook('onResponse', async (request, reply) => {
    httpMetrics.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
  });

  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? true : [...config.http.corsOrigins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }

  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => DashboardError.validation('Request validation failed', fieldProblems(errors)),
    }),
  );
  app.useWebSocketAdapter(new LeanWsAdapter(app, { maxPayload: config.ws.maxMessageBytes }));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('DePIN dashboard API')
      .setDescription('REST half of the contract; the WebSocket protocol is described in API.md and the README.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
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
