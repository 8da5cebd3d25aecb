import type { BrowserContext } from 'playwright-core';
import { hexToString, Hex } from 'viem';
import { PrivateKeyAccount } from 'viem/accounts';

/**
 * An EIP-1193 provider (`window.ethereum`) for the pages of a browser context, backed by a local
 * key held by the test: the page asks for accounts and personal_sign exactly as it would a real
 * wallet extension, and the test process signs. `signer` may be swapped to make the wallet sign
 * with another key (what a tampering wallet would return).
 */
export class TestBrowserWallet {
  signer: PrivateKeyAccount;

  private constructor(readonly account: PrivateKeyAccount) {
    this.signer = account;
  }

  static async install(context: BrowserContext, account: PrivateKeyAccount): Promise<TestBrowserWallet> {
    const wallet = new TestBrowserWallet(account);
    await context.exposeFunction('__testWalletSign', (hex: string) => wallet.signer.signMessage({ message: hexToString(hex as Hex) }));
    await context.addInitScript((address: string) => {
      const sign = (globalThis as unknown as { __testWalletSign(hex: string): Promise<string> }).__testWalletSign;
      (globalThis as unknown as { ethereum: unknown }).ethereum = {
        request: async ({ method, params }: { method: string; params?: unknown[] }) => {
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address];
          if (method === 'personal_sign') return sign(String(params?.[0]));
          throw Object.assign(new Error(`Unsupported method ${method}`), { code: 4200 });
        },
      };
    }, account.address);
    return wallet;
  }
}
