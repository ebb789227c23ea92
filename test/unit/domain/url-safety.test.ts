import { addressRefusal, bucketAllowed, classifyAddress, urlRefusal } from '../../../src/domain/url-safety';

const strict = { allowPrivateNetworks: false };
const local = { allowPrivateNetworks: true };

describe('address classes', () => {
  it.each([
    ['169.254.169.254', 'forbidden'],
    ['169.254.10.1', 'forbidden'],
    ['100.100.100.200', 'forbidden'],
    ['0.0.0.0', 'forbidden'],
    ['224.0.0.1', 'forbidden'],
    ['255.255.255.255', 'forbidden'],
    ['fe80::1', 'forbidden'],
    ['fd00:ec2::254', 'forbidden'],
    ['::', 'forbidden'],
    ['::ffff:169.254.169.254', 'forbidden'],
    ['::ffff:a9fe:a9fe', 'forbidden'],
    ['[::ffff:a9fe:a9fe]', 'forbidden'],
    ['127.0.0.1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it('private addresses depend on the deployment, forbidden ones never do', () => {
    expect(addressRefusal('10.0.0.1', strict)).toMatch(/does not allow private networks/);
    expect(addressRefusal('10.0.0.1', local)).toBeNull();
    expect(addressRefusal('169.254.169.254', local)).toMatch(/metadata/);
    expect(addressRefusal('93.184.216.34', strict)).toBeNull();
  });
});

describe('URL refusal', () => {
  it.each([
    ['https://nodes.example.com/x', strict, null],
    ['http://127.0.0.1:9101/nodes/a', local, null],
    ['http://127.0.0.1:9101/nodes/a', strict, /loopback or private/],
    ['http://localhost:9101/', strict, /loopback/],
    ['http://api.localhost/', strict, /loopback/],
    ['http://localhost:9101/', local, null],
    ['http://169.254.169.254/latest/meta-data/', local, /metadata/],
    // The WHATWG parser turns these spellings of 169.254.169.254 into the dotted quad.
    ['http://2852039166/', local, /metadata/],
    ['http://0xa9.0xfe.0xa9.0xfe/', local, /metadata/],
    ['http://[::ffff:169.254.169.254]/', local, /metadata/],
    ['http://metadata.google.internal/computeMetadata/v1/', local, /cloud metadata service/],
    ['http://METADATA.google.internal./', local, /cloud metadata service/],
    ['ftp://files.example.com/x', local, /http or https/],
    ['file:///etc/passwd', local, /http or https/],
    ['https://user:pw@example.com/', local, /credentials/],
    ['not a url', local, /not a URL/],
  ] as const)('%s (%o)', (url, policy, expected) => {
    const refusal = urlRefusal(url, policy);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(expected);
  });
});

describe('bucket allowlist', () => {
  it.each([
    ['courier-mappings', ['courier-mappings'], true],
    ['courier-mappings-2', ['courier-mappings'], false],
    ['team-a-nodes', ['team-*'], true],
    ['other', ['team-*', 'courier-mappings'], false],
    ['anything', ['*'], true],
    ['anything', [], false],
  ] as const)('%s against %o → %s', (bucket, patterns, allowed) => {
    expect(bucketAllowed(bucket, patterns)).toBe(allowed);
  });
});
