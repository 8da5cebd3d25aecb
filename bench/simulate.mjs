/**
 * `npm run simulate -- --users 10 --nodes 50`: makes a running service look alive for a demo.
 * Registers users (each new one referred by an earlier one, so referral trees grow), connects
 * node sockets that heartbeat like node apps (with jitter, and now and then a node drops and comes
 * back), keeps a dashboard socket per user, registers a referred newcomer from time to time, and
 * shows a live table of what the dashboards see: points, nodes online, referrals completing.
 *
 * Options: --url [http://127.0.0.1:3000] --users [10] --nodes [50] --duration [0: until Ctrl-C]
 *          --churn [0.02: chance per node per second of dropping] --newcomers-every [30 s, 0: never]
 *
 * Your own account: `npm run simulate -- --email you@example.com --password '…'` (or
 * `--token <access token>`) makes that account the first of the --users: it runs its share of
 * the --nodes, and every user the simulator registers is your referee (their invite code is
 * yours), so your page shows your nodes earning, referees joining and their commission. A token
 * cannot be renewed: when it expires, sockets stop reconnecting (use --email/--password).
 *
 * For referrals to complete within a demo, run the service with a faster earning rate, e.g.
 *   POINTS_PER_HOUR=36000 REFERRAL_QUALIFY_POINTS=20 HEARTBEAT_INTERVAL_MS=5000 \
 *   AUTH_REQUESTS_PER_MINUTE=100000 npm start
 * (AUTH_REQUESTS_PER_MINUTE: registrations come from one IP.)
 */
import { request } from './lib/api.mjs';
import { LeanSocket, clientFrame } from './lib/lean-ws.mjs';
import { parseArgs, sleep } from './lib/proc.mjs';

const o = parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:3000',
  users: 10,
  nodes: 50,
  duration: 0,
  churn: 0.02,
  newcomersEvery: 30,
  email: '',
  password: '',
  token: '',
});
const { hostname: host, port: portText } = new URL(o.url);
const port = Number(portText || 80);
const HEARTBEAT = clientFrame('{"type":"Heartbeat"}');
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'zoe'];
const tag = Date.now().toString(36).slice(-5);
const users = [];
/** The account given with --email/--password or --token: every registered user is its referee. */
let account = null;
const nodes = [];
const events = [];
let heartbeatMs = 30_000;
let stopping = false;

function event(text) {
  events.push(`${new Date().toISOString().slice(11, 19)} ${text}`);
  if (events.length > 8) events.shift();
  if (!process.stdout.isTTY) process.stdout.write(`${events.at(-1)}\n`);
}

async function register(referrer) {
  const i = users.length;
  const name = `${NAMES[i % NAMES.length]}${i >= NAMES.length ? Math.floor(i / NAMES.length) : ''}_${tag}`;
  const response = await request(o.url, 'POST', '/api/auth/register', {
    body: {
      email: `${name}@demo.example.com`,
      username: name,
      password: 'demo-password-1',
      ...(referrer ? { referral_code: referrer.referralCode } : {}),
    },
  });
  if (response.status !== 201) throw new Error(`register ${name}: ${response.status} ${JSON.stringify(response.body)}`);
  const user = {
    name,
    id: response.body.user.id,
    referralCode: response.body.user.referral_code,
    token: response.body.access_token,
    refreshToken: response.body.refresh_token,
    referrer: referrer?.name ?? null,
    earnings: null,
    referrals: null,
    networks: [],
  };
  users.push(user);
  openDashboard(user);
  event(referrer ? `${name} joined, referred by ${referrer.name}` : `${name} joined`);
  return user;
}

/** Signs in to the account of --email/--password (or reads the one of --token). */
async function signIn() {
  let token = o.token;
  let refreshToken = null;
  if (o.email !== '') {
    if (o.password === '') throw new Error('--email needs --password');
    const response = await request(o.url, 'POST', '/api/auth/login', { body: { email: o.email, password: o.password } });
    if (response.status !== 200) throw new Error(`login as ${o.email}: ${response.status} ${response.body?.message ?? ''}`);
    token = response.body.access_token;
    refreshToken = response.body.refresh_token;
  }
  const me = await request(o.url, 'GET', '/api/user/me', { token });
  if (me.status !== 200) throw new Error(`GET /api/user/me with the token: ${me.status} ${me.body?.message ?? ''}`);
  const user = {
    name: me.body.username,
    id: me.body.id,
    referralCode: me.body.referral_code,
    token,
    refreshToken,
    referrer: null,
    earnings: null,
    referrals: null,
    networks: [],
  };
  users.push(user);
  openDashboard(user);
  event(`signed in as ${user.name}: your nodes and referees follow`);
  return user;
}

/** Who refers the next user: the account when there is one (so its page fills), else anyone. */
function nextReferrer() {
  return account ?? users[Math.floor(Math.random() * users.length)];
}

/** A dashboard socket per user: the source of what the table shows. */
function openDashboard(user) {
  const socket = new LeanSocket({
    host,
    port,
    path: `/ws/dashboard?token=${user.token}`,
    onOpen: (s) => s.sendText(JSON.stringify({ type: 'Connect', payload: { device_id: 'demo-dashboard', role: 'viewer' } })),
    onFrame: (_s, _op, payload) => {
      const frame = JSON.parse(payload.toString('utf8'));
      switch (frame.type) {
        case 'EarningsUpdate':
          user.earnings = frame.payload.earnings;
          return;
        case 'NetworkUpdate': {
          // The snapshot is the full list; later frames are deltas (API.md).
          const byId = new Map(frame.payload.full ? [] : (user.networks ?? []).map((n) => [n.id, n]));
          for (const id of frame.payload.removed) byId.delete(id);
          for (const n of frame.payload.networks) byId.set(n.id, n);
          user.networks = [...byId.values()];
          return;
        }
        case 'ReferralUpdate': {
          const before = user.referrals;
          user.referrals = frame.payload.referrals;
          if (before && user.referrals.rewarded > before.rewarded) event(`${user.name}: a referral completed, bonus paid (${user.referrals.points} referral points)`);
          return;
        }
        case 'Connected':
          heartbeatMs = frame.payload.heartbeat_interval_ms;
          return;
        default:
      }
    },
    onClose: (_s, code) => {
      if (stopping) return;
      if (code === 4401) return refresh(user).then((renewed) => renewed && openDashboard(user));
      setTimeout(() => openDashboard(user), 2_000).unref();
    },
  });
  user.dashboard = socket;
  user.dashboardBeat = setInterval(() => socket.send(HEARTBEAT), 20_000);
}

/** Renews a user's tokens; false when it cannot (a --token account, or the session ended). */
async function refresh(user) {
  if (user.refreshing) return user.refreshing;
  user.refreshing = (async () => {
    if (user.refreshToken === null) {
      event(`${user.name}: the token expired; run with --email/--password to keep going`);
      return false;
    }
    const response = await request(o.url, 'POST', '/api/auth/refresh', { body: { refresh_token: user.refreshToken } });
    if (response.status !== 200) {
      event(`${user.name}: could not renew the session (${response.status})`);
      return false;
    }
    user.token = response.body.access_token;
    user.refreshToken = response.body.refresh_token;
    return true;
  })().finally(() => {
    user.refreshing = null;
  });
  return user.refreshing;
}

function connectNode(node) {
  node.online = false;
  node.socket = new LeanSocket({
    host,
    port,
    path: `/ws/dashboard?token=${node.user.token}`,
    onOpen: (s) => s.sendText(JSON.stringify({ type: 'Connect', payload: { device_id: node.deviceId, network_name: node.name, role: 'node' } })),
    onFrame: (_s, _op, payload) => {
      if (payload.includes('"Connected"')) {
        node.online = true;
        scheduleBeat(node);
      }
    },
    onClose: (_s, code) => {
      node.online = false;
      clearTimeout(node.timer);
      if (stopping || node.resting) return;
      if (code === 4401) return void refresh(node.user).then((renewed) => renewed && connectNode(node));
      if (code !== 4001) setTimeout(() => connectNode(node), 3_000).unref();
    },
  });
}

function scheduleBeat(node) {
  const jitter = 1 + (Math.random() - 0.5) * 0.3;
  node.timer = setTimeout(() => {
    if (!node.online) return;
    node.socket.send(HEARTBEAT);
    scheduleBeat(node);
  }, heartbeatMs * jitter);
}

function addNode(user) {
  const index = nodes.filter((n) => n.user === user).length + 1;
  const node = { user, deviceId: `demo-${user.id}-${index}`, name: `${user.name.split('_')[0]}-node-${index}`, online: false, resting: false };
  nodes.push(node);
  connectNode(node);
}

/** Now and then a node drops (the app closed, the laptop slept) and comes back a little later. */
function churn() {
  for (const node of nodes) {
    if (!node.online || Math.random() >= o.churn) continue;
    node.resting = true;
    node.socket.sendText('{"type":"Disconnect"}');
    event(`${node.name} went offline`);
    setTimeout(() => {
      node.resting = false;
      if (stopping) return;
      connectNode(node);
      event(`${node.name} is back`);
    }, 5_000 + Math.random() * 15_000).unref();
  }
}

function draw(startedAt) {
  const online = nodes.filter((n) => n.online).length;
  const total = users.reduce((sum, u) => sum + (u.earnings?.total ?? 0), 0);
  const completed = users.reduce((sum, u) => sum + (u.referrals ? u.referrals.completed + u.referrals.rewarded : 0), 0);
  const pending = users.reduce((sum, u) => sum + (u.referrals?.pending ?? 0), 0);
  const header = `simulate → ${o.url} · ${Math.round((Date.now() - startedAt) / 1000)} s · ${users.length} users · ${online}/${nodes.length} nodes online · ${total.toFixed(3)} points · referrals ${pending} pending, ${completed} completed`;
  if (!process.stdout.isTTY) {
    process.stdout.write(`${header}\n`);
    return;
  }
  const rows = users.map((u) => {
    const mine = nodes.filter((n) => n.user === u);
    return [
      u.name.padEnd(16),
      (u.referrer ?? '–').padEnd(16),
      `${mine.filter((n) => n.online).length}/${mine.length}`.padStart(6),
      (u.earnings?.total ?? 0).toFixed(4).padStart(12),
      (u.earnings?.by_source.network ?? 0).toFixed(4).padStart(12),
      (u.earnings?.by_source.referral ?? 0).toFixed(4).padStart(10),
      (u.earnings?.by_source.bonus ?? 0).toFixed(2).padStart(8),
      `${u.referrals?.pending ?? 0}/${(u.referrals?.completed ?? 0) + (u.referrals?.rewarded ?? 0)}`.padStart(9),
    ].join(' ');
  });
  const title = ['user'.padEnd(16), 'referred by'.padEnd(16), 'nodes'.padStart(6), 'total'.padStart(12), 'network'.padStart(12), 'referral'.padStart(10), 'bonus'.padStart(8), 'pend/done'.padStart(9)].join(' ');
  process.stdout.write(`\x1b[2J\x1b[H${header}\n\n${title}\n${rows.join('\n')}\n\nrecent:\n${events.join('\n')}\n\nCtrl-C to stop\n`);
}

async function main() {
  const startedAt = Date.now();
  try {
    if (o.email !== '' || o.token !== '') account = await signIn();
  } catch (error) {
    process.stderr.write(`${error.message}\nIs the service running at ${o.url}, and are the credentials right?\n`);
    process.exit(1);
  }
  try {
    for (let i = users.length; i < o.users; i++) await register(i === 0 ? null : nextReferrer());
  } catch (error) {
    process.stderr.write(`${error.message}\nIs the service running at ${o.url}, with AUTH_REQUESTS_PER_MINUTE raised?\n`);
    process.exit(1);
  }
  await sleep(500);
  for (let k = 0; k < o.nodes; k++) addNode(users[k % users.length]);
  const timers = [
    setInterval(() => draw(startedAt), process.stdout.isTTY ? 1_000 : 5_000),
    setInterval(churn, 1_000),
  ];
  if (o.newcomersEvery > 0) {
    timers.push(
      setInterval(() => {
        register(nextReferrer()).then((user) => addNode(user), (error) => event(`registration failed: ${error.message}`));
      }, o.newcomersEvery * 1000),
    );
  }
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const timer of timers) clearInterval(timer);
    for (const node of nodes) {
      clearTimeout(node.timer);
      node.socket?.sendText('{"type":"Disconnect"}');
      node.socket?.close(1000);
    }
    for (const user of users) {
      clearInterval(user.dashboardBeat);
      user.dashboard?.close(1000);
    }
    draw(startedAt);
    setTimeout(() => process.exit(0), 500);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (o.duration > 0) setTimeout(stop, o.duration * 1000);
}

void main();
