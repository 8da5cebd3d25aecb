import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

interface Simulation {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function simulate(args: string[]): Simulation {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'simulate.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * `npm run simulate` for a newcomer's own account: with --email/--password (or --token) the
 * simulator runs nodes for that account and registers referees with its referral code, so the
 * account's page moves. Wrong credentials end it with a message, not a stack trace.
 */
describe('simulate for an existing account', () => {
  let app: TestApp;
  let me: RegisteredUser;
  const running: Simulation[] = [];

  beforeAll(async () => {
    app = await startTestApp({ label: 'simulate' });
    me = await registerUser(app);
  });
  afterAll(async () => {
    for (const simulation of running) if (simulation.child.exitCode === null) simulation.child.kill('SIGKILL');
    await app?.close();
  });

  const start = (args: string[]) => {
    const simulation = simulate(['--url', app.url, '--churn', '0', '--newcomers-every', '0', ...args]);
    running.push(simulation);
    return simulation;
  };
  const connectedNodes = async (user: RegisteredUser) =>
    ((await api(app, 'GET', '/api/networks', { token: user.accessToken })).body.items as Array<{ device_id: string; connected: boolean }>).filter(
      (node) => node.connected,
    );

  it('--email/--password: runs the account’s nodes and invites referees with its code', async () => {
    const simulation = start(['--email', me.email, '--password', me.password, '--users', '3', '--nodes', '6']);
    // Six nodes round-robin over the account and its two referees: two are the account's.
    await waitUntil(async () => (await connectedNodes(me)).length === 2, { what: `two nodes of the account online; output: ${simulation.output()}` });
    const referrals = await api(app, 'GET', '/api/referrals', { token: me.accessToken });
    expect(referrals.body.items).toHaveLength(2);

    simulation.child.kill('SIGTERM');
    expect(await simulation.exited).toBe(0);
    // The nodes said Disconnect on the way out.
    await waitUntil(async () => (await connectedNodes(me)).length === 0, { what: 'the account’s nodes offline' });
  });

  it('--token: runs nodes for the account the access token belongs to', async () => {
    const other = await registerUser(app);
    const simulation = start(['--token', other.accessToken, '--users', '1', '--nodes', '1']);
    await waitUntil(async () => (await connectedNodes(other)).length === 1, { what: `the node online; output: ${simulation.output()}` });
    expect((await api(app, 'GET', '/api/referrals', { token: other.accessToken })).body.items).toHaveLength(0);
    simulation.child.kill('SIGTERM');
    expect(await simulation.exited).toBe(0);
  });

  it('refuses wrong credentials with a message and exit code 1, registering nobody', async () => {
    const usersBefore = await countUsers(app);
    const wrongPassword = start(['--email', me.email, '--password', 'not the password', '--users', '3', '--nodes', '3']);
    expect(await wrongPassword.exited).toBe(1);
    expect(wrongPassword.output()).toContain(`login as ${me.email}: 401`);

    const badToken = start(['--token', 'not-a-token', '--nodes', '1']);
    expect(await badToken.exited).toBe(1);
    expect(badToken.output()).toContain('GET /api/user/me with the token: 401');

    const noPassword = start(['--email', me.email]);
    expect(await noPassword.exited).toBe(1);
    expect(noPassword.output()).toContain('--email needs --password');
    expect(await countUsers(app)).toBe(usersBefore);
  });
});

async function countUsers(app: TestApp): Promise<number> {
  const [row] = await sql<{ n: number }>(app.database.url, 'SELECT count(*)::int AS n FROM users');
  return row!.n;
}
