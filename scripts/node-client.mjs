#!/usr/bin/env node
// A minimal node app: connects to /ws/dashboard as a node and sends heartbeats, printing what the
// server says. Usage:
//   node scripts/node-client.mjs --token <access_token> [--url ws://localhost:3000] [--device my-laptop]
//                                [--name "Home fibre"] [--format json|msgpack] [--updates NodeUpdate,EarningsUpdate]
// A node gets its own NodeUpdate (at most once per NODE_PUSH_MS); --updates asks for other types too.
import { pack, unpack } from 'msgpackr';
import WebSocket from 'ws';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
if (!args.token) {
  console.error('usage: node scripts/node-client.mjs --token <access_token> [--url ws://localhost:3000] [--device id]');
  process.exit(2);
}
const base = args.url ?? 'ws://localhost:3000';
const format = args.format === 'msgpack' ? 'msgpack' : 'json';
const url = `${base}/ws/dashboard?token=${encodeURIComponent(args.token)}${format === 'msgpack' ? '&format=msgpack' : ''}`;
const device = args.device ?? `node-${process.pid}`;

const socket = new WebSocket(url);
const send = (message) => socket.send(format === 'msgpack' ? pack(message) : JSON.stringify(message));
let timer;

const updates = args.updates ? args.updates.split(',').map((type) => type.trim()) : undefined;
socket.on('open', () =>
  send({ type: 'Connect', payload: { device_id: device, network_name: args.name ?? device, role: 'node', ...(updates ? { updates } : {}) } }),
);
socket.on('message', (data, isBinary) => {
  const frame = isBinary ? unpack(data) : JSON.parse(data.toString());
  if (frame.type === 'Connected') {
    console.log(`connected as ${frame.payload.device_id}; heartbeat every ${frame.payload.heartbeat_interval_ms} ms`);
    timer = setInterval(() => send({ type: 'Heartbeat' }), frame.payload.heartbeat_interval_ms);
  } else if (frame.type === 'NodeUpdate') {
    const { node, earnings } = frame.payload;
    console.log(`node: uptime ${node.connection_time}s, score ${node.network_score}, points today ${earnings.today}, in all ${earnings.total}`);
  } else if (frame.type === 'EarningsUpdate') {
    const e = frame.payload.earnings;
    console.log(`account: total ${e.total} (network ${e.by_source.network}, referral ${e.by_source.referral}, bonus ${e.by_source.bonus})`);
  } else if (frame.type !== 'Heartbeat') {
    console.log(JSON.stringify(frame));
  }
});
socket.on('close', (code, reason) => {
  clearInterval(timer);
  console.log(`closed ${code} ${reason}`);
  process.exit(code === 1000 ? 0 : 1);
});
process.on('SIGINT', () => send({ type: 'Disconnect' }));
