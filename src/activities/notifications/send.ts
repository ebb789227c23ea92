/**
 * Sending: each notification's webhook and email deliveries, retried with backoff until they
 * succeed or COURIER_NOTIFY_GIVE_UP_HOURS pass. A delivery is leased before it is sent, so a
 * notifier that crashes mid-send leaves it to be retried, never lost; a receiver may then see a
 * message twice, and the Idempotency-Key header (the delivery id) lets it tell.
 *
 * Sends run side by side, each under one overall deadline, and a tick does not wait for them: a
 * customer's webhook that hangs or trickles holds at most COURIER_NOTIFY_PER_SERVICE of the
 * worker's COURIER_NOTIFY_CONCURRENCY slots for at most COURIER_NOTIFY_TIMEOUT_SECONDS, and every
 * other customer's notifications go out meanwhile.
 */
import type { Pool } from 'pg';
import { request, type Dispatcher } from 'undici';
import type { Transporter } from 'nodemailer';
import { notificationRetryDelayMs } from '../../domain/alerts';
import type { Keyring } from '../../domain/secret-box';
import { signWebhook } from '../../domain/signing';
import { deadline, raceDeadline } from '../../net/deadline';
import { openOptional } from '../../store/service-secrets';

/** Due deliveries looked at per tick; more wait for the next. */
const SCAN_BATCH = 200;
/** A leased delivery is retried after this if its sender never reported back; well above any deadline. */
const LEASE_MS = 2 * 60_000;

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
  notificationSecret: string | null;
  /** Why the sealed secret did not open (a key rotated out too early): the send fails with it, the others go on. */
  secretError?: string;
}

export interface Channels {
  /** Guarded by the network policy, like every customer-given URL. */
  dispatcher: Dispatcher;
  mailer: Transporter | null;
  mailFrom: string;
  giveUpMs: number;
  /** One send's overall deadline. */
  timeoutMs: number;
  /** Sends in flight per worker, and per service within them. */
  concurrency: number;
  perService: number;
  /** Opens the services' notification secrets. */
  keyring: Keyring;
}

type SendOutcome = 'delivered' | 'retry' | 'failed';

export interface SentDelivery {
  channel: 'webhook' | 'email';
  outcome: SendOutcome;
}

const shareOf = (d: Pick<DueDelivery, 'serviceId'>) => d.serviceId ?? 'deleted';

/** One worker's sends in flight; `dispatch` starts what fits and returns what finished since the last call. */
export class NotificationSender {
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  private finished: SentDelivery[] = [];

  constructor(
    private readonly pool: Pool,
    private readonly channels: Channels,
  ) {}

  async dispatch(): Promise<SentDelivery[]> {
    const free = this.channels.concurrency - this.total;
    if (free > 0) for (const delivery of await this.lease(free)) this.start(delivery);
    const done = this.finished;
    this.finished = [];
    return done;
  }

  private start(delivery: DueDelivery): void {
    const share = shareOf(delivery);
    this.inFlight.set(share, (this.inFlight.get(share) ?? 0) + 1);
    this.total++;
    void (async () => {
      const failure = await attempt(delivery, this.channels);
      this.finished.push({ channel: delivery.channel, outcome: await record(this.pool, delivery, failure, this.channels.giveUpMs) });
    })()
      // A failed write-back leaves the lease to expire: the delivery is retried then.
      .catch(() => undefined)
      .finally(() => {
        this.total--;
        const left = (this.inFlight.get(share) ?? 1) - 1;
        if (left === 0) this.inFlight.delete(share);
        else this.inFlight.set(share, left);
      });
  }

  /** Leases the oldest due deliveries that fit: at most `free`, and no service past its share. */
  private async lease(free: number): Promise<DueDelivery[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<DueDelivery>(
        `SELECT d.id, d.channel, d.target, d.attempts, d.created_at AS "createdAt", n.id AS "notificationId", n.kind, n.severity,
                n.message, n.data, n.created_at AS "notifiedAt", n.service_id AS "serviceId", s.name AS "serviceName",
                s.notification_secret_sealed AS "notificationSecret"
           FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
           LEFT JOIN services s ON s.id = n.service_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at LIMIT ${SCAN_BATCH}
          FOR UPDATE OF d SKIP LOCKED`,
      );
      const taken = new Map<string, number>();
      const chosen: DueDelivery[] = [];
      for (const d of rows) {
        if (chosen.length === free) break;
        const share = shareOf(d);
        const used = (this.inFlight.get(share) ?? 0) + (taken.get(share) ?? 0);
        if (used >= this.channels.perService) continue;
        taken.set(share, (taken.get(share) ?? 0) + 1);
        chosen.push(d);
      }
      if (chosen.length > 0) {
        await client.query(`UPDATE notification_deliveries SET next_attempt_at = now() + make_interval(secs => ${LEASE_MS / 1000}) WHERE id = ANY($1::uuid[])`, [
          chosen.map((d) => d.id),
        ]);
      }
      await client.query('COMMIT');
      return chosen.map((d) => {
        try {
          return { ...d, notificationSecret: openOptional(this.channels.keyring, d.notificationSecret) };
        } catch (err) {
          return { ...d, notificationSecret: null, secretError: `notification secret unreadable: ${(err as Error).message}` };
        }
      });
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** Null when the channel took the message, else why not. */
async function attempt(delivery: DueDelivery, channels: Channels): Promise<string | null> {
  if (delivery.channel === 'webhook' && delivery.secretError) return delivery.secretError;
  try {
    return delivery.channel === 'webhook' ? await postWebhook(delivery, channels) : await sendEmail(delivery, channels);
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

async function postWebhook(delivery: DueDelivery, channels: Channels): Promise<string | null> {
  const body = JSON.stringify(payloadOf(delivery));
  const limit = deadline(channels.timeoutMs);
  try {
    const res = await request(delivery.target, {
      method: 'POST',
      dispatcher: channels.dispatcher,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': delivery.id,
        'courier-event': delivery.kind,
        // Services registered before webhooks had a secret of their own send unsigned until they rotate one.
        ...(delivery.notificationSecret ? { 'courier-signature': signWebhook(delivery.notificationSecret, body, new Date()) } : {}),
      },
      body,
      signal: limit.signal,
    });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300 ? null : `webhook answered ${res.statusCode}`;
  } catch (err) {
    if (limit.expired()) return `webhook did not answer within ${channels.timeoutMs} ms`;
    throw err;
  }
}

async function sendEmail(delivery: DueDelivery, channels: Channels): Promise<string | null> {
  if (!channels.mailer) return 'this deployment has no SMTP server configured (COURIER_SMTP_URL)';
  const sent = channels.mailer.sendMail({
    from: channels.mailFrom,
    to: delivery.target,
    subject: `[Courier] ${delivery.severity}: ${delivery.kind.replace('_', ' ')} - ${delivery.serviceName ?? 'a deleted service'}`,
    text: `${delivery.message}\n\nNotification ${delivery.notificationId} at ${delivery.notifiedAt.toISOString()}.\n`,
    headers: { 'X-Courier-Notification': delivery.notificationId },
  });
  await raceDeadline(sent, channels.timeoutMs, 'SMTP send');
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
