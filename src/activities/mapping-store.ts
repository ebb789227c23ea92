import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { nextShardCount, type MappingFormat } from '../domain/mapping';
import type { BadRow } from '../domain/status';
import { copyRow } from './copy-row';

/**
 * Characters of COPY text sent at a time: large enough that writes are few, small enough that
 * few rows are alive when V8 collects its young generation (see PARSE_PIECE_BYTES in mapping.ts).
 */
const STAGE_CHUNK_CHARS = 16 * 1024;

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
  /** Node rows inserted, deleted or updated. */
  changed: number;
}

/**
 * Whether an apply changed enough node rows to analyze the node table: at least 10,000, and at
 * least a tenth of the service's nodes. Until then the planner estimates the service's rows from
 * statistics that predate them (the first cycle after a million-node load wrote back at a tenth of
 * the steady rate until autovacuum's ANALYZE ran); below that the estimates are near enough.
 */
export const ANALYZE_MIN_ROWS = 10_000;
export const worthAnalyzing = (changed: number, nodeCount: number): boolean => changed >= ANALYZE_MIN_ROWS && changed >= 0.1 * nodeCount;

export class ServiceGoneError extends Error {
  override name = 'ServiceGoneError';
}

/**
 * One load's rows, staged in temporary tables of one pinned connection: they are never
 * WAL-logged nor seen by other sessions, and a crashed worker's session takes them with it, so
 * there is nothing to sweep. Rows stream in through one `COPY FROM STDIN`, in chunks the caller
 * waits on when the socket is behind: memory stays at a chunk or two whatever the object's size.
 */
export class MappingStage {
  private rows: string[] = [];
  private chars = 0;
  private failure: { error: unknown } | null = null;

  private constructor(
    private readonly client: PoolClient,
    private readonly copy: Writable,
    /** Settles when the server has taken the whole COPY (see finish). */
    private readonly copied: Promise<void>,
    private readonly chunkChars: number,
  ) {}

  static async open(pool: Pool, chunkChars = STAGE_CHUNK_CHARS): Promise<MappingStage> {
    const client = await pool.connect();
    try {
      await client.query(`CREATE TEMP TABLE load_rows (node_id text NOT NULL, endpoint text, hash int NOT NULL, line int NOT NULL)`);
    } catch (err) {
      client.release(true);
      throw err;
    }
    const copy = client.query(copyFrom(`COPY load_rows (node_id, endpoint, hash, line) FROM STDIN`));
    const copied = finished(copy);
    const stage = new MappingStage(client, copy, copied, chunkChars);
    // Recorded at once, so a failure while the caller parses is never an unhandled rejection.
    copied.catch((error: unknown) => (stage.failure ??= { error }));
    return stage;
  }

  add(nodeId: string, endpoint: string | null, line: number): void {
    const row = copyRow(nodeId, endpoint, line);
    this.rows.push(row);
    this.chars += row.length;
  }

  get full(): boolean {
    return this.chars >= this.chunkChars;
  }

  /** Sends the rows added so far; waits while the connection is behind. */
  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const chunk = this.rows.join('');
    this.rows = [];
    this.chars = 0;
    await this.write(chunk);
  }

  /** Sends COPY text; waits while the connection is behind. */
  private async write(text: string): Promise<void> {
    this.throwIfFailed();
    // once() rejects if the stream errors instead.
    if (!this.copy.write(text)) await once(this.copy, 'drain');
    this.throwIfFailed();
  }

  /**
   * Sends COPY text made elsewhere (rows of copyRow); settles once the connection's socket has
   * taken it, which bounds the text in flight. Taken is not sent: pg-copy-streams calls back at
   * once for a chunk below the socket's high-water mark, while the socket may still be sending
   * from its memory, so the chunk must not be reused (mapping-parser.ts sends a copy).
   */
  async send(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    await new Promise<void>((resolve, reject) => this.copy.write(chunk, (err) => (err ? reject(err) : resolve())));
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /**
   * Writes the rest and collapses duplicate ids (the first row of an id wins) into `load_nodes`,
   * sorted by id so the apply inserts along the primary key. Returns the distinct count.
   */
  async finish(): Promise<number> {
    await this.flush();
    this.copy.end();
    await this.copied;
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
      // The diff's hash join of two million-row lists fits in memory rather than spilling to disk.
      await client.query(`SET LOCAL work_mem = '64MB'`);
      const applied = await applyIn(client, a);
      await client.query('COMMIT');
      return applied;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Refreshes the node table's planner statistics; after the apply's commit, as ANALYZE samples committed rows. */
  async analyzeNodes(): Promise<void> {
    await this.client.query(`ANALYZE nodes`);
  }

  /**
   * Ends the load's session. After a clean load the connection goes back to the pool with its
   * temporary tables dropped (a new connection per load was most of a small mapping's cost);
   * after a failure it is closed, which drops them whatever state the failure left them in.
   */
  async close(): Promise<void> {
    // A load that failed mid-COPY: the connection is closed below, which also ends the COPY.
    if (!this.copy.writableFinished) this.failure ??= { error: new Error('mapping stage closed before its COPY finished') };
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
  // No forced refresh can insert a node meanwhile: it waits for the service row locked above (see upsertForcedNode).
  const change = (await serviceHasNodes(client, a.serviceId))
    ? await applyDiff(client, step, a, shardCount, row.shardCount)
    : await insertAll(step, a, shardCount);
  const service = await step(
    'service',
    `UPDATE services
        SET shard_count = $2, mapping_etag = $3, mapping_node_count = $4, mapping_bad_rows = $5,
            mapping_bad_row_samples = $6, mapping_loaded_at = now(), mapping_error = NULL, updated_at = now()
      WHERE id = $1
      RETURNING mapping_loaded_at AS "loadedAt"`,
    [a.serviceId, shardCount, a.etag, a.nodeCount, a.badRows, JSON.stringify(a.badRowSamples)],
  );
  return { ...change, shardCount, loadedAt: (service.rows[0] as { loadedAt: Date }).loadedAt };
}

type Step = (name: string, sql: string, params: unknown[]) => Promise<QueryResult>;
type Change = Pick<Applied, 'added' | 'removed' | 'changed'>;

async function serviceHasNodes(client: PoolClient, serviceId: string): Promise<boolean> {
  const { rows } = await client.query<{ has: boolean }>(`SELECT EXISTS (SELECT 1 FROM nodes WHERE service_id = $1) AS has`, [serviceId]);
  return rows[0]?.has ?? false;
}

/**
 * A service with no node rows (its first load, and no forced refresh before it) takes the staged
 * list as it is: no diff to compute, and no sort, since load_nodes was written in id order.
 * Those were about 3 s of a million-node first load's 12-15 s apply (docs/performance.md §3).
 */
async function insertAll(step: Step, a: ApplyInput, shardCount: number): Promise<Change> {
  const inserted = await step(
    'insert',
    `INSERT INTO nodes (service_id, node_id, endpoint, hash, shard, origin, mapping_etag, next_due_at)
     SELECT $1, s.node_id, s.endpoint, s.hash, s.hash % $2, 'mapping', $3, now() FROM load_nodes AS s`,
    [a.serviceId, shardCount, a.etag],
  );
  const added = inserted.rowCount ?? 0;
  return { added, removed: 0, changed: added };
}

/**
 * One pass over the staged and the present node list finds every difference; the statements
 * after it touch only those rows, so re-reading a large mapping with a few changes costs a few
 * row writes. A full join runs as a hash or merge join only: no nested loop on a stale estimate.
 */
async function applyDiff(client: PoolClient, step: Step, a: ApplyInput, shardCount: number, formerShardCount: number): Promise<Change> {
  const diff = await step(
    'diff',
    `CREATE TEMP TABLE load_diff AS
     SELECT coalesce(s.node_id, n.node_id) AS node_id, s.endpoint, s.hash,
            CASE WHEN n.node_id IS NULL THEN 'insert' WHEN s.node_id IS NULL THEN 'delete' ELSE 'update' END AS change
       FROM load_nodes AS s
       FULL JOIN (SELECT node_id, endpoint, origin FROM nodes WHERE service_id = $1) AS n ON n.node_id = s.node_id
      WHERE n.node_id IS NULL
         OR (s.node_id IS NULL AND n.origin = 'mapping')
         OR (s.node_id IS NOT NULL AND (n.endpoint IS DISTINCT FROM s.endpoint OR n.origin <> 'mapping'))`,
    [a.serviceId],
  );
  // The statements below join it to nodes by primary key: the planner needs its size.
  await client.query(`ANALYZE load_diff`);
  const deleted = await step(
    'delete',
    `DELETE FROM nodes AS n USING load_diff AS d WHERE d.change = 'delete' AND n.service_id = $1 AND n.node_id = d.node_id`,
    [a.serviceId],
  );
  await step(
    'update',
    `UPDATE nodes AS n SET endpoint = d.endpoint, origin = 'mapping', mapping_etag = $2
       FROM load_diff AS d
      WHERE d.change = 'update' AND n.service_id = $1 AND n.node_id = d.node_id`,
    [a.serviceId, a.etag],
  );
  // Before the insert, which gives new nodes their shard under the new count already.
  let resharded = 0;
  if (shardCount !== formerShardCount) {
    resharded = (await step('reshard', `UPDATE nodes SET shard = hash % $2 WHERE service_id = $1 AND shard <> hash % $2`, [a.serviceId, shardCount])).rowCount ?? 0;
  }
  const inserted = await step(
    'insert',
    `INSERT INTO nodes (service_id, node_id, endpoint, hash, shard, origin, mapping_etag, next_due_at)
     SELECT $1, d.node_id, d.endpoint, d.hash, d.hash % $2, 'mapping', $3, now() FROM load_diff AS d
      WHERE d.change = 'insert'
     ORDER BY d.node_id`,
    [a.serviceId, shardCount, a.etag],
  );
  return {
    added: inserted.rowCount ?? 0,
    removed: deleted.rowCount ?? 0,
    changed: (diff.rowCount ?? 0) + resharded,
  };
}
