import { Address, Hex, PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { microPointsOf } from '../../src/common/points';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { EvmConnector } from '../../src/modules/settlement/evm/evm-connector';
import { SettlementPublisher } from '../../src/modules/settlement/settlement.publisher';
import { cumulativeMerkleDistributorAbi, testRewardTokenAbi } from '../../src/modules/settlement/evm/contracts.generated';
import { deployDistributor, deployTestRewardToken } from '../../src/modules/settlement/evm/deploy';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { Anvil, ANVIL_CHAIN_ID, ANVIL_KEYS } from '../support/anvil';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { linkWallet } from '../support/wallet';

const HOUR = 3_600_000;
const GENESIS = new Date('2026-01-01T00:00:00Z');
const TOKEN = 10n ** 18n;
const inEpoch = (epoch: number) => new Date(GENESIS.getTime() + epoch * HOUR + 30 * 60_000);

/**
 * The whole payout path on a real local chain: the service settles with the evm adapter, publishes
 * the root to the distributor, and the user claims from their own wallet with the API's proof.
 */
describe('settlement on a real chain (evm adapter, anvil)', () => {
  let anvil: Anvil;
  let reader: PublicClient;
  let app: TestApp;
  let admin: RegisteredUser;
  let token: Address;
  let distributor: Address;
  const publisherKey = ANVIL_KEYS[0]!;
  const base = Math.floor((Date.now() - GENESIS.getTime()) / HOUR) - 20;

  beforeAll(async () => {
    anvil = await Anvil.start();
    reader = anvil.publicClient();
    const publisher = anvil.wallet(publisherKey);
    const deployer = { wallet: publisher.client, chain: anvil.chain, reader };
    token = await deployTestRewardToken(deployer);
    distributor = await deployDistributor(deployer, token, publisher.account.address);
    const mint = await publisher.client.writeContract({ address: token, abi: testRewardTokenAbi, functionName: 'mint', args: [distributor, 10n ** 30n], account: publisher.account, chain: anvil.chain });
    await reader.waitForTransactionReceipt({ hash: mint });
    app = await startTestApp({
      label: 'settlement_evm',
      env: {
        EPOCH_SECONDS: '3600',
        EPOCH_GENESIS: GENESIS.toISOString(),
        ADMIN_EMAILS: 'chain-admin@example.com',
        SETTLEMENT_ADAPTER: 'evm',
        SETTLEMENT_CHAIN_ID: String(ANVIL_CHAIN_ID),
        SETTLEMENT_RPC_URL: anvil.url,
        SETTLEMENT_CONTRACT: distributor,
        SETTLEMENT_PUBLISHER_KEY: publisherKey,
        SETTLEMENT_EXPLORER_URL: 'https://explorer.example/',
      },
    });
    admin = await registerUser(app, { email: 'chain-admin@example.com' });
  });
  afterAll(async () => {
    await app?.close();
    await anvil?.stop();
  });

  async function credit(user: RegisteredUser, points: number, epoch: number): Promise<void> {
    await app.server.app.get(LedgerService).apply({
      id: `evm:${user.id}:${epoch}:${points}`,
      network: [{ userId: user.id, amount: microPointsOf(points), at: inEpoch(epoch) }],
      nodes: [],
      bonuses: [],
    });
  }

  const settle = (epoch: number) => api(app, 'POST', `/api/admin/settlement/epochs/${epoch}/settle`, { token: admin.accessToken });
  const epochRow = async (epoch: number) =>
    (await sql<{ status: string; tx_hash: string | null; block_number: string | null; publish_error: string | null; publish_attempts: number }>(
      app.database.url,
      `SELECT status, tx_hash, block_number, publish_error, publish_attempts FROM settlement_epochs WHERE epoch = $1`,
      [epoch],
    ))[0];
  const waitPublished = (epoch: number) =>
    waitUntil(async () => (await epochRow(epoch))?.status === 'published', { timeoutMs: 30_000, what: `epoch ${epoch} published` });
  const rootEvents = async (epoch: number) =>
    (await reader.getContractEvents({ address: distributor, abi: cumulativeMerkleDistributorAbi, eventName: 'RootPublished', fromBlock: 0n })).filter(
      (event) => event.args.epoch === BigInt(epoch),
    );
  const balanceOf = (account: Address) => reader.readContract({ address: token, abi: testRewardTokenAbi, functionName: 'balanceOf', args: [account] });

  async function claimWithApiProof(user: RegisteredUser, key: Hex, epoch: number): Promise<void> {
    const proof = await api(app, 'GET', `/api/settlement/epochs/${epoch}/proof`, { token: user.accessToken });
    expect(proof.status).toBe(200);
    const wallet = anvil.wallet(key);
    const hash = await wallet.client.writeContract({
      address: distributor,
      abi: cumulativeMerkleDistributorAbi,
      functionName: 'claim',
      args: [proof.body.account, BigInt(proof.body.amount), proof.body.proof],
      account: wallet.account,
      chain: anvil.chain,
    });
    expect((await reader.waitForTransactionReceipt({ hash })).status).toBe('success');
  }

  it('publishes the root once and the user claims the settled points from their wallet with the API’s proof', async () => {
    const user = await registerUser(app);
    const userKey = ANVIL_KEYS[1]!;
    const wallet = await linkWallet(app, user.accessToken, privateKeyToAccount(userKey));
    await credit(user, 12.5, base);

    const settled = await settle(base);
    expect(settled.status).toBe(200);
    await waitPublished(base);
    const row = (await epochRow(base))!;
    expect(row.tx_hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(Number(row.block_number)).toBeGreaterThan(0);
    expect(await reader.readContract({ address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'merkleRoot' })).toBe(settled.body.root);
    expect(await rootEvents(base)).toHaveLength(1);
    const listed = await api(app, 'GET', '/api/settlement/epochs', { token: user.accessToken });
    expect(listed.body.items[0]).toEqual({ epoch: base, root: settled.body.root, status: 'published', tx_hash: row.tx_hash, tx_url: `https://explorer.example/tx/${row.tx_hash}`, amount: (125n * TOKEN / 10n).toString(), claimable: true });

    await claimWithApiProof(user, userKey, base);
    expect(await balanceOf(wallet.address)).toBe((125n * TOKEN) / 10n);
    // The same claim again pays nothing.
    await claimWithApiProof(user, userKey, base);
    expect(await balanceOf(wallet.address)).toBe((125n * TOKEN) / 10n);

    // The next epoch's claim pays exactly what was earned in it.
    await credit(user, 7.25, base + 1);
    await settle(base + 1);
    await waitPublished(base + 1);
    await claimWithApiProof(user, userKey, base + 1);
    expect(await balanceOf(wallet.address)).toBe((1975n * TOKEN) / 100n);
    expect(await rootEvents(base + 1)).toHaveLength(1);
  });

  it('keeps an epoch publishing with the error while the chain is down, and publishes it once when it is back', async () => {
    const user = await registerUser(app);
    await linkWallet(app, user.accessToken);
    await credit(user, 3, base + 3);
    anvil.pause();
    try {
      await settle(base + 3);
      await waitUntil(async () => ((await epochRow(base + 3))?.publish_attempts ?? 0) >= 1, { timeoutMs: 30_000, what: 'a failed publication' });
      const failing = (await epochRow(base + 3))!;
      expect(failing.status).toBe('publishing');
      expect(failing.publish_error).toBeTruthy();
      // The rest of the service is unaffected.
      expect((await api(app, 'GET', '/api/user/me', { token: user.accessToken })).status).toBe(200);
      const metrics = await api(app, 'GET', '/metrics');
      expect(metrics.body).toMatch(/dashboard_settlement_publish_failures_total [1-9]/);
    } finally {
      anvil.resume();
    }
    await api(app, 'POST', `/api/admin/settlement/epochs/${base + 3}/publish`, { token: admin.accessToken });
    await waitPublished(base + 3);
    expect(await rootEvents(base + 3)).toHaveLength(1);
    expect((await epochRow(base + 3))!.publish_error).toBeNull();
  });

  it('keeps an epoch publishing while the publisher cannot pay for gas, and publishes it once funded', async () => {
    const user = await registerUser(app);
    await linkWallet(app, user.accessToken);
    await credit(user, 2, base + 4);
    const publisher = privateKeyToAccount(publisherKey).address;
    const balance = await reader.getBalance({ address: publisher });
    await anvil.rpc('anvil_setBalance', [publisher, '0x0']);
    try {
      await settle(base + 4);
      await waitUntil(async () => ((await epochRow(base + 4))?.publish_attempts ?? 0) >= 1, { timeoutMs: 30_000, what: 'a failed publication' });
      const failing = (await epochRow(base + 4))!;
      expect(failing.status).toBe('publishing');
      expect(failing.publish_error).toMatch(/fund|balance|gas/i);
      expect(await rootEvents(base + 4)).toHaveLength(0);
    } finally {
      await anvil.rpc('anvil_setBalance', [publisher, `0x${balance.toString(16)}`]);
    }
    await api(app, 'POST', `/api/admin/settlement/epochs/${base + 4}/publish`, { token: admin.accessToken });
    await waitPublished(base + 4);
    expect(await rootEvents(base + 4)).toHaveLength(1);
  });

  it('refuses to sign a root when the RPC serves another chain than SETTLEMENT_CHAIN_ID, naming both', async () => {
    const misconfigured = new EvmConnector(app.config.with({ settlement: { ...app.config.settlement, chainId: ANVIL_CHAIN_ID + 1 } }));
    await expect(misconfigured.signRoot(base + 100, `0x${'11'.repeat(32)}`)).rejects.toThrow(
      `SETTLEMENT_RPC_URL serves chain ${ANVIL_CHAIN_ID}, but SETTLEMENT_CHAIN_ID is ${ANVIL_CHAIN_ID + 1}`,
    );
    // The configured one signs.
    const signed = await new EvmConnector(app.config).signRoot(base + 100, `0x${'11'.repeat(32)}`);
    expect(signed.hash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('recovers a transaction recorded but never sent (crash before the broadcast) by sending the same one, and one that was sent and mined (crash before the receipt) without sending another', async () => {
    const user = await registerUser(app);
    await linkWallet(app, user.accessToken);
    const connector = new EvmConnector(app.config);
    const publisher = privateKeyToAccount(publisherKey).address;

    // Crash after recording, before broadcasting: the publisher finds the hash unknown to the
    // chain and broadcasts the recorded bytes; the transaction mined is the recorded one.
    await credit(user, 1, base + 5);
    // The publisher's poll stops (as when its instance dies) while the crash's state is staged.
    const poller = app.server.app.get(SettlementPublisher);
    poller.onModuleDestroy();
    await poller.round();
    try {
      const settled = await settle(base + 5);
      const signed = await connector.signRoot(base + 5, settled.body.root);
      await sql(app.database.url, `UPDATE settlement_epochs SET status = 'publishing', tx_hash = $2, raw_tx = $3 WHERE epoch = $1`, [base + 5, signed.hash, signed.raw]);
      const nonceBefore = await reader.getTransactionCount({ address: publisher });
      await api(app, 'POST', `/api/admin/settlement/epochs/${base + 5}/publish`, { token: admin.accessToken });
      await waitPublished(base + 5);
      expect((await epochRow(base + 5))!.tx_hash).toBe(signed.hash);
      expect(await reader.getTransactionCount({ address: publisher })).toBe(nonceBefore + 1);
      expect(await rootEvents(base + 5)).toHaveLength(1);

      // Crash after the broadcast was mined, before the receipt was recorded.
      await credit(user, 1, base + 6);
      const next = await settle(base + 6);
      const sent = await connector.signRoot(base + 6, next.body.root);
      await connector.broadcast(sent.raw);
      await reader.waitForTransactionReceipt({ hash: sent.hash as Hex });
      await sql(app.database.url, `UPDATE settlement_epochs SET status = 'publishing', tx_hash = $2, raw_tx = $3 WHERE epoch = $1`, [base + 6, sent.hash, sent.raw]);
      const nonceAfterSend = await reader.getTransactionCount({ address: publisher });
      await api(app, 'POST', `/api/admin/settlement/epochs/${base + 6}/publish`, { token: admin.accessToken });
      await waitPublished(base + 6);
      expect(await reader.getTransactionCount({ address: publisher })).toBe(nonceAfterSend);
      expect(await rootEvents(base + 6)).toHaveLength(1);
      expect(Number((await epochRow(base + 6))!.block_number)).toBeGreaterThan(0);
    } finally {
      poller.onApplicationBootstrap();
    }
  });
});
