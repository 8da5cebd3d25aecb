import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { DestinationStream, Logger as PinoLogger, LoggerOptions } from 'pino';
import { AppConfig } from '../../config';
import { serializeRequest, serializeResponse } from './request-logging';

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

/** The process's root pino logger (access lines, and Nest's lines through nestjs-pino). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Structured JSON log lines through pino: one access line per request (registerRequestLogging)
 * and every Nest log line within a request carry its request id (`req.id`); secrets are redacted.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const options: LoggerOptions = {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequest, res: serializeResponse },
    };
    const root: PinoLogger = destination === undefined ? pino(options) : pino(options, destination);
    return {
      module: LoggingModule,
      imports: [
        // nestjs-pino only as Nest's logger: the per-request part (pino-http, run as Nest
        // middleware) serialised and redacted every request into a child logger, used or not,
        // at ~8 % of a request's CPU. registerRequestLogging does that work only when a line is written.
        LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: root }],
      exports: [ROOT_LOGGER],
    };
  }
}
