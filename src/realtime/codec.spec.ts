import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeFrame, encodeFrame, encodeShared, SEND_OPTIONS } from './codec';
import { DashboardErrorType } from '../common/errors';
import { ProtocolError, ServerFrame } from './protocol';

describe('decodeFrame', () => {
  it('reads the canonical Heartbeat and any other spelling of it alike', () => {
    for (const text of ['{"type":"Heartbeat"}', '{ "type": "Heartbeat" }', '{"type":"Heartbeat","payload":{}}']) {
      expect(decodeFrame(Buffer.from(text), false)).toEqual({ type: 'Heartbeat' });
    }
  });

  it('does not take a binary frame with the Heartbeat text for JSON', () => {
    expect(() => decodeFrame(Buffer.from('{"type":"Heartbeat"}'), true)).toThrow(ProtocolError);
  });

  it('refuses a frame of the same length that is not the Heartbeat', () => {
    expect(() => decodeFrame(Buffer.from('{"type":"Heartbeaz"}'), false)).toThrow(ProtocolError);
  });
});

describe('encodeShared', () => {
  it('makes the JSON frame as UTF-8 bytes that ws sends as a text frame', async () => {
    const frame: ServerFrame<'Error'> = { type: 'Error', payload: { error: DashboardErrorType.RateLimited, message: 'zu schnell — über 100' } };
    const data = encodeShared(frame, 'json');
    expect(data.toString('utf8')).toBe(encodeFrame(frame, 'json'));

    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    server.on('connection', (ws: WebSocket) => ws.send(data, SEND_OPTIONS.json));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const [received, isBinary] = (await once(client, 'message')) as [Buffer, boolean];
      expect(isBinary).toBe(false);
      expect(JSON.parse(received.toString('utf8'))).toEqual(frame);
    } finally {
      client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
