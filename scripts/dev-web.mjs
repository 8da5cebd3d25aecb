#!/usr/bin/env node
/**
 * `npm run dev:web`: the web dashboard with hot reload (Vite, http://localhost:5173) against the
 * real service. Vite proxies /api, /ws, /health and /docs to WEB_BACKEND_URL when it is set;
 * otherwise to http://127.0.0.1:$PORT (3000), where this starts the service on its embedded
 * defaults (`npm start`: embedded PostgreSQL under ./data, no Redis) unless one already answers.
 * Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const backend = process.env.WEB_BACKEND_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
/** The first start may install, build and initialise the embedded database. */
const START_TIMEOUT_MS = 300_000;

async function alive() {
  try {
    return (await fetch(new URL('/health/live', backend), { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

let service = null;
if (process.env.WEB_BACKEND_URL === undefined && !(await alive())) {
  process.stderr.write(`Starting the service on its defaults (npm start) at ${backend}\n`);
  service = spawn(process.execPath, [join(root, 'scripts', 'start.js')], { cwd: root, stdio: 'inherit' });
  const exited = new Promise((resolve) => service.once('exit', resolve));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await alive()) break;
    const code = await Promise.race([exited, sleep(500, 'waiting')]);
    if (code !== 'waiting') {
      process.stderr.write(`The service exited (${code}) before answering; see its output above.\n`);
      process.exit(1);
    }
    if (Date.now() > deadline) {
      process.stderr.write(`The service did not answer ${backend}/health/live within ${START_TIMEOUT_MS / 1000} s.\n`);
      service.kill('SIGTERM');
      process.exit(1);
    }
  }
}

process.env.WEB_BACKEND_URL = backend; // read by web/vite.config.ts
const { createServer } = await import('vite');
const vite = await createServer({ configFile: join(root, 'web', 'vite.config.ts') });
await vite.listen();
vite.printUrls();
process.stderr.write(`  API and WebSocket: ${backend}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await vite.close();
  if (service !== null && service.exitCode === null) {
    const exited = new Promise((resolve) => service.once('exit', resolve));
    service.kill('SIGTERM'); // a graceful stop: the service writes its buffered accruals first
    await exited;
  }
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
