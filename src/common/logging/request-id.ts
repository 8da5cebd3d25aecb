import type { IncomingMessage } from 'node:http';
import { nanoid } from 'nanoid';

/** A client-supplied request id is kept only when it is short and made of harmless characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's `genReqId`: keeps a sane `x-request-id`, otherwise makes one. The id is also stored on
 * the raw request, where pino-http (which sees only the raw request) picks it up for log lines.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  const supplied = Array.isArray(header) ? header[0] : header;
  const id = supplied !== undefined && SANE_REQUEST_ID.test(supplied) ? supplied : nanoid(16);
  (raw as IncomingMessage & { id?: string }).id = id;
  return id;
}
