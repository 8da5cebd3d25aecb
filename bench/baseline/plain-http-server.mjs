/**
 * The REST baseline: plain node:http answering GET /api/earnings/summary with the same JSON as
 * the service, in one of two modes:
 *
 * - `static` (the target's baseline): the bearer token's `sub` (HS256 signature checked) picks
 *   the user's EarningsData from a JSON file fetched from the service beforehand: what serving the
 *   same JSON costs in plain Node, with no framework and no database.
 * - `pg`: the same token check, then the service's own EarningsService and EarningsRepository
 *   (from dist/) over a pg Pool: the same SQL and the same mapper, minus Nest, Fastify, passport,
 *   validation, logging and session checks. Tells framework cost from database cost.
 *
 * Usage: node bench/baseline/plain-http-server.mjs --mode static --data file.json
 *        node bench/baseline/plain-http-server.mjs --mode pg --database-url postgres://…
 * Prints `listening <port>` on stdout once ready.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs, ROOT } from '../lib/proc.mjs';

const require = createRequire(import.meta.url);
const options = parseArgs(process.argv.slice(2), {
  port: 0,
  mode: 'static',
  data: '',
  databaseUrl: '',
  poolSize: 20,
  secret: process.env.JWT_SECRET ?? '',
});
const secret = Buffer.from(options.secret);

function userOf(header) {
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
  const parts = header.slice(7).split('.');
  if (parts.length !== 3) return null;
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return null;
  return Number.isSafeInteger(claims.sub) ? claims.sub : null;
}

let summaryOf;
if (options.mode === 'static') {
  const bodies = new Map(Object.entries(JSON.parse(readFileSync(options.data, 'utf8'))).map(([id, body]) => [Number(id), JSON.stringify(body)]));
  summaryOf = (userId) => bodies.get(userId) ?? null;
} else {
  const pg = require('pg');
  const { loadConfig } = require(join(ROOT, 'dist/src/config/index.js'));
  const { EarningsRepository } = require(join(ROOT, 'dist/src/modules/earnings/earnings.repository.js'));
  const { EarningsService } = require(join(ROOT, 'dist/src/modules/earnings/earnings.service.js'));
  const { PG_TYPE_PARSERS } = require(join(ROOT, 'dist/src/database/pg-types.js'));
  // The service's type parsers (BIGINT as a number), as its data source uses them.
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize, types: PG_TYPE_PARSERS });
  const dataSource = { query: async (sql, params) => (await pool.query(sql, params)).rows };
  // No read cache: the baseline runs the service's SQL on every request.
  const service = new EarningsService(new EarningsRepository(dataSource), loadConfig({}), { setUpdater: () => undefined });
  summaryOf = async (userId) => {
    const summary = (await service.summaries([userId])).get(userId);
    return summary === undefined ? null : JSON.stringify(summary);
  };
}

const UNAUTHORIZED = JSON.stringify({ error: 'Unauthorized', message: 'Invalid access token' });

const server = http.createServer(async (req, res) => {
  if (req.method !== 'GET' || req.url !== '/api/earnings/summary') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"EntityNotFound","message":"Not found"}');
    return;
  }
  const userId = userOf(req.headers.authorization);
  const body = userId === null ? null : await summaryOf(userId);
  if (body === null) {
    res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(UNAUTHORIZED) });
    res.end(UNAUTHORIZED);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(options.port, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
