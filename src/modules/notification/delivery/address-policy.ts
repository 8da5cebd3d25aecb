import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Cloud metadata services, refused whatever WEBHOOK_ALLOW_PRIVATE_ADDRESSES says. */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean …
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud
  'fd00:ec2::254', // AWS over IPv6
]);

/** Ranges allowed only with WEBHOOK_ALLOW_PRIVATE_ADDRESSES (development, tests). */
const PRIVATE_RANGES: ReadonlySet<string> = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Which addresses a webhook may reach. Public unicast only; loopback and private ranges when
 * allowed; link-local (169.254/16, fe80::/10, where cloud metadata lives), metadata addresses,
 * multicast, broadcast, unspecified and reserved or translation ranges never. IPv4-mapped IPv6
 * addresses are judged as the IPv4 address they carry.
 */
export class AddressPolicy {
  constructor(
    private readonly allowPrivate: boolean,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /** Why this address is refused, or null when it is allowed. */
  refusal(address: string): string | null {
    if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
    const parsed = ipaddr.process(address);
    const normalized = parsed.toString();
    if (METADATA_ADDRESSES.has(normalized)) return `${normalized} is a cloud metadata address`;
    const range = parsed.range();
    if (range === 'unicast') return null;
    if (PRIVATE_RANGES.has(range)) {
      return this.allowPrivate ? null : `${normalized} is a ${range} address (set WEBHOOK_ALLOW_PRIVATE_ADDRESSES for development)`;
    }
    return `${normalized} is a ${range} address`;
  }

  /**
   * The addresses a hostname (or IP literal) may be reached at, all checked; throws
   * AddressRefused when any is refused (a name that also resolves inward is not trusted).
   */
  async addressesOf(hostname: string): Promise<string[]> {
    const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    const addresses = isIP(bare) !== 0 ? [bare] : await this.resolve(bare);
    if (addresses.length === 0) throw new AddressRefused(`${bare} does not resolve`);
    for (const address of addresses) {
      const refusal = this.refusal(address);
      if (refusal !== null) throw new AddressRefused(isIP(bare) !== 0 ? refusal : `${bare} resolves to ${refusal}`);
    }
    return addresses;
  }
}

export class AddressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefused';
  }
}
