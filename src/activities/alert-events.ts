import type { Pool } from 'pg';
import type { ServiceAlertEvent } from '../domain/alerts';

/**
 * An event of a whole service (its mapping, its metadata source) for the notifier to tell. Each
 * retry of a failing load appends one; the notifier folds them into one notification per window.
 */
export async function recordServiceAlert(pool: Pool, serviceId: string, kind: ServiceAlertEvent, detail: string): Promise<void> {
  await pool.query(`INSERT INTO alert_events (service_id, kind, detail) VALUES ($1, $2, $3)`, [serviceId, kind, detail.slice(0, 2000)]);
}
