/**
 * Why the service's REST requests and WebSocket upgrades spend ~0.3 ms in token checks (see
 * BENCHMARKS.md): jsonwebtoken 9, given an HS256 secret as a string, first tries
 * crypto.createPublicKey(secret) — which fails, building an error with a stack — and only then
 * createSecretKey. A KeyObject made once skips that. Usage: node bench/micro/jwt-verify.mjs
 */
import { createSecretKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../lib/proc.mjs';

const jwt = createRequire(join(ROOT, 'package.json'))('jsonwebtoken');
const secret = 'bench-secret-bench-secret-bench-secret-0123456789';
const token = jwt.sign({ sub: 1, sid: 'session', role: 'user' }, secret, { algorithm: 'HS256', expiresIn: 900 });
const key = createSecretKey(Buffer.from(secret));
const results = {};
for (const [name, k] of [['string secret', secret], ['KeyObject', key], ['string secret', secret], ['KeyObject', key]]) {
  const n = 20_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) jwt.verify(token, k, { algorithms: ['HS256'] });
  results[name] = Number(process.hrtime.bigint() - started) / n / 1000;
}
for (const [name, us] of Object.entries(results)) console.log(`${name.padEnd(14)} ${us.toFixed(1)} µs per verify`);
console.log(`ratio          ${(results['string secret'] / results.KeyObject).toFixed(0)}×`);
