import { createHmac } from 'node:crypto';
import { signBody, signWebhook, verifySignature, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from '../../../src/domain/signing';

const NOTIFICATION_SECRET = 'whsec-of-the-service-that-nodes-never-see';
const SIGNING_SECRET = 'the-signing-secret-every-node-of-the-service-holds';
const body = '{"id":"n-1","kind":"breach"}';
const at = new Date('2026-01-01T00:00:00Z');

describe('delivery signatures (Contract 2)', () => {
  it('are the hex HMAC-SHA256 of the raw body', () => {
    const header = signBody(SIGNING_SECRET, body);
    expect(header).toBe(`sha256=${createHmac('sha256', SIGNING_SECRET).update(body).digest('hex')}`);
    expect(verifySignature(SIGNING_SECRET, body, header)).toBe(true);
    expect(verifySignature(SIGNING_SECRET, `${body} `, header)).toBe(false);
    expect(verifySignature(SIGNING_SECRET, body, undefined)).toBe(false);
  });
});

describe('webhook signatures', () => {
  const header = signWebhook(NOTIFICATION_SECRET, body, at);

  it('sign the timestamp and the body', () => {
    const t = at.getTime() / 1000;
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', NOTIFICATION_SECRET).update(`${t}.${body}`).digest('hex')}`);
    expect(verifyWebhook(NOTIFICATION_SECRET, body, header, at)).toEqual({ valid: true, signedAt: at });
  });

  it('cannot be made with the signing secret a node holds', () => {
    expect(verifyWebhook(NOTIFICATION_SECRET, body, signWebhook(SIGNING_SECRET, body, at), at)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyWebhook(NOTIFICATION_SECRET, body, signBody(SIGNING_SECRET, body), at)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('do not survive a changed body or timestamp', () => {
    expect(verifyWebhook(NOTIFICATION_SECRET, `${body} `, header, at)).toEqual({ valid: false, reason: 'mismatch' });
    const moved = header.replace(/^t=(\d+)/, (_m, t: string) => `t=${Number(t) + 1}`);
    expect(verifyWebhook(NOTIFICATION_SECRET, body, moved, at)).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('are stale outside the tolerance, either way', () => {
    const seconds = (s: number) => new Date(at.getTime() + s * 1000);
    expect(verifyWebhook(NOTIFICATION_SECRET, body, header, seconds(WEBHOOK_TOLERANCE_SECONDS)).valid).toBe(true);
    expect(verifyWebhook(NOTIFICATION_SECRET, body, header, seconds(WEBHOOK_TOLERANCE_SECONDS + 1))).toEqual({ valid: false, reason: 'stale' });
    expect(verifyWebhook(NOTIFICATION_SECRET, body, header, seconds(-WEBHOOK_TOLERANCE_SECONDS - 1))).toEqual({ valid: false, reason: 'stale' });
    expect(verifyWebhook(NOTIFICATION_SECRET, body, header, seconds(60), 30)).toEqual({ valid: false, reason: 'stale' });
  });

  it('accept any of several v1 signatures and refuse malformed headers', () => {
    const [t, v1] = header.split(',');
    expect(verifyWebhook(NOTIFICATION_SECRET, body, `${t},v1=${'0'.repeat(64)},${v1}`, at).valid).toBe(true);
    for (const bad of ['', 'v1=abc', `${t}`, `t=abc,${v1}`, `${t},${t},${v1}`]) {
      expect(verifyWebhook(NOTIFICATION_SECRET, body, bad, at).valid).toBe(false);
    }
  });
});
