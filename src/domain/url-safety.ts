/**
 * Which URLs Courier may call on a customer's behalf. Customers give Courier URLs (metadata
 * source, node endpoints, webhooks) that its workers then call from inside the deployment's
 * network, so an unchecked URL would let a customer reach the cloud metadata service or
 * internal hosts (SSRF). Registration checks the URL's own host; the workers check every
 * address they actually connect to (src/net/guarded-agent.ts), which also covers
 * names that resolve somewhere else later (DNS rebinding).
 */
import { BlockList, isIP } from 'node:net';
import { checkHttpUrl } from './http-url';

export interface NetworkPolicy {
  /** Loopback and private ranges (RFC 1918, ULA, CGNAT): local development and on-premises fleets. */
  allowPrivateNetworks: boolean;
}

type AddressClass = 'public' | 'private' | 'forbidden';

function blockList(ranges: readonly [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

/** Never reachable through Courier: link-local (where cloud metadata services live), unspecified, multicast, reserved. */
const FORBIDDEN = blockList([
  ['0.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['100.100.100.200', 32, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fd00:ec2::', 32, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

const PRIVATE = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
]);

/** Host names of metadata services that answer without an IP literal. */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** `::ffff:a9fe:a9fe` is 169.254.169.254 to the kernel, so it is judged as that. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return { address: dotted[1]!, family: 'ipv4' };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
    return { address: [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), family: 'ipv4' };
  }
  return { address: lower, family: isIP(lower) === 4 ? 'ipv4' : 'ipv6' };
}

export function classifyAddress(ip: string): AddressClass {
  const { address, family } = unmapped(ip.replace(/^\[(.*)\]$/, '$1'));
  if (FORBIDDEN.check(address, family)) return 'forbidden';
  if (PRIVATE.check(address, family)) return 'private';
  return 'public';
}

/** Why Courier must not connect to this IP address, or null when it may. */
export function addressRefusal(ip: string, policy: NetworkPolicy): string | null {
  switch (classifyAddress(ip)) {
    case 'forbidden':
      return `address ${ip} is link-local, reserved or a cloud metadata address`;
    case 'private':
      return policy.allowPrivateNetworks ? null : `address ${ip} is loopback or private, and this deployment does not allow private networks`;
    case 'public':
      return null;
  }
}

/** Why Courier must not call this URL, judged by the URL alone (no DNS), or null when it may. */
export function urlRefusal(value: string, policy: NetworkPolicy): string | null {
  const checked = checkHttpUrl(value);
  if ('problem' in checked) return checked.problem === 'not a URL' ? 'is not a URL' : 'must use http or https';
  const { url } = checked;
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  // WHATWG parsing has already turned 2852039166 or 0xa9.0xfe.0xa9.0xfe into a dotted quad.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  if (host === '') return 'has no host';
  if (isIP(host) !== 0) return addressRefusal(host, policy);
  if (METADATA_HOSTS.has(host)) return `host ${host} is a cloud metadata service`;
  if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowPrivateNetworks) {
    return `host ${host} is loopback, and this deployment does not allow private networks`;
  }
  return null;
}

/**
 * Bucket patterns: exact names, or a prefix ending in `*`; a lone `*` allows every bucket the
 * deployment's credentials can read.
 */
export function bucketAllowed(bucket: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? bucket.startsWith(p.slice(0, -1)) : bucket === p));
}
