import { Parser } from '@asyncapi/parser';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerUser, RegisteredUser } from '../support/api-client';
import { FrameValidator } from '../support/asyncapi-frames';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';
import { linkWallet } from '../support/wallet';
import { microPointsOf } from '../../src/common/points';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { SettlementService } from '../../src/modules/settlement/settlement.service';

/**
 * The machine-readable API descriptions: what the service serves is what the repository commits
 * (docs/openapi.json, docs/asyncapi.json) and what the web client's types are generated from; the
 * OpenAPI document lints clean with Redocly's recommended rules; the AsyncAPI document parses with
 * @asyncapi/parser, says what API.md says, and matches the frames on the wire.
 */

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, any>;

/** Generated files that must follow the code (scripts/api-docs.mjs). */
const GENERATED = ['docs/openapi.json', 'docs/asyncapi.json', 'web/src/api/generated/openapi.ts', 'web/src/api/generated/asyncapi.ts'];

// ---------------------------------------------------------------- expectations, from API.md

const CLIENT_MESSAGES = ['Connect', 'Heartbeat', 'Disconnect'];
const CONTROL = ['Connected', 'Heartbeat', 'Error', 'Disconnect'];
const ENDPOINTS: Record<string, readonly string[]> = {
  '/ws/dashboard': [...CONTROL, 'NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate', 'NotificationUpdate', 'Notification', 'NodeUpdate', 'SettlementUpdate'],
  '/ws/earnings': [...CONTROL, 'EarningsUpdate', 'SettlementUpdate'],
  '/ws/referrals': [...CONTROL, 'ReferralUpdate'],
};
const CLOSE_CODES = [1000, 1001, 1008, 1009, 1011, 1013, 4000, 4001, 4401, 4408];

const ASYNCAPI = readJson('docs/asyncapi.json');

async function scriptResult(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [join(ROOT, 'scripts', 'api-docs.mjs'), ...args], { cwd: ROOT, env: { ...process.env, CI: '' } });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? String(error) };
  }
}

async function redoclyLint(file: string): Promise<{ totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string }> }> {
  const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const args = [cli, 'lint', file, '--format', 'json', '--config', join(ROOT, 'redocly.yaml')];
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    // Exit code 1 when there are errors; the report is on stdout all the same.
    stdout = (error as { stdout?: string }).stdout ?? '';
  }
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string }> };
}

describe('API documents', () => {
  let app: TestApp;
  let user: RegisteredUser;
  let scratch: string;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'api_documents',
      env: { HEARTBEAT_INTERVAL_MS: '1000', CLIENT_TIMEOUT_MS: '3000' },
    });
    user = await registerUser(app);
    scratch = mkdtempSync(join(tmpdir(), 'api-documents-'));
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await app?.close();
  });

  describe('served', () => {
    it('serves exactly the committed docs/openapi.json and docs/asyncapi.json', async () => {
      const openapi = await fetch(`${app.url}/docs-json`);
      const asyncapi = await fetch(`${app.url}/docs/asyncapi.json`);
      expect([openapi.status, asyncapi.status]).toEqual([200, 200]);
      expect(asyncapi.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await openapi.json()).toEqual(readJson('docs/openapi.json'));
      expect(await asyncapi.json()).toEqual(readJson('docs/asyncapi.json'));
    });

    it('renders a page next to /docs that needs nothing from elsewhere', async () => {
      const response = await fetch(`${app.url}/docs/asyncapi`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      const page = await response.text();
      expect(page.match(/(?:src|href)="(?!#|\/)[^"]*"/g)).toBeNull();
      expect(page).not.toMatch(/<script/);
      const missing = [...Object.values(ENDPOINTS).flat(), ...CLIENT_MESSAGES, ...Object.keys(ENDPOINTS), ...CLOSE_CODES.map((code) => `<td>${code}</td>`)].filter(
        (text) => !page.includes(String(text)),
      );
      expect(missing).toEqual([]);
    });
  });

  describe('OpenAPI', () => {
    it("lints clean with Redocly's recommended rules", async () => {
      const report = await redoclyLint(join(ROOT, 'docs', 'openapi.json'));
      expect(report.problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    });

    it('and the linter would catch a public route that does not say `security: []`', async () => {
      const document = readJson('docs/openapi.json');
      delete document.paths['/api/auth/login'].post.security;
      const file = join(scratch, 'openapi-without-security.json');
      writeFileSync(file, JSON.stringify(document));
      const report = await redoclyLint(file);
      expect(report.totals.errors).toBe(1);
      expect(report.problems.map((problem) => problem.ruleId)).toEqual(['security-defined']);
    });
  });

  describe('AsyncAPI', () => {
    const document = ASYNCAPI;
    /** Parsed once: the parser runs a full rule set (seconds of CPU). */
    let parsed: Awaited<ReturnType<Parser['parse']>>;
    beforeAll(async () => {
      parsed = await new Parser().parse(JSON.stringify(document));
    });

    it('parses with @asyncapi/parser: AsyncAPI 3, no errors or warnings', () => {
      // Severities: 0 error, 1 warning, 2 information, 3 hint.
      expect(parsed.diagnostics.filter((diagnostic) => diagnostic.severity <= 1).map((diagnostic) => diagnostic.message)).toEqual([]);
      expect(parsed.document?.version()).toMatch(/^3\./);
      expect(
        parsed.document!
          .channels()
          .all()
          .map((channel) => channel.address())
          .sort(),
      ).toEqual(Object.keys(ENDPOINTS).sort());
    });

    it('and the parser would refuse a message whose payload schema is missing', async () => {
      const broken = JSON.parse(JSON.stringify(document)) as Record<string, any>;
      delete broken.components.schemas['server.Connected'];
      const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
      expect(diagnostics.filter((diagnostic) => diagnostic.severity === 0).length).toBeGreaterThan(0);
    });

    it('lists, per endpoint, the messages of API.md in each direction', () => {
      for (const [address, serverMessages] of Object.entries(ENDPOINTS)) {
        const channel = parsed.document!
          .channels()
          .all()
          .find((candidate) => candidate.address() === address)!;
        const names = (action: 'send' | 'receive') =>
          channel
            .operations()
            .all()
            .filter((operation) => operation.action() === action)
            .flatMap((operation) => operation.messages().all().map((message) => message.name()))
            .sort();
        expect([address, names('receive')]).toEqual([address, [...CLIENT_MESSAGES].sort()]);
        expect([address, names('send')]).toEqual([address, [...serverMessages].sort()]);
      }
    });

    it('describes the close codes, both ways to send the token and both wire formats', () => {
      expect(document['x-close-codes'].map((entry: { code: number }) => entry.code)).toEqual(CLOSE_CODES);
      for (const code of CLOSE_CODES) expect(document.info.description).toContain(`\`${code}\``);
      expect(Object.values(document.components.securitySchemes)).toEqual([
        expect.objectContaining({ type: 'http', scheme: 'bearer' }),
        expect.objectContaining({ type: 'httpApiKey', in: 'query', name: 'token' }),
      ]);
      for (const channel of Object.values(document.channels) as Array<Record<string, any>>) {
        expect(channel.bindings.ws.query.properties.format.enum).toEqual(['json', 'msgpack']);
        expect(Object.keys(channel.bindings.ws.query.properties).sort()).toEqual(['format', 'token']);
      }
    });
  });

  describe('frames on the wire', () => {
    it('every server message of API.md appears on each endpoint that carries it, in JSON and MessagePack, as the document says', async () => {
      // A SettlementUpdate needs an epoch the user is in to settle while the sockets are open.
      await linkWallet(app, user.accessToken);
      const settlement = app.server.app.get(SettlementService);
      const epoch = settlement.currentEpoch() - 1;
      await app.server.app.get(LedgerService).apply({
        id: 'api-documents:settlement',
        network: [{ userId: user.id, amount: microPointsOf(1), at: new Date(settlement.epochEnd(epoch).getTime() - 1000) }],
        nodes: [],
        bonuses: [],
      });
      const connected = await Promise.all(
        Object.keys(ENDPOINTS).flatMap((path) =>
          (['json', 'msgpack'] as const).map(async (format) => {
            const socket = await TestSocket.open(app.wsUrl, path, { token: user.accessToken, format });
            await socket.connect({ device_id: `viewer-${format}`, role: 'viewer' });
            return { path, format, socket };
          }),
        ),
      );
      // A referee joining with the user's code is a live Notification (referral.joined) on every
      // dashboard socket of the user; the epoch settling, a SettlementUpdate where it is carried.
      // Until those arrive the sockets heartbeat as a client would: on a busy machine registering
      // and settling can take longer than CLIENT_TIMEOUT_MS.
      const keepAlive = setInterval(() => {
        for (const { socket } of connected) socket.send({ type: 'Heartbeat' });
      }, 500);
      try {
        await registerUser(app, { referral_code: user.referralCode });
        await settlement.settle(epoch);
        await Promise.all(
          connected.map(async ({ path, socket }) => {
            if (ENDPOINTS[path]!.includes('Notification')) await socket.next('Notification');
            if (ENDPOINTS[path]!.includes('SettlementUpdate')) await socket.next('SettlementUpdate');
          }),
        );
      } finally {
        clearInterval(keepAlive);
      }
      const sessions = connected.map(({ path, format, socket }) =>
        (async () => {
          socket.send({ type: 'Heartbeat' });
          await socket.next('Heartbeat');
          socket.sendInvalid({ type: 'Bogus' });
          await socket.next('Error');
          // Silence ends in Disconnect {reason} and close 4000 (CLIENT_TIMEOUT_MS).
          expect((await socket.closed).code).toBe(4000);
          return { path, format, socket };
        })(),
      );
      for (const { path, format, socket } of await Promise.all(sessions)) {
        expect([path, format, socket.violations]).toEqual([path, format, []]);
        const seen = [...new Set(socket.frames.map((frame) => frame.type))].sort();
        // A viewer session: it has no node (NodeUpdate: next test).
        const expected = ENDPOINTS[path]!.filter((type) => type !== 'NodeUpdate');
        expect([path, format, seen]).toEqual([path, format, [...expected].sort()]);
      }
    });

    it('a node session and its live updates match the document too', async () => {
      const viewer = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
      await viewer.connect({ device_id: 'watcher', role: 'viewer' });
      const node = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken, format: 'msgpack' });
      const connected = await node.connect({ device_id: 'node-1', network_name: 'Node one', user_id: user.id });
      expect(connected.payload).toMatchObject({ role: 'node', device_id: 'node-1', user_id: user.id });
      expect((await node.next('NodeUpdate')).payload.node.device_id).toBe('node-1');
      await waitUntil(() =>
        viewer.frames.some(
          (frame) => frame.type === 'NetworkUpdate' && frame.payload.networks.some((network: { device_id: string; connected: boolean }) => network.device_id === 'node-1' && network.connected),
        ),
      );
      node.send({ type: 'Disconnect' });
      expect((await node.closed).code).toBe(1000);
      viewer.close();
      expect([viewer.violations, node.violations]).toEqual([[], []]);
    });

    it('the validator refuses what the document does not describe', () => {
      const validator = new FrameValidator(ASYNCAPI);
      const earnings = { total: 1, today: 1, current_epoch: 3, epoch_total: 1, by_source: { network: 1, referral: 0, bonus: 0 }, updated_at: '2026-11-29T08:00:00.000Z' };
      expect(validator.problems('/ws/earnings', 'server', { type: 'EarningsUpdate', payload: { earnings } })).toEqual([]);
      const refused: Array<[string, 'server' | 'client', unknown]> = [
        ['/ws/earnings', 'server', { type: 'Surprise', payload: {} }],
        ['/ws/earnings', 'server', { type: 'NetworkUpdate', payload: { networks: [] } }],
        ['/ws/earnings', 'server', { type: 'EarningsUpdate', payload: { earnings: { ...earnings, extra: 1 } } }],
        ['/ws/earnings', 'server', { type: 'EarningsUpdate', payload: { earnings: { ...earnings, total: '1' } } }],
        ['/ws/earnings', 'server', { type: 'EarningsUpdate', payload: { earnings: { ...earnings, updated_at: 'yesterday' } } }],
        ['/ws/earnings', 'server', { type: 'Heartbeat', payload: {} }],
        ['/ws/earnings', 'server', { type: 'Error', payload: { error: 'NoSuchError', message: 'x' } }],
        ['/ws/earnings', 'client', { type: 'Connected' }],
        ['/ws/earnings', 'client', { type: 'Connect', payload: { device_id: 'has space' } }],
        ['/ws/nowhere', 'server', { type: 'Heartbeat' }],
      ];
      for (const [path, direction, frame] of refused) {
        expect([path, direction, frame, validator.problems(path, direction, frame).length > 0]).toEqual([path, direction, frame, true]);
      }
    });
  });

  // Last: it builds the documents (Nest's preview mode, openapi-typescript), seconds of CPU.
  describe('generated from the code', () => {
    it('commits the documents and the web types the code makes (what scripts/api-docs.mjs writes)', async () => {
      const fresh = join(scratch, 'fresh');
      const { code, stderr } = await scriptResult(['--root', fresh]);
      expect([code, stderr]).toEqual([0, expect.stringContaining('Updated')]);
      const stale = GENERATED.filter((path) => readFileSync(join(fresh, path), 'utf8') !== readFileSync(join(ROOT, path), 'utf8'));
      // Stale files: run `npm run build` (or `npm run api:docs`) and commit them.
      expect(stale).toEqual([]);
    });
  });
});
