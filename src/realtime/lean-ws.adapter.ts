import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageMappingProperties } from '@nestjs/websockets';
import { Observable } from 'rxjs';
import type { WebSocket, WebSocketServer } from 'ws';
import { CoreWebSocket } from './socket-connection';

/**
 * Nest's WsAdapter builds, for every socket, two rxjs subscriptions and dozens of closures in
 * `bindMessageHandlers`, handlers or not, and adds an error and a close listener per socket.
 * Our gateways declare no @SubscribeMessage handlers: the realtime core adds its own listeners,
 * shared by all sockets. So this adapter skips that per-socket work (measured in ARCHITECTURE.md:
 * it is what keeps memory per socket near a bare `ws` server), and sets the ws server options
 * every endpoint shares.
 */
export interface LeanWsAdapterOptions {
  /** ws `maxPayload`: larger frames close the socket with 1009. */
  readonly maxPayload: number;
  /**
   * The open sockets of a ws server. The servers keep no client list of their own
   * (`clientTracking: false`: the realtime core's registry already holds every socket, and ws's
   * list costs a Set entry and a close listener per socket), so closing a server asks for them here.
   */
  readonly socketsOf: (server: WebSocketServer) => Iterable<WebSocket>;
}

export class LeanWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly serverOptions: LeanWsAdapterOptions,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): WebSocketServer {
    return super.create(port, {
      ...options,
      maxPayload: this.serverOptions.maxPayload,
      // Compression costs tens of KB per socket and CPU per frame; our frames are small.
      perMessageDeflate: false,
      clientTracking: false,
      // The realtime core's socket class: events go to its handlers without listeners per socket.
      WebSocket: CoreWebSocket,
    }) as WebSocketServer;
  }

  /** Nest's close terminates `server.clients`, which is not kept here: the core's list is used. */
  override async close(server: WebSocketServer): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    for (const ws of this.serverOptions.socketsOf(server)) ws.terminate();
    await closed;
  }

  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    if (handlers.length > 0) super.bindMessageHandlers(client, handlers, transform);
  }

  /** The core listens for 'close' itself; Nest's extra listener per socket is not needed. */
  override bindClientDisconnect(): void {}

  /** Per-socket error listeners are the core's; keep only the server-level one. */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('error', (error: Error) => this.logger.error(error));
    return server;
  }
}
