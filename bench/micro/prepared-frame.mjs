/**
 * The fan-out's write loop: one update written to many sockets through ws.send (the same Buffer,
 * sent as text) against a prepared frame (WebSocket header and payload in one Buffer, made once)
 * written to each socket's TCP stream, alternating. CPU time of the synchronous send loop.
 *
 * Usage: node bench/micro/prepared-frame.mjs [--sockets 2000] [--rounds 40] [--bytes 250]
 */
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { parseArgs } from '../lib/proc.mjs';

const { sockets, rounds, bytes } = parseArgs(process.argv.slice(2), { sockets: 2_000, rounds: 40, bytes: 250 });
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
await once(server, 'listening');
const accepted = [];
server.on('connection', (ws, request) => accepted.push({ ws, socket: request.socket }));
const url = `ws://127.0.0.1:${server.address().port}`;
const clients = [];
let received = 0;
for (let i = 0; i < sockets; i++) {
  const client = new WebSocket(url);
  client.on('message', () => (received += 1));
  clients.push(client);
  if (i % 200 === 199) await Promise.all(clients.slice(-200).map((c) => (c.readyState === 1 ? null : once(c, 'open'))));
}
await Promise.all(clients.map((c) => (c.readyState === 1 ? null : once(c, 'open'))));
while (accepted.length < sockets) await once(server, 'connection');

const frame = { type: 'EarningsUpdate', payload: { earnings: { total: 1.5, note: 'x'.repeat(bytes) } } };
const TEXT = { binary: false };
function prepared(payload) {
  const header = payload.length > 125 ? Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]) : Buffer.from([0x81, payload.length]);
  return Buffer.concat([header, payload]);
}
const cpu = { send: 0, prepared: 0 };
const drain = async (expected) => {
  while (received < expected) await new Promise((resolve) => setTimeout(resolve, 5));
};
for (let round = 0; round < rounds; round++) {
  for (const kind of round % 2 === 0 ? ['send', 'prepared'] : ['prepared', 'send']) {
    const started = process.cpuUsage();
    const data = Buffer.from(JSON.stringify(frame));
    if (kind === 'send') {
      for (const { ws } of accepted) ws.send(data, TEXT);
    } else {
      const bytesOnWire = prepared(data);
      for (const { socket } of accepted) socket.write(bytesOnWire);
    }
    const used = process.cpuUsage(started);
    cpu[kind] += used.user + used.system;
    await drain((round * 2 + (kind === 'send' ? 1 : 1)) * sockets);
  }
  await drain((round + 1) * 2 * sockets);
}
const per = (kind) => cpu[kind] / (rounds * sockets);
console.log(`${sockets} sockets × ${rounds} rounds, ${JSON.stringify(frame).length} B frames: ws.send ${per('send').toFixed(2)} µs/send, prepared ${per('prepared').toFixed(2)} µs/send, prepared/send ${(per('prepared') / per('send')).toFixed(2)}×; ${received} received`);
for (const c of clients) c.terminate();
server.close();
