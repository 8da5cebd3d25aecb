import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../../../config';
import { EvmConnector } from './evm-connector';
import { publishBackoffMs } from '../settlement.publisher';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const CHAIN = { SETTLEMENT_ADAPTER: 'evm', SETTLEMENT_RPC_URL: 'http://127.0.0.1:1', SETTLEMENT_CONTRACT: `0x${'ab'.repeat(20)}` };

describe('EvmConnector publisher key', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'publisher-key-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the key from SETTLEMENT_PUBLISHER_KEY_FILE (a mounted Secret, trailing newline and all)', () => {
    const file = join(dir, 'key');
    writeFileSync(file, `${KEY}\n`);
    const connector = new EvmConnector(loadConfig({ ...CHAIN, SETTLEMENT_PUBLISHER_KEY_FILE: file }));
    expect(connector.publisher).toBe(privateKeyToAccount(KEY).address);
  });

  it('prefers the inline key, and refuses a file that holds no key without echoing it', () => {
    expect(new EvmConnector(loadConfig({ ...CHAIN, SETTLEMENT_PUBLISHER_KEY: KEY })).publisher).toBe(privateKeyToAccount(KEY).address);
    const file = join(dir, 'bad');
    writeFileSync(file, 'not-a-key-secret-material');
    expect(() => new EvmConnector(loadConfig({ ...CHAIN, SETTLEMENT_PUBLISHER_KEY_FILE: file }))).toThrow(/is not 0x followed by 64/);
    try {
      new EvmConnector(loadConfig({ ...CHAIN, SETTLEMENT_PUBLISHER_KEY_FILE: file }));
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-material');
    }
  });
});

describe('publishBackoffMs', () => {
  it('doubles from one second up to a minute', () => {
    expect([1, 2, 3, 4, 6, 7, 20].map(publishBackoffMs)).toEqual([1_000, 2_000, 4_000, 8_000, 32_000, 60_000, 60_000]);
  });
});
