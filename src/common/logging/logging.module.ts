import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../../config';

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.refresh_token',
  '*.access_token',
  '*.token',
  '*.passwordHash',
  '*.password_hash',
];

/** Paths of probes and scrapes, which would drown the access log. */
const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/**
 * Structured JSON log lines through pino: one access line per request and every Nest log line
 * within a request carry its request id (`req.id`); secrets are redacted.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const options = {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? 'unknown',
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(originalUrl(req)) },
      customLogLevel: (_req: IncomingMessage, res: { statusCode: number }, error?: Error) =>
        error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      serializers: {
        // The query string may carry a WebSocket token; log the path only.
        req: (req: { id: string; method: string; url: string; headers: Record<string, unknown>; raw?: IncomingMessage }) => ({
          id: req.id,
          method: req.method,
          url: (req.raw === undefined ? req.url : originalUrl(req.raw)).split('?')[0],
          headers: { ...req.headers },
        }),
      },
    };
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: destination === undefined ? options : [options, destination],
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        }),
      ],
    };
  }
}

/** Middleware mounting may rewrite `url`; `originalUrl` (set by middie) keeps what the client sent. */
function originalUrl(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
}
