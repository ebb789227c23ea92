/**
 * A simulated node pulling its own delivery from Courier (the fallback when pushes cannot reach
 * it): with the pull token of its last delivery, verified like a push, kept as a push's copy is,
 * and the answer's fresh token kept for the next pull.
 */
import { DeliveryBodySchema } from '../../domain/protocol';
import { nodeAuthorization } from '../../domain/node-credential';
import { verifySignature } from '../../domain/signing';
import type { Ledger } from './ledger';
import type { SecretBook } from './secrets';

export type PullOutcome =
  | { pulled: true; version: string; expiresAt: string }
  | { pulled: false; status: number; detail: string };

export async function pullFromCourier(
  deps: { ledger: Ledger; secrets: SecretBook; courierUrl: string },
  nodeId: string,
  service: string,
): Promise<PullOutcome> {
  const credential = deps.ledger.pullCredential(nodeId, service);
  if (!credential) return { pulled: false, status: 0, detail: `node '${nodeId}' of '${service}' has no pull token: no delivery reached it yet` };
  const url = `${deps.courierUrl}/v1/nodes/${encodeURIComponent(nodeId)}/metadata?service=${encodeURIComponent(credential.serviceId)}`;
  const res = await fetch(url, { headers: { authorization: nodeAuthorization(credential.token) }, signal: AbortSignal.timeout(30_000) });
  const raw = await res.text();
  if (res.status !== 200) return { pulled: false, status: res.status, detail: raw.slice(0, 500) };
  if (!verifySignature(deps.secrets.for(service), raw, res.headers.get('courier-signature') ?? undefined)) {
    return { pulled: false, status: res.status, detail: 'Courier-Signature does not match the pulled body' };
  }
  const body = DeliveryBodySchema.safeParse(JSON.parse(raw));
  if (!body.success || body.data.node !== nodeId || body.data.service !== service) {
    return { pulled: false, status: res.status, detail: 'the pulled body is not a Contract 2 delivery for this node' };
  }
  const token = res.headers.get('courier-pull-token');
  deps.ledger.accept(nodeId, service, body.data.version, Date.parse(body.data.expiresAt), {
    credential: token ? { serviceId: credential.serviceId, token } : null,
    pulled: true,
  });
  return { pulled: true, version: body.data.version, expiresAt: body.data.expiresAt };
}
