import { AddressPolicy, AddressRefused } from './address-policy';

describe('AddressPolicy', () => {
  const dns = (answers: Record<string, string[]>) => (hostname: string) => Promise.resolve(answers[hostname] ?? []);

  it('allows public unicast and refuses inward ranges without the development flag', () => {
    const policy = new AddressPolicy(false);
    expect(policy.refusal('93.184.216.34')).toBeNull();
    expect(policy.refusal('2606:2800:220:1:248:1893:25c8:1946')).toBeNull();
    for (const address of ['127.0.0.1', '10.0.0.8', '172.16.5.4', '192.168.1.1', '100.64.0.1', '::1', 'fd12::1', '::ffff:10.0.0.1']) {
      expect([address, policy.refusal(address)]).toEqual([address, expect.stringContaining('WEBHOOK_ALLOW_PRIVATE_ADDRESSES')]);
    }
  });

  it('never allows link-local, metadata, multicast, broadcast, unspecified or reserved addresses', () => {
    const policy = new AddressPolicy(true);
    expect(policy.refusal('127.0.0.1')).toBeNull();
    expect(policy.refusal('10.0.0.8')).toBeNull();
    for (const address of [
      '169.254.169.254',
      '169.254.1.1',
      'fe80::1',
      'fd00:ec2::254',
      '100.100.100.200',
      '::ffff:169.254.169.254',
      '224.0.0.1',
      'ff02::1',
      '255.255.255.255',
      '0.0.0.0',
      '::',
      '240.0.0.1',
      '2002:a00:1::', // 6to4 can carry 10.0.0.1
      '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    ]) {
      expect([address, policy.refusal(address)]).toEqual([address, expect.any(String)]);
    }
  });

  it('refuses a hostname when any of its addresses is refused, and one that resolves to nothing', async () => {
    const policy = new AddressPolicy(false, dns({ 'good.test': ['93.184.216.34'], 'mixed.test': ['93.184.216.34', '10.1.2.3'], 'inner.test': ['192.168.0.5'] }));
    await expect(policy.addressesOf('good.test')).resolves.toEqual(['93.184.216.34']);
    await expect(policy.addressesOf('mixed.test')).rejects.toThrow(new AddressRefused('mixed.test resolves to 10.1.2.3 is a private address (set WEBHOOK_ALLOW_PRIVATE_ADDRESSES for development)'));
    await expect(policy.addressesOf('inner.test')).rejects.toBeInstanceOf(AddressRefused);
    await expect(policy.addressesOf('nowhere.test')).rejects.toThrow('nowhere.test does not resolve');
    await expect(policy.addressesOf('[::1]')).rejects.toThrow('::1 is a loopback address');
  });

  it('asks the resolver again each time (DNS may change between registration and delivery)', async () => {
    const answers = [['93.184.216.34'], ['127.0.0.1']];
    const policy = new AddressPolicy(false, () => Promise.resolve(answers.shift() ?? []));
    await expect(policy.addressesOf('rebinding.test')).resolves.toEqual(['93.184.216.34']);
    await expect(policy.addressesOf('rebinding.test')).rejects.toBeInstanceOf(AddressRefused);
  });
});
