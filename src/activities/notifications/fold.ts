/**
 * Folding: pending alert events become notifications, one per service and kind per coalescing
 * window. Ten thousand nodes failing together is one summary ("10000 nodes (a, b, … and 9990
 * more) at risk"), sent once on each channel; events arriving within the window after it wait
 * for the next summary instead of becoming messages of their own.
 */
import type { Pool, PoolClient } from 'pg';
import { SEVERITY, SUMMARY_SAMPLE, summaryMessage, type AlertKind } from '../../domain/alerts';

/** Any fixed number: it names the lock that keeps two notifiers from folding the same events. */
const FOLD_LOCK = 0x636f7572;
/** Groups folded per tick; the rest wait for the next one. */
const MAX_GROUPS = 1000;

interface EventGroup {
  serviceId: string;
  kind: AlertKind;
  lastId: string;
  count: number;
  sample: string[] | null;
  detail: string | null;
  customerId: string | null;
  serviceName: string | null;
  channels: { webhookUrl?: string; email?: string } | null;
  lastSentAt: Date | null;
}

export interface FoldOptions {
  coalesceMs: number;
  /** False when no SMTP server is configured: email deliveries are recorded as failed at once. */
  emailEnabled: boolean;
}

/** Folds what is due; returns the kinds of the notifications made. */
export async function foldAlertEvents(pool: Pool, options: FoldOptions): Promise<AlertKind[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: locked } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [FOLD_LOCK]);
    const notified = locked[0]?.locked ? await foldGroups(client, options) : [];
    await client.query('COMMIT');
    return notified;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function foldGroups(client: PoolClient, options: FoldOptions): Promise<AlertKind[]> {
  const { rows: groups } = await client.query<EventGroup>(
    `SELECT e.service_id AS "serviceId", e.kind, max(e.id)::text AS "lastId",
            count(DISTINCT e.node_id)::int AS count,
            (array_agg(DISTINCT e.node_id) FILTER (WHERE e.node_id IS NOT NULL))[1:${SUMMARY_SAMPLE}] AS sample,
            (array_agg(e.detail ORDER BY e.id DESC) FILTER (WHERE e.detail IS NOT NULL))[1] AS detail,
            s.customer_id AS "customerId", s.name AS "serviceName", s.notifications AS channels,
            (SELECT max(n.created_at) FROM notifications n WHERE n.service_id = e.service_id AND n.kind = e.kind) AS "lastSentAt"
       FROM alert_events e
       LEFT JOIN services s ON s.id = e.service_id AND s.status <> 'deleting'
      GROUP BY e.service_id, e.kind, s.customer_id, s.name, s.notifications
      LIMIT ${MAX_GROUPS}`,
  );
  const notified: AlertKind[] = [];
  for (const group of groups) {
    if (group.lastSentAt && Date.now() - group.lastSentAt.getTime() < options.coalesceMs) continue;
    if (group.customerId !== null && group.serviceName !== null) {
      await notify(client, group, options);
      notified.push(group.kind);
    }
    // A deleted service's events have no one to tell.
    await client.query(`DELETE FROM alert_events WHERE service_id = $1 AND kind = $2 AND id <= $3`, [group.serviceId, group.kind, group.lastId]);
  }
  return notified;
}

async function notify(client: PoolClient, group: EventGroup, options: FoldOptions): Promise<void> {
  // Events of the whole service carry no node: their count of distinct node ids is 0.
  const sampleNodeIds = group.sample ?? [];
  const { count } = group;
  const message = summaryMessage({ kind: group.kind, serviceName: group.serviceName ?? '', count, sampleNodeIds, detail: group.detail });
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO notifications (id, customer_id, service_id, kind, severity, message, data)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6) RETURNING id`,
    [group.customerId, group.serviceId, group.kind, SEVERITY[group.kind], message, { nodeCount: count, sampleNodeIds, detail: group.detail }],
  );
  const notificationId = rows[0]!.id;
  const { webhookUrl, email } = group.channels ?? {};
  if (webhookUrl) {
    await client.query(`INSERT INTO notification_deliveries (id, notification_id, channel, target) VALUES (gen_random_uuid(), $1, 'webhook', $2)`, [
      notificationId,
      webhookUrl,
    ]);
  }
  if (email) {
    await client.query(
      `INSERT INTO notification_deliveries (id, notification_id, channel, target, status, last_error)
       VALUES (gen_random_uuid(), $1, 'email', $2, $3, $4)`,
      options.emailEnabled
        ? [notificationId, email, 'pending', null]
        : [notificationId, email, 'failed', 'this deployment has no SMTP server configured (COURIER_SMTP_URL)'],
    );
  }
}
