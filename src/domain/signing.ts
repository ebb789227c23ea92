import { createHmac, timingSafeEqual } from 'node:crypto';

/** Contract 2: `Courier-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function verifySignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  return header !== undefined && sameText(signBody(secret, rawBody), header);
}

/**
 * Webhooks are signed with the service's notification secret, which nodes never hold, over a
 * timestamp and the body: `Courier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp lets a receiver refuse a replay: one older than its tolerance is stale.
 */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const webhookMac = (secret: string, t: number, rawBody: string | Buffer): string =>
  createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');

export function signWebhook(secret: string, rawBody: string | Buffer, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${webhookMac(secret, t, rawBody)}`;
}

export type WebhookCheck = { valid: true; signedAt: Date } | { valid: false; reason: 'missing' | 'malformed' | 'mismatch' | 'stale' };

/**
 * What a receiver runs: the signature must match (any of several `v1=`, as during a secret
 * rotation) and its timestamp lie within `toleranceSeconds` of `now`, either way.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Buffer,
  header: string | undefined,
  now: Date,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): WebhookCheck {
  if (!header) return { valid: false, reason: 'missing' };
  const fields = header.split(',').map((f) => f.trim().split('='));
  const ts = fields.filter(([k]) => k === 't').map(([, v]) => v ?? '');
  const signatures = fields.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (ts.length !== 1 || !/^\d{1,12}$/.test(ts[0]!) || signatures.length === 0) return { valid: false, reason: 'malformed' };
  const t = Number(ts[0]);
  const expected = webhookMac(secret, t, rawBody);
  if (!signatures.some((s) => sameText(expected, s))) return { valid: false, reason: 'mismatch' };
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return { valid: false, reason: 'stale' };
  return { valid: true, signedAt: new Date(t * 1000) };
}
