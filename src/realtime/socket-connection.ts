import type { WebSocket } from 'ws';
import type { Connection } from './connection';

/**
 * Where a socket keeps its Connection. The realtime core installs one set of listener functions
 * shared by every socket (ws calls a listener with the socket as `this`) instead of closures per
 * socket, so the listeners find the socket's state through this property.
 */
export const CONNECTION = Symbol('realtime.connection');

type TaggedSocket = WebSocket & { [CONNECTION]?: Connection };

/** Ties `connection` to its socket; set once, when the socket is accepted. */
export function setConnectionOf(ws: WebSocket, connection: Connection): void {
  (ws as TaggedSocket)[CONNECTION] = connection;
}

/** The Connection of a socket accepted by the realtime core (undefined for any other socket). */
export function connectionOf(ws: WebSocket): Connection | undefined {
  return (ws as TaggedSocket)[CONNECTION];
}

/** What the core does on a socket's events, given the socket's Connection. */
export interface ConnectionHandlers {
  message(connection: Connection, data: Buffer, isBinary: boolean): void;
  close(connection: Connection, code: number): void;
  error(connection: Connection, error: Error): void;
  pong(connection: Connection): void;
}

/** ws listener functions, made once and added to every socket. */
export interface SocketListeners {
  message(this: WebSocket, data: Buffer, isBinary: boolean): void;
  close(this: WebSocket, code: number): void;
  error(this: WebSocket, error: Error): void;
  pong(this: WebSocket): void;
}

/**
 * One listener per event for all sockets: each looks up the socket's Connection and calls the
 * handler. A socket without one (not accepted by the core) is ignored.
 */
export function sharedListeners(handlers: ConnectionHandlers): SocketListeners {
  return {
    message(data, isBinary) {
      const connection = connectionOf(this);
      if (connection !== undefined) handlers.message(connection, data, isBinary);
    },
    close(code) {
      const connection = connectionOf(this);
      if (connection !== undefined) handlers.close(connection, code);
    },
    error(error) {
      const connection = connectionOf(this);
      if (connection !== undefined) handlers.error(connection, error);
    },
    pong() {
      const connection = connectionOf(this);
      if (connection !== undefined) handlers.pong(connection);
    },
  };
}
