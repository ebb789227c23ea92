/**
 * One delivery, bare: GET the metadata, sign the Contract 2 body, POST it to the node, check the
 * JSON ack names the node and version. The ceiling loop, the naive Temporal activity and the job
 * queue's processor all call this same function, so the rows differ only in orchestration.
 */
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import { encodeDeliveryBody } from '../src/domain/protocol';

export interface DeliveryTarget {
  fleetUrl: string;
  sourceUrl: string;
  secret: string;
  /** The service name the nodes are delivered for (the fleet keeps a ledger per service). */
  service: string;
  ttlSeconds: number;
  /** HTTP connections per origin. */
  connections: number;
}

export interface Metadata {
  /** The base64 metadata as a JSON string literal, encoded once per fetch as Courier does. */
  json: string;
  version: string;
}

export class BareDelivery {
  private readonly fleet: Pool;
  private readonly source: Pool;
  private readonly metadataPath: string;

  constructor(readonly target: DeliveryTarget) {
    this.fleet = new Pool(target.fleetUrl, { connections: target.connections, keepAliveTimeout: 30_000 });
    this.source = new Pool(target.sourceUrl, { connections: target.connections, keepAliveTimeout: 30_000 });
    this.metadataPath = `/v1/metadata?service=${encodeURIComponent(target.service)}`;
  }

  async fetchMetadata(): Promise<Metadata> {
    const res = await this.source.request({ path: this.metadataPath, method: 'GET' });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`metadata source answered ${res.statusCode}`);
    const etag = String(res.headers.etag ?? '').replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    return { json: JSON.stringify(bytes.toString('base64')), version: etag };
  }

  /** Fetches the metadata (unless given one fetched before), pushes it, checks the ack. */
  async deliver(nodeId: string, metadata?: Metadata): Promise<void> {
    const m = metadata ?? (await this.fetchMetadata());
    const issuedAt = new Date();
    const raw = Buffer.from(
      encodeDeliveryBody(
        {
          service: this.target.service,
          node: nodeId,
          version: m.version,
          issuedAt: issuedAt.toISOString(),
          expiresAt: new Date(issuedAt.getTime() + this.target.ttlSeconds * 1000).toISOString(),
        },
        m.json,
      ),
    );
    const signature = `sha256=${createHmac('sha256', this.target.secret).update(raw).digest('hex')}`;
    const res = await this.fleet.request({
      path: `/nodes/${encodeURIComponent(nodeId)}/metadata`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'courier-signature': signature,
        'idempotency-key': `${this.target.service}:${nodeId}:${m.version}`,
      },
      body: raw,
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`node answered ${res.statusCode}`);
    const ack = JSON.parse(text) as { node?: unknown; version?: unknown };
    if (ack.node !== nodeId || ack.version !== m.version) throw new Error(`wrong ack ${text.slice(0, 100)}`);
  }

  async close(): Promise<void> {
    await Promise.all([this.fleet.close(), this.source.close()]);
  }
}
