import { normalizeWalletAddress, toChecksumAddress, walletAddressProblem } from './wallet-address';

// Test vectors from EIP-55 itself.
const EIP55_VECTORS = [
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];

describe('wallet addresses', () => {
  it('computes EIP-55 checksums', () => {
    for (const address of EIP55_VECTORS) {
      expect(toChecksumAddress(address.toLowerCase())).toBe(address);
      expect(walletAddressProblem(address)).toBeNull();
    }
  });

  it('accepts addresses without a checksum (single case)', () => {
    expect(walletAddressProblem(EIP55_VECTORS[0]!.toLowerCase())).toBeNull();
    expect(walletAddressProblem('0x' + EIP55_VECTORS[0]!.slice(2).toUpperCase())).toBeNull();
    expect(normalizeWalletAddress(EIP55_VECTORS[1]!.toLowerCase())).toBe(EIP55_VECTORS[1]);
  });

  it('rejects a mixed-case address with a wrong checksum', () => {
    const tampered = EIP55_VECTORS[0]!.replace('aAeb', 'aaEb');
    expect(walletAddressProblem(tampered)).toBe('checksum');
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['', '0x', '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe', '0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', `${EIP55_VECTORS[0]}00`]) {
      expect(walletAddressProblem(bad)).toBe('format');
    }
  });
});
