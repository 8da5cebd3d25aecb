import { ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { Chain, createPublicClient, createWalletClient, defineChain, Hex, http, PublicClient, WalletClient } from 'viem';
import { privateKeyToAccount, PrivateKeyAccount } from 'viem/accounts';
import { freePort } from './private-redis';
import { killAndWait } from './child-process';

/** The binary shipped by the npm package `@foundry-rs/anvil-linux-amd64` (a devDependency). */
export const ANVIL_PATH = join(dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil');

/** Anvil's well-known development keys (mnemonic "test test … junk"), funded with 10,000 ETH each. */
export const ANVIL_KEYS: readonly Hex[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
];

export const ANVIL_CHAIN_ID = 31337;

/**
 * A local Ethereum chain of its own (anvil) on a free port. `pause()`/`resume()` freeze the process
 * (SIGSTOP/SIGCONT): the chain stops answering but keeps its state, as an RPC that is down would.
 */
export class Anvil {
  private process: ChildProcess | null = null;
  readonly chain: Chain;

  private constructor(readonly port: number) {
    this.chain = defineChain({
      id: ANVIL_CHAIN_ID,
      name: 'anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [this.url] } },
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<Anvil> {
    const anvil = new Anvil(await freePort());
    anvil.process = spawn(ANVIL_PATH, ['--host', '127.0.0.1', '--port', String(anvil.port), '--chain-id', String(ANVIL_CHAIN_ID)], { stdio: 'ignore' });
    await anvil.waitUntilAnswering();
    return anvil;
  }

  publicClient(): PublicClient {
    return createPublicClient({ chain: this.chain, transport: http(this.url) });
  }

  wallet(key: Hex): { account: PrivateKeyAccount; client: WalletClient } {
    const account = privateKeyToAccount(key);
    return { account, client: createWalletClient({ account, chain: this.chain, transport: http(this.url) }) };
  }

  /** A raw JSON-RPC call (anvil's own methods: evm_mine, evm_setAutomine, …). */
  async rpc(method: string, params: unknown[] = []): Promise<unknown> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }

  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child === null) return;
    this.process = null;
    await killAndWait(child);
  }

  private async waitUntilAnswering(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline || this.process?.exitCode != null) throw new Error(`anvil did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
