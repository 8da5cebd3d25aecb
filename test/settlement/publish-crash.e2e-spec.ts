import { Address, PublicClient } from 'viem';
import { cumulativeMerkleDistributorAbi, testRewardTokenAbi } from '../../src/modules/settlement/evm/contracts.generated';
import { deployDistributor, deployTestRewardToken } from '../../src/modules/settlement/evm/deploy';
import { api, registerUser } from '../support/api-client';
import { Anvil, ANVIL_CHAIN_ID, ANVIL_KEYS } from '../support/anvil';
import { ServiceProcess, spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';
import { linkWallet } from '../support/wallet';

/**
 * SIGKILL between sending the root transaction and its receipt: the chain does not mine (automine
 * off) while the service waits for the receipt, the process is killed, the block is mined, and the
 * restarted service finds the root on chain — published once, by the transaction it recorded.
 */
describe('publisher killed between send and receipt (real process, anvil)', () => {
  let anvil: Anvil;
  let reader: PublicClient;
  let database: TestDatabase;
  let service: ServiceProcess | null = null;
  let distributor: Address;

  beforeAll(async () => {
    anvil = await Anvil.start();
    reader = anvil.publicClient();
    const publisher = anvil.wallet(ANVIL_KEYS[0]!);
    const deployer = { wallet: publisher.client, chain: anvil.chain, reader };
    const token = await deployTestRewardToken(deployer);
    distributor = await deployDistributor(deployer, token, publisher.account.address);
    const mint = await publisher.client.writeContract({ address: token, abi: testRewardTokenAbi, functionName: 'mint', args: [distributor, 10n ** 30n], account: publisher.account, chain: anvil.chain });
    await reader.waitForTransactionReceipt({ hash: mint });
    database = await createTestDatabase('publish_crash');
  });
  afterAll(async () => {
    if (service !== null && service.child.exitCode === null) {
      service.kill('SIGKILL');
      await service.exited;
    }
    await database?.drop();
    await anvil?.stop();
  });

  const env = () => ({
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    ADMIN_EMAILS: 'crash-admin@example.com',
    EPOCH_SECONDS: '2',
    EARNINGS_FLUSH_MS: '200',
    SETTLEMENT_ADAPTER: 'evm',
    SETTLEMENT_CHAIN_ID: String(ANVIL_CHAIN_ID),
    SETTLEMENT_RPC_URL: anvil.url,
    SETTLEMENT_CONTRACT: distributor,
    SETTLEMENT_PUBLISHER_KEY: ANVIL_KEYS[0]!,
  });

  it('sends no second root transaction, and records the block of the one it sent', async () => {
    service = spawnService(env());
    const url = await service.ready;
    const admin = await registerUser({ url }, { email: 'crash-admin@example.com' });
    const user = await registerUser({ url });
    await linkWallet({ url }, user.accessToken);
    await anvil.rpc('evm_setAutomine', [false]);
    expect((await api({ url }, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 5, reason: 'crash test' } })).status).toBe(201);

    // The service settles the epoch, signs, records and sends the root transaction; it stays unmined.
    let sent: { epoch: number; tx_hash: string } | undefined;
    await waitUntil(
      async () => {
        [sent] = await sql<{ epoch: number; tx_hash: string }>(database.url, `SELECT epoch, tx_hash FROM settlement_epochs WHERE tx_hash IS NOT NULL AND status = 'publishing'`);
        return sent !== undefined && (await anvil.rpc('eth_getTransactionByHash', [sent.tx_hash])) !== null;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'a root transaction sent and waiting for its receipt' },
    );
    service.kill('SIGKILL');
    await service.exited;

    await anvil.rpc('evm_mine');
    await anvil.rpc('evm_setAutomine', [true]);
    service = spawnService(env());
    await service.ready;
    await waitUntil(async () => (await sql<{ status: string }>(database.url, `SELECT status FROM settlement_epochs WHERE epoch = $1`, [sent!.epoch]))[0]?.status === 'published', {
      timeoutMs: 30_000,
      what: 'the epoch published after the restart',
    });

    const events = (await reader.getContractEvents({ address: distributor, abi: cumulativeMerkleDistributorAbi, eventName: 'RootPublished', fromBlock: 0n })).filter(
      (event) => Number(event.args.epoch) === sent!.epoch,
    );
    expect(events.map((event) => event.transactionHash)).toEqual([sent!.tx_hash]);
    const [row] = await sql<{ tx_hash: string; block_number: string }>(database.url, `SELECT tx_hash, block_number FROM settlement_epochs WHERE epoch = $1`, [sent!.epoch]);
    expect(row).toEqual({ tx_hash: sent!.tx_hash, block_number: String(events[0]!.blockNumber) });
    // Every root transaction since the kill is for a later epoch: none repeats one.
    const all = (await reader.getContractEvents({ address: distributor, abi: cumulativeMerkleDistributorAbi, eventName: 'RootPublished', fromBlock: 0n })).map((event) => Number(event.args.epoch));
    expect(new Set(all).size).toBe(all.length);
  });
});
