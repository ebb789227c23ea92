/**
 * How a node proves who it is when it pulls its metadata (the fallback when pushes cannot reach
 * it): a short-lived pull token Courier hands it with every delivery, in the `Courier-Pull-Token`
 * header of each push and of each pull answer. The token is an HMAC under a key derived from
 * COURIER_SECRETS_KEY, which no node ever sees, over the service id, the node id and the expiry,
 * so a node holding its own token (or its service's signing secret) cannot make one for another
 * node: `Authorization: Courier-Node <token>`, token `pt1.<kid>.<expiry unix s>.<base64url MAC>`.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Keyring, MasterKey } from './secret-box';

export const NODE_CREDENTIAL_SCHEME = 'Courier-Node';
/** The push and pull answers' header carrying the node's next pull token. */
export const PULL_TOKEN_HEADER = 'Courier-Pull-Token';

const FORMAT = 'pt1';
const NODE_AUTHORIZATION = /^Courier-Node\s+(pt1\.[0-9a-f]{8}\.\d{1,12}\.[A-Za-z0-9_-]{43})\s*$/;

export interface PullGrant {
  serviceId: string;
  nodeId: string;
  expiresAt: Date;
}

/** The token key of one master key: derived, so the master key itself signs nothing a node sees. */
const tokenKeys = new WeakMap<MasterKey, Buffer>();
function tokenKey(master: MasterKey): Buffer {
  let key = tokenKeys.get(master);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), 'courier pull token v1', 32));
    tokenKeys.set(master, key);
  }
  return key;
}

const mac = (master: MasterKey, serviceId: string, nodeId: string, expiry: string): Buffer =>
  createHmac('sha256', tokenKey(master)).update(`${FORMAT}\n${master.kid}\n${serviceId}\n${nodeId}\n${expiry}`).digest();

/** A token for one node of one service, good until `grant.expiresAt` (to the second). */
export function pullToken(keyring: Keyring, grant: PullGrant): string {
  const expiry = String(Math.floor(grant.expiresAt.getTime() / 1000));
  const master = keyring.current;
  return [FORMAT, master.kid, expiry, mac(master, grant.serviceId, grant.nodeId, expiry).toString('base64url')].join('.');
}

export const nodeAuthorization = (token: string): string => `${NODE_CREDENTIAL_SCHEME} ${token}`;

/** The token an Authorization header carries, or null when it carries none of this scheme. */
export function credentialOf(header: string | undefined): string | null {
  return header ? (NODE_AUTHORIZATION.exec(header)?.[1] ?? null) : null;
}

export type PullTokenCheck = { valid: true } | { valid: false; reason: 'malformed' | 'unknown key' | 'mismatch' | 'expired' };

/**
 * Whether `token` opens `nodeId` of `serviceId` at `now`. The MAC is compared in constant time and
 * before the expiry, so a refusal's timing and reason tell nothing about a forged token.
 */
export function verifyPullToken(keyring: Keyring, serviceId: string, nodeId: string, token: string, now: Date): PullTokenCheck {
  const [format, kid, expiry, given] = token.split('.');
  if (format !== FORMAT || !kid || !expiry || !/^\d+$/.test(expiry) || !given) return { valid: false, reason: 'malformed' };
  const master = keyring.byKid.get(kid);
  if (!master) return { valid: false, reason: 'unknown key' };
  const expected = mac(master, serviceId, nodeId, expiry);
  const actual = Buffer.from(given, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { valid: false, reason: 'mismatch' };
  if (Number(expiry) * 1000 <= now.getTime()) return { valid: false, reason: 'expired' };
  return { valid: true };
}

/**
 * How long a token handed over with a copy stays good: the copy's lifetime and one more, so a node
 * whose pushes stopped arriving can still pull through a whole missed cycle. Every pull answer
 * carries a fresh token, so a node that only pulls never runs out.
 */
export const pullTokenExpiry = (copyExpiresAt: Date, ttlSeconds: number): Date => new Date(copyExpiresAt.getTime() + ttlSeconds * 1000);
