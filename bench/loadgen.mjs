/**
 * `npm run loadgen -- [options]`: load against a running service. Registers users through the
 * API, opens node and dashboard sockets (spread over several client processes and 127.0.0.x source
 * addresses), heartbeats with jitter, prints progress every second and a summary at the end:
 * connect rate, failures, heartbeat round trip p50/p99, EarningsUpdate delivery latency.
 *
 * Options (defaults in brackets):
 *   --url            service base URL                                 [http://127.0.0.1:3000]
 *   --users          users to register                                [100]
 *   --nodes          node sockets, spread over the users              [1000]
 *   --dashboards     dashboard sockets (role viewer), spread likewise [100]
 *   --heartbeat-ms   heartbeat period per socket                      [30000, the service default]
 *   --jitter         heartbeat jitter, fraction of the period         [0.2]
 *   --duration       seconds to run after the sockets are open        [60]
 *   --procs          client processes (auto: one per 19,500 sockets, at least 2)
 *   --concurrency    registrations in flight                          [8]
 *   --json           also print the summary as one JSON line
 *
 * The service needs AUTH_REQUESTS_PER_MINUTE raised (registration is throttled per IP, 30 a
 * minute by default) and, for runs over 15 minutes, JWT_ACCESS_TTL longer than the run.
 * EarningsUpdate latency is measured from the ledger write (`updated_at`) to arrival; it includes
 * the service's EARNINGS_FLUSH_MS batching wait only from the flush on, and the EARNINGS_PUSH_MS
 * coalescing in full.
 */
import { registerUsers } from './lib/api.mjs';
import { Fleet, MAX_SOCKETS_PER_PROCESS } from './lib/fleet.mjs';
import { parseArgs, sleep } from './lib/proc.mjs';
import { fmt, Histogram } from './lib/stats.mjs';

const o = parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:3000',
  users: 100,
  nodes: 1000,
  dashboards: 100,
  heartbeatMs: 30_000,
  jitter: 0.2,
  duration: 60,
  procs: 0,
  concurrency: 8,
  json: false,
});

const say = (line) => process.stdout.write(`${line}\n`);

async function main() {
  const started = Date.now();
  const t = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s`;
  say(`loadgen → ${o.url}: ${o.users} users, ${o.nodes} nodes, ${o.dashboards} dashboards, heartbeat ${o.heartbeatMs} ms ±${Math.round(o.jitter * 50)} %, ${o.duration} s`);

  let lastShown = 0;
  const registration = await registerUsers(o.url, o.users, {
    concurrency: o.concurrency,
    onProgress: (done, failures) => {
      if (Date.now() - lastShown < 1_000 && done < o.users) return;
      lastShown = Date.now();
      say(`${t()} registered ${done}/${o.users} users (${failures} retried)`);
    },
  }).catch((error) => {
    say(`registration failed: ${error.message}`);
    say('Is the service running, and AUTH_REQUESTS_PER_MINUTE raised (e.g. 1000000)?');
    process.exit(1);
  });
  const users = registration.users;
  const regSeconds = (Date.now() - started) / 1000;

  const specs = [];
  for (let k = 0; k < o.nodes; k++) {
    const user = users[k % users.length];
    specs.push({ path: `/ws/dashboard?token=${user.token}`, connect: { device_id: `lg-node-${Math.floor(k / users.length)}`, role: 'node' } });
  }
  for (let k = 0; k < o.dashboards; k++) {
    const user = users[k % users.length];
    specs.push({ path: `/ws/dashboard?token=${user.token}`, connect: { device_id: `lg-view-${Math.floor(k / users.length)}`, role: 'viewer' } });
  }
  const procs = o.procs > 0 ? o.procs : Math.max(2, Math.ceil(specs.length / MAX_SOCKETS_PER_PROCESS));
  const fleet = new Fleet(procs);
  say(`${t()} opening ${specs.length} sockets from ${procs} client processes (source addresses ${fleet.workers[0].addresses[0]} …)`);

  const totals = { rtt: new Histogram(), update: new Histogram(), connect: new Histogram(), hbSent: 0, hbReceived: 0, updates: 0, frames: {}, closes: {} };
  let previousConnected = 0;
  let last = Date.now();
  const show = async (phase) => {
    const s = await fleet.stats(true);
    const now = Date.now();
    const seconds = (now - last) / 1000;
    last = now;
    totals.rtt.merge(s.rtt);
    totals.update.merge(s.updateLatency);
    totals.connect.merge(s.connectLatency);
    totals.hbSent += s.hbSent;
    totals.hbReceived += s.hbReceived;
    totals.updates += s.updates;
    for (const [k, v] of Object.entries(s.frames)) totals.frames[k] = (totals.frames[k] ?? 0) + v;
    totals.closes = s.closes;
    const connectRate = (s.connected - previousConnected) / seconds;
    previousConnected = s.connected;
    const closes = Object.entries(s.closes).map(([code, n]) => `${code}×${n}`).join(' ');
    say(
      `${t()} ${phase} ${s.connected}/${specs.length} open (+${fmt(connectRate, 0)}/s) · ${s.errors} failed` +
        ` · hb ${fmt(s.hbReceived / seconds, 0)}/s rtt p50 ${fmt(s.rtt.percentile(50), 2)} p99 ${fmt(s.rtt.percentile(99), 2)} ms` +
        ` · updates ${fmt(s.updates / seconds, 0)}/s latency p50 ${fmt(s.updateLatency.percentile(50), 0)} p99 ${fmt(s.updateLatency.percentile(99), 0)} ms` +
        (closes ? ` · closed ${closes}` : '') +
        (s.lastError ? ` · last error: ${s.lastError.slice(0, 80)}` : ''),
    );
    return s;
  };

  const openStarted = Date.now();
  let opening = true;
  const opened = fleet.open(o.url, specs).then(() => (opening = false));
  while (opening) {
    await Promise.race([opened, sleep(1_000)]);
    await show('connecting');
  }
  const openSeconds = (Date.now() - openStarted) / 1000;
  const afterOpen = await fleet.stats();

  await fleet.heartbeat(o.heartbeatMs, o.jitter);
  const runUntil = Date.now() + o.duration * 1000;
  while (Date.now() < runUntil) {
    await sleep(Math.min(1_000, runUntil - Date.now()));
    await show('running');
  }
  const final = await show('done');
  await fleet.close();

  const summary = {
    users: users.length,
    registrationPerSecond: users.length / regSeconds,
    registrationRetries: registration.failures,
    sockets: specs.length,
    connected: afterOpen.connected,
    failed: afterOpen.errors,
    connectPerSecond: afterOpen.connected / openSeconds,
    connectLatencyMs: { p50: totals.connect.percentile(50), p99: totals.connect.percentile(99) },
    heartbeats: { sent: totals.hbSent, answered: totals.hbReceived, rttMs: totals.rtt.summary() },
    earningsUpdates: { received: totals.updates, latencyMs: totals.update.summary() },
    frames: totals.frames,
    stillOpenAtEnd: final.connected,
    closes: totals.closes,
  };
  say('');
  say(`registered      ${summary.users} users at ${fmt(summary.registrationPerSecond, 1)}/s (${summary.registrationRetries} retried)`);
  say(`connected       ${summary.connected}/${summary.sockets} sockets at ${fmt(summary.connectPerSecond, 0)}/s; ${summary.failed} failed; Connected p50 ${fmt(summary.connectLatencyMs.p50, 1)} p99 ${fmt(summary.connectLatencyMs.p99, 1)} ms`);
  say(`heartbeats      ${summary.heartbeats.answered}/${summary.heartbeats.sent} answered; RTT p50 ${fmt(summary.heartbeats.rttMs.p50, 2)} p99 ${fmt(summary.heartbeats.rttMs.p99, 2)} ms`);
  say(`EarningsUpdate  ${summary.earningsUpdates.received} received; delivery latency p50 ${fmt(summary.earningsUpdates.latencyMs.p50, 0)} p99 ${fmt(summary.earningsUpdates.latencyMs.p99, 0)} ms`);
  say(`frames          ${JSON.stringify(summary.frames)}`);
  if (o.json) say(JSON.stringify(summary));
}

main().catch((error) => {
  process.stderr.write(`loadgen failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
