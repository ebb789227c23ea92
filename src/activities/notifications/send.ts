/**
 * Sending: each notification's webhook and email deliveries, retried with backoff until they
 * succeed or COURIER_NOTIFY_GIVE_UP_HOURS pass. A delivery is leased before it is sent, so a
 * notifier that crashes mid-send leaves it to be retried, never lost; a receiver may then see a
 * message twice, and the Idempotency-Key header (the delivery id) lets it tell.
 */
import type { Pool } from 'pg';
import { request, type Dispatcher } from 'undici';
import type { Transporter } from 'nodemailer';
import { notificationRetryDelayMs } from '../../domain/alerts';
import { signBody } from '../../domain/signing';

/** Deliveries sent per tick; more wait for the next. */
const SEND_BATCH = 50;
/** A leased delivery is retried after this if its sender never reported back. */
const LEASE_MS = 2 * 60_000;
const WEBHOOK_TIMEOUT_MS = 10_000;

interface DueDelivery {
  id: string;
  channel: 'webhook' | 'email';
  target: string;
  attempts: number;
  createdAt: Date;
  notificationId: string;
  kind: string;
  severity: string;
  message: string;
  data: unknown;
  notifiedAt: Date;
  serviceId: string | null;
  serviceName: string | null;
  signingSecret: string | null;
}

export interface Channels {
  /** Guarded by the network policy, like every customer-given URL. */
  dispatcher: Dispatcher;
  mailer: Transporter | null;
  mailFrom: string;
  giveUpMs: number;
}

export type SendOutcome = 'delivered' | 'retry' | 'failed';

export interface SentDelivery {
  channel: 'webhook' | 'email';
  outcome: SendOutcome;
}

export async function sendDueDeliveries(pool: Pool, channels: Channels): Promise<SentDelivery[]> {
  const { rows } = await pool.query<DueDelivery>(
    `WITH due AS (
       SELECT id FROM notification_deliveries
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT ${SEND_BATCH}
        FOR UPDATE SKIP LOCKED
     ), leased AS (
       UPDATE notification_deliveries d SET next_attempt_at = now() + make_interval(secs => ${LEASE_MS / 1000})
         FROM due WHERE d.id = due.id
       RETURNING d.*
     )
     SELECT l.id, l.channel, l.target, l.attempts, l.created_at AS "createdAt", n.id AS "notificationId", n.kind, n.severity,
            n.message, n.data, n.created_at AS "notifiedAt", n.service_id AS "serviceId", s.name AS "serviceName",
            s.signing_secret AS "signingSecret"
       FROM leased l JOIN notifications n ON n.id = l.notification_id
       LEFT JOIN services s ON s.id = n.service_id`,
  );
  return Promise.all(
    rows.map(async (delivery) => {
      const failure = await attempt(delivery, channels);
      return { channel: delivery.channel, outcome: await record(pool, delivery, failure, channels.giveUpMs) };
    }),
  );
}

/** Null when the channel took the message, else why not. */
async function attempt(delivery: DueDelivery, channels: Channels): Promise<string | null> {
  try {
    return delivery.channel === 'webhook' ? await postWebhook(delivery, channels.dispatcher) : await sendEmail(delivery, channels);
  } catch (err) {
    return (err as Error).message || String(err);
  }
}

const payloadOf = (d: DueDelivery) => ({
  id: d.notificationId,
  kind: d.kind,
  severity: d.severity,
  message: d.message,
  service: d.serviceId ? { id: d.serviceId, name: d.serviceName } : null,
  data: d.data,
  createdAt: d.notifiedAt.toISOString(),
});

async function postWebhook(delivery: DueDelivery, dispatcher: Dispatcher): Promise<string | null> {
  const body = JSON.stringify(payloadOf(delivery));
  const res = await request(delivery.target, {
    method: 'POST',
    dispatcher,
    headers: {
      'content-type': 'application/json',
      'idempotency-key': delivery.id,
      'courier-event': delivery.kind,
      // The service's signing secret, which the customer already holds to verify node deliveries.
      ...(delivery.signingSecret ? { 'courier-signature': signBody(delivery.signingSecret, body) } : {}),
    },
    body,
    headersTimeout: WEBHOOK_TIMEOUT_MS,
    bodyTimeout: WEBHOOK_TIMEOUT_MS,
  });
  await res.body.dump();
  return res.statusCode >= 200 && res.statusCode < 300 ? null : `webhook answered ${res.statusCode}`;
}

async function sendEmail(delivery: DueDelivery, channels: Channels): Promise<string | null> {
  if (!channels.mailer) return 'this deployment has no SMTP server configured (COURIER_SMTP_URL)';
  await channels.mailer.sendMail({
    from: channels.mailFrom,
    to: delivery.target,
    subject: `[Courier] ${delivery.severity}: ${delivery.kind.replace('_', ' ')} - ${delivery.serviceName ?? 'a deleted service'}`,
    text: `${delivery.message}\n\nNotification ${delivery.notificationId} at ${delivery.notifiedAt.toISOString()}.\n`,
    headers: { 'X-Courier-Notification': delivery.notificationId },
  });
  return null;
}

async function record(pool: Pool, delivery: DueDelivery, failure: string | null, giveUpMs: number): Promise<SendOutcome> {
  const attempts = delivery.attempts + 1;
  if (failure === null) {
    await pool.query(
      `UPDATE notification_deliveries SET status = 'delivered', attempts = $2, delivered_at = now(), last_error = NULL WHERE id = $1`,
      [delivery.id, attempts],
    );
    return 'delivered';
  }
  const givingUp = Date.now() - delivery.createdAt.getTime() >= giveUpMs;
  await pool.query(
    `UPDATE notification_deliveries
        SET status = $3, attempts = $2, last_error = $4, next_attempt_at = now() + make_interval(secs => $5::double precision)
      WHERE id = $1`,
    [delivery.id, attempts, givingUp ? 'failed' : 'pending', failure.slice(0, 1000), notificationRetryDelayMs(attempts) / 1000],
  );
  return givingUp ? 'failed' : 'retry';
}
