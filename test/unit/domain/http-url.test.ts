import { isHttpUrl, isPlainHttpUrl } from '../../../src/domain/http-url';

/** A deterministic generator (mulberry32), so a failure names a string that fails again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces that reach every branch of the host and port rules, and some the parser refuses.
const SCHEMES = ['http://', 'https://', 'HTTP://', 'hTtPs://', 'ftp://', 'http:/', 'http:', ''];
const HOST_PIECES = ['a', 'Z', 'node-7', '-', '.', '0', '1', '25', '255', '256', '999', '010', '0x1f', 'xn--', 'xn--zz', 'XN--a', 'ü', '_', '%41', '@', 'u:p@', '[', '::1]', ' ', '\t', 'é', '1.2.3.4', '08'];
const PORTS = ['', ':', ':0', ':80', ':8080', ':65535', ':65536', ':99999', ':08080', ':123456', ':x'];
const TAILS = ['', '/', '/metadata', '?a=1', '#f', '/a b', '/\\x', '/%zz', '/é', '\n', '/\u0000', 'x', '/ok?q=%20#frag'];

// Dotted hosts of near-valid labels: where a host is read as IPv4, as punycode or as a name.
const LABELS = ['a', 'node-7', 'x-', '-', '0', '1', '99', '255', '256', '010', '08', '0x1f', '0X', 'xn--a', 'b1', 'Z9'];

function candidate(next: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const parts: string[] = [];
  const count = 1 + Math.floor(next() * 5);
  const dotted = next() < 0.5;
  for (let i = 0; i < count; i++) parts.push(pick(dotted ? LABELS : HOST_PIECES));
  return pick(SCHEMES) + parts.join(dotted ? '.' : '') + pick(PORTS) + pick(TAILS);
}

describe('isPlainHttpUrl', () => {
  it('accepts only what the URL parser accepts as http(s), and most plain endpoints', () => {
    const next = random(17);
    let accepted = 0;
    for (let i = 0; i < 200_000; i++) {
      const value = candidate(next);
      if (!isPlainHttpUrl(value)) continue;
      accepted++;
      if (!isHttpUrl(value)) throw new Error(`fast path accepted ${JSON.stringify(value)}, which the URL parser refuses`);
    }
    // The check above means something only if the fast path takes many of the strings (5,621 of
    // these: most of them are meant to be refused).
    expect(accepted).toBeGreaterThan(4_000);
  });

  it.each([
    'http://10.0.3.7:8080/metadata',
    'https://node-17.payments.svc.cluster.local:8443/v1/courier?x=1#top',
    'HTTPS://Example.COM',
    'http://a-.b-/',
    'http://localhost:65535',
  ])('takes %s', (value) => {
    expect(isPlainHttpUrl(value)).toBe(true);
  });

  it.each([
    ['a last label of digits, which the parser reads as IPv4', 'http://node.123/'],
    ['an octal-looking octet', 'http://10.08.0.1/'],
    ['an octet over 255', 'http://10.0.0.256/'],
    ['a port over 65535', 'http://a.example:65536/'],
    ['punycode', 'http://xn--nxasmq6b.example/'],
    ['user info', 'http://user:secret@host.example/'],
    ['an IPv6 literal', 'http://[::1]:8080/'],
    ['a space in the path', 'http://host.example/a b'],
    ['a control character', 'http://host.example/\u0001'],
    ['another scheme', 'ftp://host.example/'],
  ])('leaves %s to the URL parser', (_why, value) => {
    expect(isPlainHttpUrl(value)).toBe(false);
  });
});
