import { generatePrivateKey, privateKeyToAccount, PrivateKeyAccount } from 'viem/accounts';
import { api } from './api-client';
import { TestApp } from './test-app';

/** A fresh key-held wallet (a new random key each call). */
export function newWallet(): PrivateKeyAccount {
  return privateKeyToAccount(generatePrivateKey());
}

/** Links `wallet` to the token's user the way a browser does: challenge, personal_sign, submit. */
export async function linkWallet(app: Pick<TestApp, 'url'>, token: string, wallet: PrivateKeyAccount = newWallet()): Promise<PrivateKeyAccount> {
  const challenge = await api(app, 'POST', '/api/user/wallet/challenge', { token, body: { address: wallet.address } });
  if (challenge.status !== 200) throw new Error(`challenge failed: ${challenge.status} ${JSON.stringify(challenge.body)}`);
  const signature = await wallet.signMessage({ message: challenge.body.message });
  const linked = await api(app, 'POST', '/api/user/wallet', { token, body: { message: challenge.body.message, signature } });
  if (linked.status !== 200) throw new Error(`link failed: ${linked.status} ${JSON.stringify(linked.body)}`);
  return wallet;
}
