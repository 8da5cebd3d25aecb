import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { SharedUpdate, wireFrame, writeWireFrame } from './prepared-frame';

/** A ws server as the lean adapter sets it up (no permessage-deflate), with one client connected. */
async function connectedPair(): Promise<{ server: WebSocketServer; serverSide: WebSocket; client: WebSocket }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [[serverSide]] = await Promise.all([accepted, once(client, 'open')]);
  return { server, serverSide, client };
}

function received(client: WebSocket, count: number): Promise<Array<{ data: Buffer; isBinary: boolean }>> {
  const messages: Array<{ data: Buffer; isBinary: boolean }> = [];
  return new Promise((resolve) => {
    client.on('message', (data: Buffer, isBinary: boolean) => {
      messages.push({ data, isBinary });
      if (messages.length === count) resolve(messages);
    });
  });
}

describe('prepared frames', () => {
  it('are read by a ws client as the frames ws.send makes, at each length encoding, in order with them', async () => {
    const { server, serverSide, client } = await connectedPair();
    try {
      // 7-bit, 16-bit and 64-bit payload lengths; text and binary.
      const payloads = [Buffer.from('{"type":"EarningsUpdate"}'), Buffer.from('é'.repeat(150)), Buffer.alloc(70_000, 0x61)];
      const messages = received(client, 7);
      serverSide.send('first', { binary: false });
      for (const payload of payloads) expect(writeWireFrame(serverSide, wireFrame(payload, false))).toBe(true);
      expect(writeWireFrame(serverSide, wireFrame(Buffer.from([1, 2, 3]), true))).toBe(true);
      serverSide.send('between', { binary: false });
      expect(writeWireFrame(serverSide, wireFrame(Buffer.alloc(0), false))).toBe(true);
      const got = await messages;
      expect(got.map((m) => m.isBinary)).toEqual([false, false, false, false, true, false, false]);
      expect(got.map((m) => m.data.toString('latin1'))).toEqual(
        ['first', ...payloads.map((p) => p.toString('latin1')), '\u0001\u0002\u0003', 'between', ''],
      );
    } finally {
      client.terminate();
      server.close();
    }
  });

  it('shares one encoding per format and makes the wire bytes once', () => {
    const update = new SharedUpdate({ type: 'Heartbeat' }, 'json');
    expect(update.payload.toString()).toBe('{"type":"Heartbeat"}');
    expect(update.wireBytes).toBe(update.wireBytes);
    expect([...update.wireBytes.subarray(0, 2)]).toEqual([0x81, 20]);
    const binary = new SharedUpdate({ type: 'Heartbeat' }, 'msgpack');
    expect(binary.wireBytes[0]).toBe(0x82);
  });
});
