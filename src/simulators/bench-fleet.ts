/**
 * How many signed deliveries per second the node fleet acks on this machine.
 *
 *   tsx src/simulators/bench-fleet.ts                       # starts a fleet in this process
 *   FLEET_URL=http://127.0.0.1:9101 tsx src/simulators/bench-fleet.ts   # measures a running one
 *
 * BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64), BENCH_NODES (distinct node ids cycled, 1000),
 * BENCH_PAYLOAD_BYTES (metadata bytes before base64, 10240).
 * A fleet started elsewhere must use the same secret (NODE_FLEET_SECRET or the default).
 */
import { Pool } from 'undici';
import { z } from 'zod';
import { signBody } from '../domain/signing';
import { DEFAULT_NODE_FLEET_SECRET, startNodeFleet } from './node-fleet';

const Env = z.object({
  FLEET_URL: z.string().url().optional(),
  NODE_FLEET_SECRET: z.string().min(1).default(DEFAULT_NODE_FLEET_SECRET),
  BENCH_SECONDS: z.coerce.number().positive().default(10),
  BENCH_CONNECTIONS: z.coerce.number().int().positive().default(64),
  BENCH_NODES: z.coerce.number().int().positive().max(10_000).default(1_000),
  BENCH_PAYLOAD_BYTES: z.coerce.number().int().min(0).default(10_240),
});

async function main(): Promise<void> {
  const env = Env.parse(process.env);
  const fleet = env.FLEET_URL ? null : await startNodeFleet({ secret: env.NODE_FLEET_SECRET });
  const url = env.FLEET_URL ?? (fleet?.url as string);
  const pool = new Pool(url, { connections: env.BENCH_CONNECTIONS });
  // Base64 of the payload, so the body is about BENCH_PAYLOAD_BYTES * 4/3 as Courier sends it.
  const metadata = Buffer.alloc(env.BENCH_PAYLOAD_BYTES, 7).toString('base64');
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const issuedAt = new Date().toISOString();

  // Signing is Courier's cost, not the fleet's: sign a ring of bodies up front and reuse them.
  const ring = Array.from({ length: env.BENCH_NODES }, (_, i) => {
    const node = `bench-${i}`;
    const raw = JSON.stringify({ service: 'bench', node, version: 'v1', issuedAt, expiresAt, metadata });
    return { path: `/nodes/${node}/metadata`, raw, signature: signBody(env.NODE_FLEET_SECRET, raw) };
  });

  let next = 0;
  let acked = 0;
  let failed = 0;
  const deadline = Date.now() + env.BENCH_SECONDS * 1000;
  const started = process.hrtime.bigint();

  const loop = async () => {
    while (Date.now() < deadline) {
      const { path, raw, signature } = ring[next++ % ring.length] as (typeof ring)[number];
      const res = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'courier-signature': signature },
        body: raw,
      });
      await res.body.dump();
      if (res.statusCode === 200) acked += 1;
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: env.BENCH_CONNECTIONS }, loop));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();

  const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(
    `${Math.round(acked / seconds)} acked deliveries/s (${acked} in ${seconds.toFixed(1)} s, ${failed} failed, ` +
      `${env.BENCH_CONNECTIONS} connections, ${Buffer.byteLength(ring[0]?.raw ?? '')} B bodies, ${env.BENCH_NODES} node ids` +
      `${fleet ? `, fleet in-process, rss ${rssMiB} MiB` : `, fleet at ${url}`})`,
  );
  await fleet?.close();
}

main().catch((err: unknown) => {
  console.error(`bench-fleet: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
