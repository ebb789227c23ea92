/**
 * How a node proves who it is when it pulls its metadata (the fallback when pushes cannot reach
 * it). Nodes already hold their service's signing secret, to verify Contract 2 signatures, so the
 * credential is derived from it and nothing new has to be distributed:
 * `Authorization: Courier-Node <hex HMAC-SHA256(signingSecret, "pull:<serviceId>:<nodeId>")>`.
 * The service id and node id are inside the MAC, so a credential opens one node of one service.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const NODE_CREDENTIAL_SCHEME = 'Courier-Node';

const NODE_AUTHORIZATION = /^Courier-Node\s+([0-9a-f]{64})\s*$/i;

export function nodeCredential(signingSecret: string, serviceId: string, nodeId: string): string {
  return createHmac('sha256', signingSecret).update(`pull:${serviceId}:${nodeId}`).digest('hex');
}

export const nodeAuthorization = (signingSecret: string, serviceId: string, nodeId: string): string =>
  `${NODE_CREDENTIAL_SCHEME} ${nodeCredential(signingSecret, serviceId, nodeId)}`;

/** The credential an Authorization header carries, or null when it carries none of this scheme. */
export function credentialOf(header: string | undefined): string | null {
  return header ? (NODE_AUTHORIZATION.exec(header)?.[1]?.toLowerCase() ?? null) : null;
}

/** Constant-time, so the time to refuse says nothing about how much of a guess was right. */
export function verifyNodeCredential(signingSecret: string, serviceId: string, nodeId: string, credential: string): boolean {
  const expected = Buffer.from(nodeCredential(signingSecret, serviceId, nodeId));
  const given = Buffer.from(credential);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
