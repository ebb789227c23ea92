/**
 * The network policy at call time, through the same agent and clients the worker uses, against a
 * real HTTP server on loopback (a private address, so the policy decides whether it is reached).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request, type Agent } from 'undici';
import { createGuardedAgent } from '../../src/net/guarded-agent';
import { fetchMetadata } from '../../src/engine/delivery/metadata-client';
import { pushToNode } from '../../src/engine/delivery/node-client';

let server: Server;
let port: number;
let hits = 0;
const agents: Agent[] = [];

const agent = (allowPrivateNetworks: boolean) => {
  const made = createGuardedAgent({ policy: { allowPrivateNetworks }, connections: 4 });
  agents.push(made);
  return made;
};

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await new Promise((resolve) => server.close(resolve));
});

describe('guarded agent', () => {
  it('reaches a loopback server when the deployment allows private networks', async () => {
    const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent(true) });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it.each([
    ['an IP literal', () => `http://127.0.0.1:${port}/`],
    ['a name resolving to loopback', () => `http://localhost:${port}/`],
  ])('refuses %s when private networks are not allowed, before any byte is sent', async (_case, url) => {
    const before = hits;
    await expect(request(url(), { dispatcher: agent(false) })).rejects.toThrow(/refused by network policy: .*loopback or private/);
    expect(hits).toBe(before);
  });

  it('refuses the cloud metadata address whatever the policy', async () => {
    await expect(request('http://169.254.169.254/latest/meta-data/', { dispatcher: agent(true) })).rejects.toThrow(
      /refused by network policy: 169\.254\.169\.254: .*metadata/,
    );
  });

  it('surfaces a refusal as the node delivery error and the metadata source error', async () => {
    const dispatcher = agent(false);
    const failure = await pushToNode(
      { serviceId: 's', endpoint: `http://127.0.0.1:${port}/nodes/a`, secret: 'x'.repeat(32), timeoutMs: 1_000, pullToken: 'pt1' },
      { node: 'a', version: 'v1', raw: Buffer.from('{}') },
      { dispatcher },
    );
    expect(failure).toEqual({ reason: 'address_refused', message: expect.stringMatching(/^refused by network policy: 127\.0\.0\.1: /) });
    await expect(fetchMetadata(`http://localhost:${port}/metadata`, { dispatcher, timeoutMs: 1_000 })).rejects.toThrow(
      /metadata source unreachable: refused by network policy: localhost/,
    );
  });
});
