import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { LeanWsAdapter } from './lean-ws.adapter';

describe('LeanWsAdapter', () => {
  it('keeps no client list, and closing a server terminates the sockets socketsOf lists', async () => {
    const accepted: WebSocket[] = [];
    // Without an application the adapter makes a ws server of its own on the given port.
    const adapter = new LeanWsAdapter(undefined as never, { maxPayload: 1024, socketsOf: () => accepted });
    const server = adapter.create(0, {});
    server.on('connection', (ws: WebSocket) => accepted.push(ws));
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const clients = [new WebSocket(`ws://127.0.0.1:${port}`), new WebSocket(`ws://127.0.0.1:${port}`)];
    await Promise.all(clients.map((client) => once(client, 'open')));
    while (accepted.length < clients.length) await once(server, 'connection');

    expect((server as WebSocketServer & { clients?: unknown }).clients).toBeUndefined();
    const closes = clients.map((client) => once(client, 'close'));
    await adapter.close(server);

    // Terminated, not closed with a handshake: the clients see an abnormal closure.
    expect((await Promise.all(closes)).map(([code]) => code as number)).toEqual([1006, 1006]);
  });
});
