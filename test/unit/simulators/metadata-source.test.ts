import { createHash } from 'node:crypto';
import { request } from 'undici';
import { startMetadataSource, type MetadataSource } from '../../../src/simulators/metadata-source';
import { call } from './deliver';

async function fetchMetadata(url: string): Promise<{ status: number; bytes: Buffer; etag?: string; retryAfter?: string }> {
  const res = await request(url);
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    bytes,
    etag: res.headers.etag as string | undefined,
    retryAfter: res.headers['retry-after'] as string | undefined,
  };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('metadata source', () => {
  describe('shared mode', () => {
    let source: MetadataSource;
    beforeAll(async () => {
      source = await startMetadataSource();
    });
    afterAll(() => source.close());

    it('serves 10 KiB by default, the same bytes and ETag for every node', async () => {
      const a = await fetchMetadata(`${source.url}/v1/metadata?service=s&node=a`);
      const b = await fetchMetadata(`${source.url}/v1/metadata?service=s&node=b`);

      expect(a.status).toBe(200);
      expect(a.bytes).toHaveLength(10_240);
      expect(a.etag).toMatch(/^"g1-[0-9a-f]{16}"$/);
      expect(b.etag).toBe(a.etag);
      expect(sha(b.bytes)).toBe(sha(a.bytes));
      expect(source.urlTemplate).toBe(`${source.url}/v1/metadata?service={service}`);
    });

    it('changes the version and bytes on rotate, over HTTP too', async () => {
      const before = await fetchMetadata(`${source.url}/x`);
      const rotated = await call('POST', `${source.url}/admin/rotate`);
      const after = await fetchMetadata(`${source.url}/x`);

      expect(rotated.json).toEqual({ generation: 2, version: after.etag });
      expect(after.etag).not.toBe(before.etag);
      expect(sha(after.bytes)).not.toBe(sha(before.bytes));
      expect(source.rotate().generation).toBe(3);
    });

    it('counts requests and bytes', async () => {
      source.resetStats();
      await fetchMetadata(`${source.url}/v1/metadata`);
      expect((await call('GET', `${source.url}/stats`)).json).toEqual({
        requests: 1,
        served: 1,
        throttled: 0,
        failed: 0,
        bytesServed: 10_240,
        generation: expect.any(Number),
        version: expect.stringMatching(/^"g/),
      });
    });
  });

  it('perNode mode: bytes and version differ per node, stay stable, and change on rotate', async () => {
    const source = await startMetadataSource({ mode: 'perNode', payloadBytes: 2_000 });
    try {
      const url = (node: string) => `${source.url}/v1/metadata?service=s&node=${node}`;
      const a1 = await fetchMetadata(url('a'));
      const a2 = await fetchMetadata(url('a'));
      const b = await fetchMetadata(url('b'));

      expect(a1.bytes).toHaveLength(2_000);
      expect(a2.etag).toBe(a1.etag);
      expect(sha(a2.bytes)).toBe(sha(a1.bytes));
      expect(b.etag).not.toBe(a1.etag);
      expect(sha(b.bytes)).not.toBe(sha(a1.bytes));
      source.rotate();
      expect((await fetchMetadata(url('a'))).etag).not.toBe(a1.etag);
      expect(source.urlTemplate).toContain('node={node}');
    } finally {
      await source.close();
    }
  });

  it('rotates on its own when asked to', async () => {
    const source = await startMetadataSource({ rotateEverySeconds: 0.05 });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(source.stats().generation).toBeGreaterThan(1);
    } finally {
      await source.close();
    }
  });

  describe('throttling and outages', () => {
    let now = 0;
    let source: MetadataSource;
    beforeAll(async () => {
      source = await startMetadataSource({ payloadBytes: 16, now: () => now });
    });
    afterAll(() => source.close());
    beforeEach(() => {
      now = Date.parse('2030-01-01T00:00:00Z');
      source.setThrottle(null);
      source.setOutage(null);
      source.resetStats();
    });

    it('throttles every request with 429 and Retry-After when set over HTTP, and stops on DELETE', async () => {
      expect((await call('PUT', `${source.url}/admin/throttle`, { retryAfterSeconds: 7 })).status).toBe(200);
      const throttled = await fetchMetadata(`${source.url}/m`);
      expect(throttled).toMatchObject({ status: 429, retryAfter: '7' });

      expect((await call('DELETE', `${source.url}/admin/throttle`)).status).toBe(204);
      expect((await fetchMetadata(`${source.url}/m`)).status).toBe(200);
      expect(source.stats()).toMatchObject({ requests: 2, throttled: 1, served: 1 });
    });

    it('lets maxPerSecond requests through per second, then answers the status', async () => {
      source.setThrottle({ status: 503, maxPerSecond: 3, retryAfterSeconds: 2 });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetchMetadata(`${source.url}/m`)).status);
      expect(statuses).toEqual([200, 200, 200, 503, 503]);

      now += 1_000;
      expect((await fetchMetadata(`${source.url}/m`)).status).toBe(200);
    });

    it('throttles about the given fraction of requests', async () => {
      source.setThrottle({ rate: 0.5 });
      const statuses = await Promise.all(Array.from({ length: 400 }, () => fetchMetadata(`${source.url}/m`).then((r) => r.status)));
      const throttled = statuses.filter((s) => s === 429).length;
      expect(throttled).toBeGreaterThan(140);
      expect(throttled).toBeLessThan(260);
    });

    it('ends a throttle at untilEpochMs', async () => {
      source.setThrottle({ untilEpochMs: now + 1_000 });
      expect((await fetchMetadata(`${source.url}/m`)).status).toBe(429);
      now += 1_000;
      expect((await fetchMetadata(`${source.url}/m`)).status).toBe(200);
    });

    it('fails every request during an outage, without Retry-After', async () => {
      source.setThrottle({});
      expect((await call('PUT', `${source.url}/admin/outage`, { status: 500 })).json).toEqual({ status: 500 });
      const failed = await fetchMetadata(`${source.url}/m`);
      expect(failed.status).toBe(500);
      expect(failed.retryAfter).toBeUndefined();
      expect(source.stats()).toMatchObject({ failed: 1, throttled: 0 });

      expect((await call('DELETE', `${source.url}/admin/outage`)).status).toBe(204);
      expect((await call('PUT', `${source.url}/admin/outage`)).json).toEqual({ status: 503 });
    });

    it('rejects a bad throttle with 400', async () => {
      expect((await call('PUT', `${source.url}/admin/throttle`, { status: 418 })).status).toBe(400);
      expect((await call('PUT', `${source.url}/admin/throttle`, { rate: 0.5, maxPerSecond: 3 })).status).toBe(400);
      expect((await call('GET', `${source.url}/admin/limits`)).json).toEqual({ throttle: null, outage: null });
    });
  });
});
