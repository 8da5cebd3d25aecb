/**
 * What refusing one socket costs an instance at its limit (`WS_MAX_CONNECTIONS`): the service's
 * CPU time per refused upgrade attempt, for this build and, with `--compare-root DIR`, another
 * built checkout (e.g. one that still accepted the socket and closed it with 1013), measured
 * alternately on the same machine. CPU time per attempt, not wall time: what a reconnect storm
 * against full instances takes from them.
 *
 *   node bench/micro/refusal-cost.mjs [--attempts 5000] [--concurrency 64] [--rounds 3] [--compare-root ../old]
 */
import { registerUsers } from '../lib/api.mjs';
import { clientFrame, LeanSocket } from '../lib/lean-ws.mjs';
import { createDatabase, parseArgs, ROOT, startService } from '../lib/proc.mjs';
import { fmt } from '../lib/stats.mjs';

const o = parseArgs(process.argv.slice(2), { attempts: 5_000, concurrency: 64, rounds: 3, compareRoot: '' });

/** Opens one socket and sends Connect; resolves when the server answered Connected. */
function holdOne(port, token) {
  return new Promise((resolve, reject) => {
    const socket = new LeanSocket({
      host: '127.0.0.1',
      port,
      path: `/ws/dashboard?token=${token}`,
      onOpen: (s) => s.send(clientFrame(JSON.stringify({ type: 'Connect', payload: { device_id: 'held', role: 'viewer' } }))),
      onFrame: (_s, _op, payload) => payload.includes('"Connected"') && resolve(socket),
      onClose: (_s, code, error) => reject(new Error(`held socket closed ${code} ${error?.message ?? ''}`)),
    });
  });
}

/** `attempts` upgrades, `concurrency` at a time, each until the server has refused it. */
async function refuseMany(port, token) {
  const outcomes = {};
  let started = 0;
  await new Promise((resolve) => {
    let inFlight = 0;
    const launch = () => {
      while (inFlight < o.concurrency && started < o.attempts) {
        started += 1;
        inFlight += 1;
        new LeanSocket({
          host: '127.0.0.1',
          port,
          path: `/ws/earnings?token=${token}`,
          onClose: (_s, code, error) => {
            const key = code === 0 ? (/HTTP\/1\.1 (\d{3})/.exec(error?.message ?? '')?.[1] ?? 'refused') : String(code);
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            inFlight -= 1;
            if (started >= o.attempts && inFlight === 0) resolve();
            else launch();
          },
        });
      }
    };
    launch();
  });
  return outcomes;
}

async function measure(root, label) {
  const db = await createDatabase('refusal');
  const service = await startService({ DATABASE_URL: db.url, WS_MAX_CONNECTIONS: '1' }, { root, label });
  try {
    const [user] = (await registerUsers(service.url, 1, { prefix: 'rf' })).users;
    const held = await holdOne(service.port, user.token);
    const before = service.stats().cpuMs;
    const outcomes = await refuseMany(service.port, user.token);
    const cpuUsPerAttempt = ((service.stats().cpuMs - before) * 1000) / o.attempts;
    held.destroy();
    return { label, cpuUsPerAttempt, outcomes };
  } finally {
    await service.stop();
    await db.drop();
  }
}

const builds = [{ root: ROOT, label: 'this build' }];
if (o.compareRoot) builds.push({ root: o.compareRoot, label: o.compareRoot });
const results = Object.fromEntries(builds.map((b) => [b.label, []]));
for (let round = 0; round < o.rounds; round++) {
  for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
    const result = await measure(build.root, build.label);
    results[build.label].push(result.cpuUsPerAttempt);
    console.log(`round ${round + 1} ${build.label}: ${fmt(result.cpuUsPerAttempt, 1)} µs of service CPU per refused attempt; outcomes ${JSON.stringify(result.outcomes)}`);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [label, values] of Object.entries(results)) console.log(`${label}: median ${fmt(median(values), 1)} µs per refused attempt`);
if (builds.length === 2) {
  const [a, b] = builds.map((build) => median(results[build.label]));
  console.log(`ratio (this build / ${builds[1].label}): ${fmt(a / b, 2)}×`);
}
