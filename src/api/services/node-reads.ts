/** The node rows as the API shows them; state derived at read time, never stored. */
import { nodeState, nodeStateSql, type NodeState } from '../../domain/node-state';
import type { Database } from '../../db';
import type { NodeAlert } from '../../domain/alerts';
import type { NodeView } from '../schemas/nodes';

interface NodeRow {
  nodeId: string;
  version: string | null;
  deliveredAt: Date | null;
  expiresAt: Date | null;
  attempts: number;
  lastError: string | null;
  endpoint: string | null;
  shard: number;
  alert: NodeAlert | null;
  alertSince: Date | null;
}

const COLUMNS = `node_id AS "nodeId", version, delivered_at AS "deliveredAt", expires_at AS "expiresAt",
  attempts, last_error AS "lastError", endpoint, shard, alert, alert_since AS "alertSince"`;

function nodeView(row: NodeRow, now: Date): NodeView {
  return {
    nodeId: row.nodeId,
    state: nodeState(row, now),
    version: row.version,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    attempts: row.attempts,
    lastError: row.lastError,
    endpoint: row.endpoint,
    shard: row.shard,
    alert: row.alert,
    alertSince: row.alertSince?.toISOString() ?? null,
  };
}

export async function findNode(db: Database, serviceId: string, nodeId: string): Promise<NodeView | null> {
  const now = new Date();
  const { rows } = await db.pool.query<NodeRow>(`SELECT ${COLUMNS} FROM nodes WHERE service_id = $1 AND node_id = $2`, [
    serviceId,
    nodeId,
  ]);
  return rows[0] ? nodeView(rows[0], now) : null;
}

/** Keyset page by node id: stable under concurrent writes, and cheap at any depth. */
export async function listNodes(
  db: Database,
  serviceId: string,
  filter: { state?: NodeState; after?: string; limit: number },
): Promise<NodeView[]> {
  const now = new Date();
  const { rows } = await db.pool.query<NodeRow>(
    `SELECT ${COLUMNS} FROM nodes
      WHERE service_id = $1 AND ($2::text IS NULL OR node_id > $2)
        ${filter.state ? `AND ${nodeStateSql(filter.state, '$4')}` : ''}
      ORDER BY node_id LIMIT $3`,
    filter.state ? [serviceId, filter.after ?? null, filter.limit, now] : [serviceId, filter.after ?? null, filter.limit],
  );
  return rows.map((row) => nodeView(row, now));
}
