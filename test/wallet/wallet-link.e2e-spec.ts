import { Address, getAddress } from 'viem';
import { parseSiweMessage } from 'viem/siwe';
import { deployTestSmartWallet } from '../../src/modules/settlement/evm/deploy';
import { Anvil, ANVIL_KEYS } from '../support/anvil';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { linkWallet, newWallet } from '../support/wallet';

/** Linking a payout wallet by Sign-In with Ethereum: what is accepted, and every way it is not. */
describe('wallet ownership (SIWE)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ label: 'wallet_link', env: { SETTLEMENT_CHAIN_ID: '31337' } });
  });
  afterAll(() => app.close());

  async function challengeFor(user: RegisteredUser, address: string) {
    const response = await api(app, 'POST', '/api/user/wallet/challenge', { token: user.accessToken, body: { address } });
    expect(response.status).toBe(200);
    return response.body as { message: string; nonce: string; expires_at: string };
  }

  async function walletOf(user: RegisteredUser): Promise<string | null> {
    return (await api(app, 'GET', '/api/user/me', { token: user.accessToken })).body.wallet_address;
  }

  async function walletNotifications(user: RegisteredUser): Promise<unknown[]> {
    const feed = await api(app, 'GET', '/api/notifications', { token: user.accessToken });
    return feed.body.items.filter((item: { type: string }) => item.type === 'security.wallet_linked').map((item: { data: unknown }) => item.data);
  }

  function expectRefused(response: { status: number; body: any }, field: string, problem: RegExp) {
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('ValidationError');
    const detail = response.body.details.find((entry: { field: string }) => entry.field === field);
    expect(detail.problems.join(' ')).toMatch(problem);
  }

  it('issues an EIP-4361 message for the address, this host and the configured chain, valid 10 minutes', async () => {
    const user = await registerUser(app);
    const wallet = newWallet();
    const before = Date.now();
    const challenge = await challengeFor(user, wallet.address.toLowerCase());
    const fields = parseSiweMessage(challenge.message);
    expect(fields).toMatchObject({ address: wallet.address, chainId: 31337, nonce: challenge.nonce, domain: new URL(app.url).host, uri: app.url, version: '1' });
    const expiresAt = Date.parse(challenge.expires_at);
    expect(fields.expirationTime!.getTime()).toBe(expiresAt);
    expect(expiresAt - fields.issuedAt!.getTime()).toBe(10 * 60_000);
    expect(fields.issuedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('links the wallet that signed, records security.wallet_linked once, and relinks another', async () => {
    const user = await registerUser(app);
    const first = await linkWallet(app, user.accessToken);
    expect(await walletOf(user)).toBe(first.address);
    expect(await walletNotifications(user)).toEqual([{ address: first.address }]);

    // Proving the same wallet again changes nothing and tells no one.
    await linkWallet(app, user.accessToken, first);
    expect(await walletNotifications(user)).toEqual([{ address: first.address }]);

    const second = await linkWallet(app, user.accessToken);
    expect(await walletOf(user)).toBe(second.address);
    expect(await walletNotifications(user)).toEqual([{ address: second.address }, { address: first.address }]);
  });

  it('refuses a reused nonce', async () => {
    const user = await registerUser(app);
    const wallet = newWallet();
    const challenge = await challengeFor(user, wallet.address);
    const signature = await wallet.signMessage({ message: challenge.message });
    expect((await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.message, signature } })).status).toBe(200);
    // Relinked elsewhere, then the old signed message is replayed: refused, the link stays.
    const other = await linkWallet(app, user.accessToken);
    const replay = await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.message, signature } });
    expectRefused(replay, 'message', /already been used/);
    expect(await walletOf(user)).toBe(other.address);
  });

  it('refuses an expired challenge', async () => {
    const user = await registerUser(app);
    const wallet = newWallet();
    const challenge = await challengeFor(user, wallet.address);
    const signature = await wallet.signMessage({ message: challenge.message });
    await sql(app.database.url, `UPDATE wallet_challenges SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [challenge.nonce]);
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.message, signature } }), 'message', /expired/);
    expect(await walletOf(user)).toBeNull();
  });

  it('refuses a challenge issued to another account (the signature is right, the account is not)', async () => {
    const owner = await registerUser(app);
    const thief = await registerUser(app);
    const wallet = newWallet();
    const challenge = await challengeFor(owner, wallet.address);
    const signature = await wallet.signMessage({ message: challenge.message });
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: thief.accessToken, body: { message: challenge.message, signature } }), 'message', /not issued to this account/);
    expect(await walletOf(thief)).toBeNull();
    // The owner can still use it: the thief's attempt spent nothing.
    expect((await api(app, 'POST', '/api/user/wallet', { token: owner.accessToken, body: { message: challenge.message, signature } })).status).toBe(200);
  });

  it.each([
    ['domain', (m: string, host: string) => m.replace(`${host} wants you`, 'evil.example wants you')],
    ['chainId', (m: string) => m.replace('Chain ID: 31337', 'Chain ID: 1')],
    ['uri', (m: string, host: string) => m.replace(`URI: http://${host}`, 'URI: https://evil.example')],
    ['address', (m: string) => m.replace(/\n0x[0-9a-fA-F]{40}\n/, `\n${newWallet().address}\n`)],
  ] as const)('refuses a message whose %s was changed, even when properly signed', async (field, tamper) => {
    const user = await registerUser(app);
    const wallet = newWallet();
    const challenge = await challengeFor(user, wallet.address);
    const forged = tamper(challenge.message, new URL(app.url).host);
    expect(forged).not.toBe(challenge.message);
    const signature = await wallet.signMessage({ message: forged });
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: forged, signature } }), 'message', new RegExp(`${field} differs`));
    expect(await walletOf(user)).toBeNull();
  });

  it('refuses a changed statement or expiry (the issued text, byte for byte)', async () => {
    const user = await registerUser(app);
    const wallet = newWallet();
    const challenge = await challengeFor(user, wallet.address);
    const forged = challenge.message.replace(/Expiration Time: .*/, 'Expiration Time: 2099-01-01T00:00:00.000Z');
    const signature = await wallet.signMessage({ message: forged });
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: forged, signature } }), 'message', /differs from the challenge/);
  });

  it('refuses a signature by another key, a malformed one and a non-SIWE message; nothing changes', async () => {
    const user = await registerUser(app);
    const wallet = newWallet();
    const challenge = await challengeFor(user, wallet.address);
    const byOther = await newWallet().signMessage({ message: challenge.message });
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.message, signature: byOther } }), 'signature', /is not 0x/);
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.message, signature: '0x1234' } }), 'signature', /is not 0x/);
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.message, signature: 'zz' } }), 'signature', /hexadecimal bytes/);
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: 'hello', signature: byOther } }), 'message', /not a Sign-In/);
    expectRefused(await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: 'x'.repeat(5000), signature: byOther } }), 'message', /shorter than or equal/);
    expect(await walletOf(user)).toBeNull();
    expect(await walletNotifications(user)).toEqual([]);
    // The challenge is still good for the right signature.
    const signature = await wallet.signMessage({ message: challenge.message });
    expect((await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.message, signature } })).status).toBe(200);
  });

  it('refuses a wallet already linked to another account with 409', async () => {
    const first = await registerUser(app);
    const second = await registerUser(app);
    const wallet = await linkWallet(app, first.accessToken);
    const challenge = await challengeFor(second, wallet.address);
    const signature = await wallet.signMessage({ message: challenge.message });
    const response = await api(app, 'POST', '/api/user/wallet', { token: second.accessToken, body: { message: challenge.message, signature } });
    expect(response.status).toBe(409);
    expect(response.body.error).toBe('Conflict');
    expect(await walletOf(second)).toBeNull();
    // Nothing was spent: the rollback left the nonce usable once the wallet is free.
    const [row] = await sql<{ used_at: Date | null }>(app.database.url, `SELECT used_at FROM wallet_challenges WHERE nonce = $1`, [challenge.nonce]);
    expect(row!.used_at).toBeNull();
  });

  it.each([
    [{ address: '0x5aaEb6053F3E94C9b9A09f33669435E7Ef1BeAed' }, /checksum/],
    [{ address: '0x1234' }, /40 hexadecimal/],
    [{ address: 42 }, /40 hexadecimal/],
    [{}, /40 hexadecimal/],
    [{ address: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', chain_id: 1 }, /should not exist/],
  ])('refuses the challenge body %j with 400', async (body, problem) => {
    const user = await registerUser(app);
    const response = await api(app, 'POST', '/api/user/wallet/challenge', { token: user.accessToken, body });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('ValidationError');
    expect(JSON.stringify(response.body.details)).toMatch(problem);
  });

  it('requires a token on both routes', async () => {
    expect((await api(app, 'POST', '/api/user/wallet/challenge', { body: { address: newWallet().address } })).status).toBe(401);
    expect((await api(app, 'POST', '/api/user/wallet', { body: { message: 'm', signature: '0x00' } })).status).toBe(401);
  });

  it('no longer takes wallet_address in PATCH /api/user/me', async () => {
    const user = await registerUser(app);
    const response = await api(app, 'PATCH', '/api/user/me', { token: user.accessToken, body: { wallet_address: newWallet().address } });
    expect(response.status).toBe(400);
    expect(response.body.details.find((entry: { field: string }) => entry.field === 'wallet_address').problems.join(' ')).toMatch(/should not exist/);
    expect(await walletOf(user)).toBeNull();
  });
});

/** Smart-contract wallets (EIP-1271) are verified on chain when an RPC is configured, and refused without one. */
describe('wallet ownership: smart-contract wallets (EIP-1271, anvil)', () => {
  let anvil: Anvil;
  let smartWallet: Address;
  const owner = newWallet();

  beforeAll(async () => {
    anvil = await Anvil.start();
    const reader = anvil.publicClient();
    smartWallet = await deployTestSmartWallet({ wallet: anvil.wallet(ANVIL_KEYS[0]!).client, chain: anvil.chain, reader }, owner.address);
  });
  afterAll(() => anvil?.stop());

  async function attempt(app: TestApp, signer = owner) {
    const user = await registerUser(app);
    const challenge = await api(app, 'POST', '/api/user/wallet/challenge', { token: user.accessToken, body: { address: smartWallet } });
    const signature = await signer.signMessage({ message: challenge.body.message });
    const linked = await api(app, 'POST', '/api/user/wallet', { token: user.accessToken, body: { message: challenge.body.message, signature } });
    return { linked, me: (await api(app, 'GET', '/api/user/me', { token: user.accessToken })).body };
  }

  it('links a contract wallet whose isValidSignature accepts the owner’s signature, and refuses another key’s', async () => {
    const app = await startTestApp({ label: 'wallet_1271', env: { SETTLEMENT_CHAIN_ID: '31337', SETTLEMENT_RPC_URL: anvil.url } });
    try {
      const refused = await attempt(app, newWallet());
      expect([refused.linked.status, refused.me.wallet_address]).toEqual([400, null]);
      const { linked } = await attempt(app);
      expect([linked.status, linked.body.wallet_address]).toEqual([200, getAddress(smartWallet)]);
    } finally {
      await app.close();
    }
  });

  it('refuses it without an RPC (no way to ask the contract)', async () => {
    const app = await startTestApp({ label: 'wallet_1271_off', env: { SETTLEMENT_CHAIN_ID: '31337' } });
    try {
      const { linked, me } = await attempt(app);
      expect([linked.status, linked.body.error, me.wallet_address]).toEqual([400, 'ValidationError', null]);
    } finally {
      await app.close();
    }
  });
});
