import { Address, Hex, PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { epochOf } from '../../src/common/epoch';
import { AccrualFlusher } from '../../src/modules/network/accrual/accrual-flusher.service';
import { cumulativeMerkleDistributorAbi, testRewardTokenAbi } from '../../src/modules/settlement/evm/contracts.generated';
import { deployDistributor, deployTestRewardToken } from '../../src/modules/settlement/evm/deploy';
import { api, registerUser } from '../support/api-client';
import { Anvil, ANVIL_CHAIN_ID, ANVIL_KEYS } from '../support/anvil';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { linkWallet } from '../support/wallet';
import { TestSocket } from '../support/ws-client';

/** Whether the user's node row still says connected (the instance has seen the close). */
async function nodeConnected(app: TestApp, userId: number): Promise<boolean> {
  const rows = await sql<{ connected: boolean }>(app.database.url, `SELECT connected FROM network_connections WHERE user_id = $1`, [userId]);
  return rows.some((row) => row.connected);
}

/** Points carry 6 decimals, the token 18: one micro-point is 10^12 token units. */
const UNITS_PER_MICRO = 10n ** 12n;

/**
 * The whole story on a real chain, with nothing driven by hand: two instances with the evm
 * adapter share a database, a node earns through short epochs, the instances settle and publish
 * on their own (one root and one transaction per epoch), and the user claims from their wallet
 * with the proof the API returns — exactly the points the ledger holds.
 */
describe('nodes earn, epochs close and publish by themselves, the wallet claims (two instances, anvil)', () => {
  let anvil: Anvil;
  let reader: PublicClient;
  let first: TestApp;
  let second: TestApp;
  let distributor: Address;
  let token: Address;

  beforeAll(async () => {
    anvil = await Anvil.start();
    reader = anvil.publicClient();
    const publisher = anvil.wallet(ANVIL_KEYS[0]!);
    const deployer = { wallet: publisher.client, chain: anvil.chain, reader };
    token = await deployTestRewardToken(deployer);
    distributor = await deployDistributor(deployer, token, publisher.account.address);
    const mint = await publisher.client.writeContract({ address: token, abi: testRewardTokenAbi, functionName: 'mint', args: [distributor, 10n ** 30n], account: publisher.account, chain: anvil.chain });
    await reader.waitForTransactionReceipt({ hash: mint });
    const env = {
      EPOCH_SECONDS: '3',
      EARNINGS_FLUSH_MS: '100',
      HEARTBEAT_INTERVAL_MS: '200',
      CLIENT_TIMEOUT_MS: '5000',
      POINTS_PER_HOUR: '36000',
      SETTLEMENT_ADAPTER: 'evm',
      SETTLEMENT_CHAIN_ID: String(ANVIL_CHAIN_ID),
      SETTLEMENT_RPC_URL: anvil.url,
      SETTLEMENT_CONTRACT: distributor,
      SETTLEMENT_PUBLISHER_KEY: ANVIL_KEYS[0]!,
    };
    first = await startTestApp({ label: 'settlement_nodes', env });
    second = await startTestApp({ label: 'settlement_nodes_b', env, database: first.database });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await anvil?.stop();
  });

  it('pays the user exactly the points the ledger holds, once per epoch', async () => {
    const user = await registerUser(first);
    const key: Hex = ANVIL_KEYS[2]!;
    const wallet = await linkWallet(first, user.accessToken, privateKeyToAccount(key));

    const node = await TestSocket.open(second.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await node.connect({ device_id: 'node-1', network_name: 'test' });
    const beat = setInterval(() => node.send({ type: 'Heartbeat' }), 100);
    try {
      // Two epochs with earnings published (automatically, by whichever instance got there first).
      await waitUntil(
        async () => (await api(first, 'GET', '/api/settlement/epochs', { token: user.accessToken })).body.items.filter((item: { claimable: boolean }) => item.claimable).length >= 2,
        { timeoutMs: 30_000, intervalMs: 200, what: 'two published epochs with earnings' },
      );
    } finally {
      clearInterval(beat);
      node.close();
    }
    // The node is gone: once its instance has flushed the last accruals, the user's ledger is final.
    // (Settling waits one flush period and a margin after an epoch's end; a flush later than that —
    // a loaded machine — is paid with the next epoch, so only an epoch that starts after the ledger
    // is final must hold all of it.)
    const flusher = second.server.app.get(AccrualFlusher);
    await waitUntil(async () => flusher.idle && !(await nodeConnected(second, user.id)), { timeoutMs: 15_000, what: 'the last accruals flushed' });
    const finalIn = epochOf(new Date(), first.config.earnings);
    let published: { epoch: number; amount: string } | undefined;
    await waitUntil(
      async () => {
        const items = (await api(first, 'GET', '/api/settlement/epochs', { token: user.accessToken })).body.items as Array<{ epoch: number; amount: string; claimable: boolean }>;
        published = items.find((item) => item.claimable && item.epoch > finalIn);
        return published !== undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'an epoch published after the ledger was final' },
    );

    // The amount is the ledger's, exactly: every earnings row of the user. (Compared as text: a
    // failed comparison of bigints cannot be reported across Jest's workers.)
    const [ledger] = await sql<{ micro: string }>(first.database.url, `SELECT (SUM(amount) * 1000000)::bigint::text AS micro FROM earnings WHERE user_id = $1`, [user.id]);
    expect(published!.amount).toBe((BigInt(ledger!.micro) * UNITS_PER_MICRO).toString());
    expect(BigInt(ledger!.micro) > 0n).toBe(true);

    // One root transaction per epoch although two instances settle and publish. The database is
    // read first: an epoch it records as published has its event on chain, and an event it does not
    // know yet can only be the newest epoch's, whose publication is still being recorded.
    const rows = await sql<{ epoch: number }>(first.database.url, `SELECT epoch FROM settlement_epochs WHERE status = 'published' AND root IS NOT NULL ORDER BY epoch`);
    const events = await reader.getContractEvents({ address: distributor, abi: cumulativeMerkleDistributorAbi, eventName: 'RootPublished', fromBlock: 0n });
    const epochs = events.map((event) => Number(event.args.epoch)).sort((a, b) => a - b);
    expect(new Set(epochs).size).toBe(epochs.length);
    const recorded = rows.map((row) => row.epoch);
    expect(epochs.slice(0, recorded.length)).toEqual(recorded);
    expect(epochs.length - recorded.length).toBeLessThanOrEqual(1);

    // The newest published epoch's proof from the API, claimed from the user's wallet.
    const latest = await reader.readContract({ address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'epoch' });
    const proof = (await api(first, 'GET', `/api/settlement/epochs/${latest}/proof`, { token: user.accessToken })).body;
    expect(proof.account).toBe(wallet.address);
    const signer = anvil.wallet(key);
    const hash = await signer.client.writeContract({
      address: distributor,
      abi: cumulativeMerkleDistributorAbi,
      functionName: 'claim',
      args: [proof.account, BigInt(proof.amount), proof.proof],
      account: signer.account,
      chain: anvil.chain,
    });
    expect((await reader.waitForTransactionReceipt({ hash })).status).toBe('success');
    const balance = await reader.readContract({ address: token, abi: testRewardTokenAbi, functionName: 'balanceOf', args: [wallet.address] });
    expect(balance.toString()).toBe(proof.amount);
  });
});
