import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync, WebSocketServer } from 'ws';
import { DashboardError, DashboardErrorType, errorBodyOf } from '../common/errors';
import { requestIdFor } from '../common/logging/request-id';

/** What an instance at its socket limit asks the client to wait before trying again, seconds. */
export const CAPACITY_RETRY_AFTER_SECONDS = 5;

/**
 * Refuses WebSocket upgrades with HTTP 503 while `isFull()`: the socket is never upgraded, so a
 * refusal costs the parse of one request and a short answer, not a handshake, a Connection, a
 * Disconnect frame and a close handshake. In a reconnect storm (an instance died, its sockets
 * try the others) that is the difference between refusing thousands a second and saturating.
 * A balancer can act on it too: nginx's `proxy_next_upstream http_503` tries the next instance.
 * The body is the contract's error body (ServiceUnavailable), with `Retry-After`.
 */
export function refuseUpgradesWhenFull(server: WebSocketServer, isFull: () => boolean, onRefused: () => void): void {
  const verifyClient: VerifyClientCallbackAsync<IncomingMessage> = (info, done) => {
    if (!isFull()) {
      done(true);
      return;
    }
    onRefused();
    const requestId = requestIdFor(info.req);
    const error = new DashboardError(DashboardErrorType.ServiceUnavailable, 'server at capacity');
    const body = JSON.stringify(errorBodyOf(error, requestId));
    done(false, 503, body, {
      'Content-Type': 'application/json; charset=utf-8',
      'Retry-After': String(CAPACITY_RETRY_AFTER_SECONDS),
      'X-Request-Id': requestId,
    });
  };
  server.options.verifyClient = verifyClient;
}
