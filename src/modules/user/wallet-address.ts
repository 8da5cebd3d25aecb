import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex } from '@noble/hashes/utils';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** EIP-55 mixed-case checksum encoding of an address. */
export function toChecksumAddress(address: string): string {
  const lower = address.slice(2).toLowerCase();
  const hash = bytesToHex(keccak_256(new TextEncoder().encode(lower)));
  let result = '0x';
  for (let i = 0; i < lower.length; i++) {
    result += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  }
  return result;
}

export type WalletAddressProblem = 'format' | 'checksum';

/**
 * Validates an Ethereum address: `0x` + 40 hex digits; an all-lower or all-upper address carries
 * no checksum and is accepted, a mixed-case one must match its EIP-55 checksum exactly.
 */
export function walletAddressProblem(address: string): WalletAddressProblem | null {
  if (!ADDRESS.test(address)) return 'format';
  const hex = address.slice(2);
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return null;
  return toChecksumAddress(address) === address ? null : 'checksum';
}

/** The stored form: checksummed, so one address has one spelling. */
export function normalizeWalletAddress(address: string): string {
  return toChecksumAddress(address);
}
