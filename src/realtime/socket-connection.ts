import { WebSocket } from 'ws';
import type { Connection } from './connection';

/** What the core does on a socket's events, given the socket's Connection. */
export interface ConnectionHandlers {
  message(connection: Connection, data: Buffer, isBinary: boolean): void;
  close(connection: Connection, code: number): void;
  error(connection: Connection, error: Error): void;
  pong(connection: Connection): void;
}

/**
 * The ws socket class of the realtime core's endpoints (ws's `WebSocket` server option, set by
 * LeanWsAdapter). ws reports a socket's events by calling its `emit`; once the core has accepted
 * the socket, message, close, error and pong go straight to the core's handlers with the socket's
 * Connection. So a socket carries no listeners of its own: no closures, and no growth of its
 * listener table, which a fourth event name takes from 160 to 256 bytes per socket. Listeners
 * added with `on`/`once` still hear 'close' (the shutdown waits on them) and every other event.
 */
export class CoreWebSocket extends WebSocket {
  private connection: Connection | undefined = undefined;
  private handlers: ConnectionHandlers | undefined = undefined;

  /** From now on this socket's events go to `handlers`, with `connection`; set once, when the core accepts it. */
  accept(connection: Connection, handlers: ConnectionHandlers): void {
    this.connection = connection;
    this.handlers = handlers;
  }

  /** The Connection the core accepted this socket with (undefined before). */
  get acceptedConnection(): Connection | undefined {
    return this.connection;
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const connection = this.connection;
    if (connection !== undefined) {
      const handlers = this.handlers!;
      switch (event) {
        case 'message':
          handlers.message(connection, args[0] as Buffer, args[1] as boolean);
          return true;
        case 'error':
          handlers.error(connection, args[0] as Error);
          return true;
        case 'pong':
          handlers.pong(connection);
          return true;
        case 'close':
          handlers.close(connection, args[0] as number);
          break;
      }
    }
    return super.emit(event, ...args);
  }
}
