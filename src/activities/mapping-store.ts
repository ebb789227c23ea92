import type { Pool, PoolClient } from 'pg';
import { nextShardCount, type MappingFormat } from '../domain/mapping';
import { nodeHash } from '../domain/sharding';
import type { BadRow } from '../domain/status';

/** Rows per staging INSERT: large enough to amortize round trips, small enough to keep memory flat. */
const STAGE_BATCH_ROWS = 5_000;

export interface ServiceMapping {
  name: string;
  mappingUri: string;
  mappingFormat: MappingFormat;
  shardCount: number;
  mappingEtag: string | null;
  mappingNodeCount: number | null;
  mappingLoadedAt: Date | null;
  mappingBadRows: number;
}

/** Null when the service is gone or being deleted. */
export async function readServiceMapping(pool: Pool, serviceId: string): Promise<ServiceMapping | null> {
  const { rows } = await pool.query<ServiceMapping>(
    `SELECT name, mapping_uri AS "mappingUri", mapping_format AS "mappingFormat", shard_count AS "shardCount",
            mapping_etag AS "mappingEtag", mapping_node_count AS "mappingNodeCount",
            mapping_loaded_at AS "mappingLoadedAt", mapping_bad_rows AS "mappingBadRows"
       FROM services WHERE id = $1 AND status <> 'deleting'`,
    [serviceId],
  );
  return rows[0] ?? null;
}

/** What status shows about the last load or check: an error, a held mapping, or null when fine. */
export async function recordMappingProblem(pool: Pool, serviceId: string, problem: string | null): Promise<void> {
  await pool.query(
    `UPDATE services SET mapping_error = $2, updated_at = now() WHERE id = $1 AND mapping_error IS DISTINCT FROM $2`,
    [serviceId, problem],
  );
}

export interface ApplyInput {
  serviceId: string;
  etag: string;
  nodeCount: number;
  badRows: number;
  badRowSamples: BadRow[];
  shardSize: number;
  /** Called after each statement with its name: a large apply takes a while. */
  onStep(done: string): void;
}

export interface Applied {
  added: number;
  removed: number;
  shardCount: number;
  loadedAt: Date;
}

export class ServiceGoneError extends Error {
  override name = 'ServiceGoneError';
}

/**
 * One load's rows, staged in temporary tables of one pinned connection: they are never
 * WAL-logged nor seen by other sessions, and a crashed worker's session takes them with it, so
 * there is nothing to sweep. Rows go in as multi-row INSERTs, one in flight while the caller
 * parses the next batch.
 */
export class MappingStage {
  private nodeIds: string[] = [];
  private endpoints: Array<string | null> = [];
  private hashes: number[] = [];
  private lines: number[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  private constructor(
    private readonly client: PoolClient,
    private readonly batchRows: number,
  ) {}

  static async open(pool: Pool, batchRows = STAGE_BATCH_ROWS): Promise<MappingStage> {
    const client = await pool.connect();
    try {
      await client.query(`CREATE TEMP TABLE load_rows (node_id text NOT NULL, endpoint text, hash int NOT NULL, line int NOT NULL)`);
    } catch (err) {
      client.release(true);
      throw err;
    }
    return new MappingStage(client, batchRows);
  }

  add(nodeId: string, endpoint: string | null, line: number): void {
    this.nodeIds.push(nodeId);
    this.endpoints.push(endpoint);
    this.hashes.push(nodeHash(nodeId));
    this.lines.push(line);
  }

  get full(): boolean {
    return this.nodeIds.length >= this.batchRows;
  }

  /** Sends the rows added so far once the previous batch is written. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure.error;
    if (this.nodeIds.length === 0) return;
    const params = [this.nodeIds, this.endpoints, this.hashes, this.lines];
    this.nodeIds = [];
    this.endpoints = [];
    this.hashes = [];
    this.lines = [];
    // Handled at once, so a failure while the caller parses is never an unhandled rejection.
    this.inFlight = this.client
      .query(`INSERT INTO load_rows SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[])`, params)
      .then(
        () => undefined,
        (error: unknown) => {
          this.failure = { error };
        },
      );
  }

  /**
   * Writes the rest and collapses duplicate ids (the first row of an id wins) into `load_nodes`,
   * sorted by id so the apply inserts along the primary key. Returns the distinct count.
   */
  async finish(): Promise<number> {
    await this.flush();
    await this.inFlight;
    if (this.failure) throw this.failure.error;
    const { rowCount } = await this.client.query(
      `CREATE TEMP TABLE load_nodes AS SELECT DISTINCT ON (node_id) node_id, endpoint, hash FROM load_rows ORDER BY node_id, line`,
    );
    await this.client.query(`DROP TABLE load_rows`);
    // Temporary tables are never analyzed automatically; the joins of the apply need the row count.
    await this.client.query(`ANALYZE load_nodes`);
    return rowCount ?? 0;
  }

  /** Makes the staged nodes the service's node list, in one transaction (see applyIn). */
  async apply(a: ApplyInput): Promise<Applied> {
    const client = this.client;
    try {
      await client.query('BEGIN');
      // A nested loop over a stale estimate of a million rows ran for over half an hour in a
      // measurement, where hash joins take seconds.
      await client.query(`SET LOCAL enable_nestloop = off`);
      await client.query(`SET LOCAL work_mem = '64MB'`);
      const applied = await applyIn(client, a);
      await client.query('COMMIT');
      return applied;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Ends the load's session. After a clean load the connection goes back to the pool with its
   * temporary tables dropped (a new connection per load was most of a small mapping's cost);
   * after a failure it is closed, which drops them whatever state the failure left them in.
   */
  async close(): Promise<void> {
    await this.inFlight;
    const clean = this.failure === null && (await this.client.query('DISCARD TEMP').then(() => true, () => false));
    this.client.release(!clean);
  }
}

/**
 * Mapping-owned nodes no longer listed are deleted; listed nodes keep their delivery state,
 * take the listed endpoint and become mapping-owned; new nodes are inserted due now; shards are
 * re-assigned when their count changes. Unchanged nodes are not written at all, so re-reading a
 * large mapping with a few changes costs a few row writes.
 */
async function applyIn(client: PoolClient, a: ApplyInput): Promise<Applied> {
  const step = async (name: string, sql: string, params: unknown[]) => {
    const result = await client.query(sql, params);
    a.onStep(name);
    return result;
  };
  // The row lock orders this apply against a concurrent one and against deregistration.
  const locked = await step(
    'lock',
    `SELECT shard_count AS "shardCount" FROM services WHERE id = $1 AND status <> 'deleting' FOR UPDATE`,
    [a.serviceId],
  );
  const row = locked.rows[0] as { shardCount: number } | undefined;
  if (!row) throw new ServiceGoneError(`service ${a.serviceId} was deleted while its mapping loaded`);
  const shardCount = nextShardCount(row.shardCount, a.nodeCount, a.shardSize);

  const deleted = await step(
    'delete',
    `DELETE FROM nodes AS n
      WHERE n.service_id = $1 AND n.origin = 'mapping'
        AND NOT EXISTS (SELECT 1 FROM load_nodes AS s WHERE s.node_id = n.node_id)`,
    [a.serviceId],
  );
  await step(
    'update',
    `UPDATE nodes AS n SET endpoint = s.endpoint, origin = 'mapping', mapping_etag = $2
       FROM load_nodes AS s
      WHERE n.service_id = $1 AND n.node_id = s.node_id
        AND (n.endpoint IS DISTINCT FROM s.endpoint OR n.origin <> 'mapping')`,
    [a.serviceId, a.etag],
  );
  // Before the insert, which gives new nodes their shard under the new count already.
  if (shardCount !== row.shardCount) {
    await step('reshard', `UPDATE nodes SET shard = hash % $2 WHERE service_id = $1 AND shard <> hash % $2`, [a.serviceId, shardCount]);
  }
  // The anti-join skips the listed nodes in one pass. No forced refresh can insert meanwhile: it
  // waits for the service row locked above (see upsertForcedNode).
  const inserted = await step(
    'insert',
    `INSERT INTO nodes (service_id, node_id, endpoint, hash, shard, origin, mapping_etag, next_attempt_at)
     SELECT $1, s.node_id, s.endpoint, s.hash, s.hash % $2, 'mapping', $3, now() FROM load_nodes AS s
      WHERE NOT EXISTS (SELECT 1 FROM nodes AS n WHERE n.service_id = $1 AND n.node_id = s.node_id)
     ORDER BY s.node_id`,
    [a.serviceId, shardCount, a.etag],
  );
  const service = await step(
    'service',
    `UPDATE services
        SET shard_count = $2, mapping_etag = $3, mapping_node_count = $4, mapping_bad_rows = $5,
            mapping_bad_row_samples = $6, mapping_loaded_at = now(), mapping_error = NULL, updated_at = now()
      WHERE id = $1
      RETURNING mapping_loaded_at AS "loadedAt"`,
    [a.serviceId, shardCount, a.etag, a.nodeCount, a.badRows, JSON.stringify(a.badRowSamples)],
  );
  return {
    added: inserted.rowCount ?? 0,
    removed: deleted.rowCount ?? 0,
    shardCount,
    loadedAt: (service.rows[0] as { loadedAt: Date }).loadedAt,
  };
}
