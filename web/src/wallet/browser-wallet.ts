/** The slice of EIP-1193 (`window.ethereum`) the dashboard uses. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export function browserWallet(): Eip1193Provider | null {
  return typeof window !== 'undefined' && window.ethereum !== undefined ? window.ethereum : null;
}

/** Asks the wallet for its accounts (the user approves in the wallet) and returns the first. */
export async function requestAccount(provider: Eip1193Provider): Promise<string> {
  const accounts = (await provider.request({ method: 'eth_requestAccounts' })) as unknown;
  if (!Array.isArray(accounts) || typeof accounts[0] !== 'string') throw new Error('The wallet shared no account.');
  return accounts[0];
}

/** EIP-191 personal_sign of a text message; the message travels hex-encoded as wallets expect. */
export async function personalSign(provider: Eip1193Provider, account: string, message: string): Promise<string> {
  const hex = `0x${Array.from(new TextEncoder().encode(message), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  const signature = await provider.request({ method: 'personal_sign', params: [hex, account] });
  if (typeof signature !== 'string') throw new Error('The wallet returned no signature.');
  return signature;
}
