import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { Connection } from './connection';
import { connectionOf, ConnectionHandlers, setConnectionOf, sharedListeners } from './socket-connection';

/** An EventEmitter stands in for a ws socket: ws calls listeners the same way (`this` = socket). */
function fakeSocket(): WebSocket & EventEmitter {
  return new EventEmitter() as unknown as WebSocket & EventEmitter;
}

describe('shared socket listeners', () => {
  const calls: Array<[string, Connection, ...unknown[]]> = [];
  const handlers: ConnectionHandlers = {
    message: (connection, data, isBinary) => calls.push(['message', connection, data, isBinary]),
    close: (connection, code) => calls.push(['close', connection, code]),
    error: (connection, error) => calls.push(['error', connection, error]),
    pong: (connection) => calls.push(['pong', connection]),
  };
  const listeners = sharedListeners(handlers);

  beforeEach(() => (calls.length = 0));

  it('hands each event to the handler with the Connection of the socket that emitted it', () => {
    const a = fakeSocket();
    const b = fakeSocket();
    const connectionA = { id: 'a' } as Connection;
    const connectionB = { id: 'b' } as Connection;
    setConnectionOf(a, connectionA);
    setConnectionOf(b, connectionB);
    for (const ws of [a, b]) {
      ws.on('message', listeners.message);
      ws.on('close', listeners.close);
      ws.on('error', listeners.error);
      ws.on('pong', listeners.pong);
    }
    const data = Buffer.from('x');
    const failure = new Error('boom');
    b.emit('message', data, true);
    a.emit('pong');
    a.emit('error', failure);
    b.emit('close', 1001);

    expect(connectionOf(a)).toBe(connectionA);
    expect(calls).toEqual([
      ['message', connectionB, data, true],
      ['pong', connectionA],
      ['error', connectionA, failure],
      ['close', connectionB, 1001],
    ]);
  });

  it('ignores a socket that has no Connection', () => {
    const stranger = fakeSocket();
    stranger.on('message', listeners.message);
    stranger.on('close', listeners.close);
    stranger.emit('message', Buffer.from('x'), false);
    stranger.emit('close', 1000);

    expect(connectionOf(stranger)).toBeUndefined();
    expect(calls).toEqual([]);
  });
});
