import type { Connection } from './connection';
import { ConnectionHandlers, CoreWebSocket } from './socket-connection';

/** A server-side socket as ws makes one for an upgrade (no address: it is handed a TCP socket later). */
function serverSocket(): CoreWebSocket {
  return new CoreWebSocket(null as never, undefined, {});
}

describe('CoreWebSocket', () => {
  const calls: Array<[string, Connection, ...unknown[]]> = [];
  const handlers: ConnectionHandlers = {
    message: (connection, data, isBinary) => calls.push(['message', connection, data, isBinary]),
    close: (connection, code) => calls.push(['close', connection, code]),
    error: (connection, error) => calls.push(['error', connection, error]),
    pong: (connection) => calls.push(['pong', connection]),
  };

  beforeEach(() => (calls.length = 0));

  it('hands each event to the handlers with the Connection of the socket that emitted it, without listeners', () => {
    const a = serverSocket();
    const b = serverSocket();
    const connectionA = { id: 'a' } as Connection;
    const connectionB = { id: 'b' } as Connection;
    a.accept(connectionA, handlers);
    b.accept(connectionB, handlers);
    const data = Buffer.from('x');
    const failure = new Error('boom');
    b.emit('message', data, true);
    a.emit('pong', Buffer.alloc(0));
    // With no 'error' listener an EventEmitter would throw: the handler takes it instead.
    a.emit('error', failure);
    b.emit('close', 1001, Buffer.alloc(0));

    expect(a.acceptedConnection).toBe(connectionA);
    expect(a.eventNames()).toEqual([]);
    expect(calls).toEqual([
      ['message', connectionB, data, true],
      ['pong', connectionA],
      ['error', connectionA, failure],
      ['close', connectionB, 1001],
    ]);
  });

  it("still gives 'close' and other events to listeners added with on or once", () => {
    const ws = serverSocket();
    ws.accept({ id: 'a' } as Connection, handlers);
    const heard: unknown[][] = [];
    ws.once('close', (...args: unknown[]) => heard.push(['close', ...args]));
    ws.on('ping', (...args: unknown[]) => heard.push(['ping', ...args]));
    const reason = Buffer.from('bye');
    ws.emit('ping', Buffer.from('p'));
    ws.emit('close', 1000, reason);

    expect(heard).toEqual([
      ['ping', Buffer.from('p')],
      ['close', 1000, reason],
    ]);
    expect(calls.map(([event]) => event)).toEqual(['close']);
  });

  it('is a plain ws socket until accepted', () => {
    const ws = serverSocket();
    const heard: unknown[] = [];
    ws.on('message', (data: Buffer) => heard.push(data));
    ws.emit('message', Buffer.from('x'), false);

    expect(ws.acceptedConnection).toBeUndefined();
    expect(heard).toEqual([Buffer.from('x')]);
    expect(calls).toEqual([]);
  });
});
