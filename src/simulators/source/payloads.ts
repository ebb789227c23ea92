import { createHash } from 'node:crypto';

export type MetadataMode = 'shared' | 'perNode';

/** Contract 3 allows 1 MiB; larger sizes exist to test that Courier refuses them. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** A response body, as the buffers to write in order, and the ETag naming it. */
export interface Payload {
  etag: string;
  chunks: Buffer[];
  bytes: number;
}

/**
 * The bytes the source serves, per generation. The generation's bytes are computed once on
 * rotation, so serving a shared payload costs no hashing; a per-node payload differs from it only
 * in a leading digest of (generation, request URL), one short hash per request.
 */
export class PayloadBook {
  private gen = 0;
  private base = Buffer.alloc(0);
  private shared: Payload = { etag: '', chunks: [], bytes: 0 };

  constructor(
    private readonly payloadBytes: number,
    readonly mode: MetadataMode,
  ) {
    this.rotate();
  }

  get generation(): number {
    return this.gen;
  }

  /** The version every node gets in shared mode; null in perNode mode, where each node has its own. */
  get sharedVersion(): string | null {
    return this.mode === 'shared' ? this.shared.etag : null;
  }

  rotate(): void {
    this.gen += 1;
    // Deterministic, so a restarted source serves the same versions as before.
    this.base =
      this.payloadBytes === 0
        ? Buffer.alloc(0)
        : createHash('shake256', { outputLength: this.payloadBytes }).update(`courier-simulated-metadata:${this.gen}`).digest();
    const hash = createHash('sha256').update(this.base).digest('hex').slice(0, 16);
    this.shared = { etag: `"g${this.gen}-${hash}"`, chunks: [this.base], bytes: this.base.length };
  }

  /** `key` identifies the node: the request URL, which carries the service and node. */
  forRequest(key: string): Payload {
    if (this.mode === 'shared') return this.shared;
    const digest = createHash('sha256').update(`${this.gen}\n${key}`).digest();
    const stamp = digest.subarray(0, Math.min(digest.length, this.base.length));
    return {
      etag: `"${digest.toString('hex')}"`,
      chunks: [stamp, this.base.subarray(stamp.length)],
      bytes: this.base.length,
    };
  }
}
