#!/usr/bin/env node
/**
 * Payouts against a local chain (anvil), for development and the README walkthrough. Needs
 * `npm run build` (it uses the compiled contracts in dist/).
 *
 *   node scripts/local-chain.mjs deploy [--rpc URL]
 *       Deploys a TestRewardToken and a CumulativeMerkleDistributor owned by anvil's first dev
 *       account, funds the distributor, and prints the SETTLEMENT_* variables to start with.
 *   node scripts/local-chain.mjs link --key 0x… --token ACCESS_TOKEN [--url http://localhost:3000]
 *       Links the key's address to the account of ACCESS_TOKEN by signing the API's challenge.
 *   node scripts/local-chain.mjs claim --key 0x… --epoch N --token ACCESS_TOKEN --contract 0x… [--url …] [--rpc …]
 *       Fetches the proof of epoch N from the API and claims it from the key's wallet; prints the
 *       token balance after.
 *
 * Anvil's dev keys are public: never use them, or this script, on a real network.
 */
import { createRequire } from 'node:module';
import { createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const require = createRequire(import.meta.url);
const { cumulativeMerkleDistributorAbi, testRewardTokenAbi } = require('../dist/src/modules/settlement/evm/contracts.generated.js');
const { deployDistributor, deployTestRewardToken } = require('../dist/src/modules/settlement/evm/deploy.js');

/** Anvil's first development account (mnemonic "test test … junk"). */
const ANVIL_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

const [command, ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
  const index = rest.indexOf(`--${name}`);
  if (index !== -1) return rest[index + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
};
const rpc = option('rpc', 'http://127.0.0.1:8545');
const apiUrl = option('url', 'http://localhost:3000');

async function chain() {
  const probe = createPublicClient({ transport: http(rpc) });
  const id = await probe.getChainId();
  const definition = defineChain({ id, name: `local ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpc] } } });
  return { definition, reader: createPublicClient({ chain: definition, transport: http(rpc) }) };
}

async function callApi(method, path, token, body) {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

if (command === 'deploy') {
  const { definition, reader } = await chain();
  const account = privateKeyToAccount(ANVIL_KEY_0);
  const wallet = createWalletClient({ account, chain: definition, transport: http(rpc) });
  const deployer = { wallet, chain: definition, reader };
  const token = await deployTestRewardToken(deployer);
  const distributor = await deployDistributor(deployer, token, account.address);
  const hash = await wallet.writeContract({ address: token, abi: testRewardTokenAbi, functionName: 'mint', args: [distributor, 10n ** 30n] });
  await reader.waitForTransactionReceipt({ hash });
  console.log(`# reward token ${token}, funded distributor; publisher ${account.address} (anvil dev account 0)`);
  console.log(`SETTLEMENT_ADAPTER=evm`);
  console.log(`SETTLEMENT_CHAIN_ID=${definition.id}`);
  console.log(`SETTLEMENT_RPC_URL=${rpc}`);
  console.log(`SETTLEMENT_CONTRACT=${distributor}`);
  console.log(`SETTLEMENT_PUBLISHER_KEY=${ANVIL_KEY_0}`);
} else if (command === 'link') {
  const account = privateKeyToAccount(option('key'));
  const token = option('token');
  const challenge = await callApi('POST', '/api/user/wallet/challenge', token, { address: account.address });
  const signature = await account.signMessage({ message: challenge.message });
  const user = await callApi('POST', '/api/user/wallet', token, { message: challenge.message, signature });
  console.log(`Linked ${user.wallet_address} to ${user.username}`);
} else if (command === 'claim') {
  const { definition, reader } = await chain();
  const account = privateKeyToAccount(option('key'));
  const contract = option('contract');
  const proof = await callApi('GET', `/api/settlement/epochs/${option('epoch')}/proof`, option('token'));
  const wallet = createWalletClient({ account, chain: definition, transport: http(rpc) });
  const hash = await wallet.writeContract({
    address: contract,
    abi: cumulativeMerkleDistributorAbi,
    functionName: 'claim',
    args: [proof.account, BigInt(proof.amount), proof.proof],
  });
  await reader.waitForTransactionReceipt({ hash });
  const tokenAddress = await reader.readContract({ address: contract, abi: cumulativeMerkleDistributorAbi, functionName: 'token' });
  const balance = await reader.readContract({ address: tokenAddress, abi: testRewardTokenAbi, functionName: 'balanceOf', args: [proof.account] });
  console.log(`Claimed epoch ${proof.epoch} for ${proof.account} (tx ${hash}); balance ${balance} token units`);
} else {
  console.error('usage: node scripts/local-chain.mjs deploy|link|claim … (see the comment at the top)');
  process.exit(2);
}
