/**
 * The fan-out's write loop: one JSON update written to many sockets as the same string (each
 * write encodes it to UTF-8) against the same Buffer encoded once (sent as text), alternating.
 * Measures the synchronous send loop only (ws.send down to the writev system call), CPU time.
 *
 * Usage: node bench/micro/shared-frame.mjs [--sockets 2000] [--rounds 40] [--bytes 400]
 */
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { parseArgs } from '../lib/proc.mjs';

const { sockets, rounds, bytes } = parseArgs(process.argv.slice(2), { sockets: 2_000, rounds: 40, bytes: 400 });
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
await once(server, 'listening');
const accepted = [];
server.on('connection', (ws) => accepted.push(ws));
const url = `ws://127.0.0.1:${server.address().port}`;
const clients = [];
for (let i = 0; i < sockets; i++) {
  const client = new WebSocket(url);
  clients.push(client);
  if (i % 200 === 199) await Promise.all(clients.slice(-200).map((c) => (c.readyState === 1 ? null : once(c, 'open'))));
}
await Promise.all(clients.map((c) => (c.readyState === 1 ? null : once(c, 'open'))));
while (accepted.length < sockets) await once(server, 'connection');

const frame = { type: 'EarningsUpdate', payload: { earnings: { total: '1.5', note: 'ü'.repeat(4) + 'x'.repeat(bytes) } } };
const TEXT = { binary: false };
const cpu = { string: 0, buffer: 0 };
const drain = () => new Promise((resolve) => setTimeout(resolve, 30));
for (let round = 0; round < rounds; round++) {
  for (const kind of round % 2 === 0 ? ['string', 'buffer'] : ['buffer', 'string']) {
    const started = process.cpuUsage();
    if (kind === 'string') {
      const data = JSON.stringify(frame);
      for (const ws of accepted) ws.send(data);
    } else {
      const data = Buffer.from(JSON.stringify(frame));
      for (const ws of accepted) ws.send(data, TEXT);
    }
    const used = process.cpuUsage(started);
    cpu[kind] += used.user + used.system;
    await drain();
  }
}
const per = (kind) => cpu[kind] / (rounds * sockets);
console.log(`${sockets} sockets × ${rounds} rounds, ${JSON.stringify(frame).length} B frames: string ${per('string').toFixed(2)} µs/send, buffer ${per('buffer').toFixed(2)} µs/send, buffer/string ${(per('buffer') / per('string')).toFixed(2)}×`);
for (const c of clients) c.terminate();
server.close();
