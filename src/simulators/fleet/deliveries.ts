import type { IncomingMessage, ServerResponse } from 'node:http';
import { NODE_ID_PATTERN } from '../../domain/node-id';
import { DeliveryBodySchema } from '../../domain/protocol';
import { verifySignature } from '../../domain/signing';
import { ClientGone, HttpError, readBody, sendJson, sendProblem, sleep } from '../http/kit';
import type { FaultPlan, FaultRule } from './faults';
import type { Ledger, PullCredential } from './ledger';
import type { SecretBook } from './secrets';

/** Contract 3 caps metadata at 1 MiB; base64 and the envelope fit well inside 2 MiB. */
const DELIVERY_MAX_BYTES = 2 * 1024 * 1024;

/** Counts every request, including those the ledger cannot attribute to a node. */
export interface DeliveryCounters {
  /** Delivery requests received. */
  deliveries: number;
  acked: number;
  /** 400, 401, 413, 415: the request broke Contract 2. */
  rejected: number;
  /** A fault rule applied (a `latency` request that then acks also counts as acked). */
  faulted: number;
}

export const zeroCounters = (): DeliveryCounters => ({ deliveries: 0, acked: 0, rejected: 0, faulted: 0 });

interface Deps {
  ledger: Ledger;
  faults: FaultPlan;
  secrets: SecretBook;
  counters: DeliveryCounters;
}

/** `POST /nodes/{nodeId}/metadata` — Contract 2, as a well-behaved node or as a faulty one. */
export function deliveryHandler(deps: Deps) {
  return async (req: IncomingMessage, res: ServerResponse, [nodeId = '']: string[]): Promise<void> => {
    deps.counters.deliveries += 1;
    const fault = deps.faults.match(nodeId);
    if (fault) {
      deps.counters.faulted += 1;
      if (!(await applyFault(fault, req, res, nodeId, deps))) return;
    }
    await accept(req, res, nodeId, deps);
  };
}

/** Answers as the fault dictates; true when the request should then be handled normally. */
async function applyFault(fault: FaultRule, req: IncomingMessage, res: ServerResponse, nodeId: string, deps: Deps): Promise<boolean> {
  switch (fault.mode) {
    case 'refuse':
      req.socket.destroy();
      return false;
    case 'hang':
      return false;
    case 'error':
      sendProblem(res, fault.status, `simulated fault for node ${nodeId}`);
      return false;
    case 'latency':
      await sleep(fault.ms);
      return true;
    case 'wrongAck':
      await ackWrongVersion(req, res, nodeId, deps);
      return false;
  }
}

/** A lying node: it acks, but names the version it still holds (or one it never got). */
async function ackWrongVersion(req: IncomingMessage, res: ServerResponse, nodeId: string, deps: Deps): Promise<void> {
  const json = parseJson(await readBody(req, DELIVERY_MAX_BYTES)) as { service?: unknown; version?: unknown } | undefined;
  const service = typeof json?.service === 'string' ? json.service : '';
  const sent = typeof json?.version === 'string' ? json.version : '';
  const held = deps.ledger.heldVersion(nodeId, service);
  sendJson(res, 200, { node: nodeId, version: held !== null && held !== sent ? held : `not-${sent}` });
}

async function accept(req: IncomingMessage, res: ServerResponse, nodeId: string, deps: Deps): Promise<void> {
  const reject = (status: number, reason: string, service = '') => {
    deps.counters.rejected += 1;
    if (NODE_ID_PATTERN.test(nodeId)) deps.ledger.reject(nodeId, service, reason);
    sendProblem(res, status, reason);
  };

  if (!NODE_ID_PATTERN.test(nodeId)) return reject(400, 'path does not name a valid node id');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return reject(415, 'content-type must be application/json');
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, DELIVERY_MAX_BYTES);
  } catch (err) {
    if (err instanceof HttpError) return reject(err.status, err.message);
    if (err instanceof ClientGone) return;
    throw err;
  }
  const json = parseJson(raw);
  if (typeof json !== 'object' || json === null) return reject(400, 'body is not a JSON object');
  // The body names the service, and the service decides the secret: read it before verifying.
  const service = 'service' in json && typeof json.service === 'string' ? json.service : '';
  if (!verifySignature(deps.secrets.for(service), raw, header(req, 'courier-signature'))) {
    return reject(401, 'Courier-Signature does not match the body', service);
  }
  const parsed = DeliveryBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject(400, `body breaks Contract 2 at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? ''}`, service);
  }
  const body = parsed.data;
  if (body.node !== nodeId) return reject(400, `body names node '${body.node.slice(0, 64)}', not '${nodeId}'`, service);
  const expiresAt = Date.parse(body.expiresAt);
  if (Number.isNaN(expiresAt)) return reject(400, 'expiresAt is not a date', service);

  deps.ledger.accept(nodeId, service, body.version, expiresAt, { credential: pullCredentialOf(req), pulled: false });
  deps.counters.acked += 1;
  sendJson(res, 200, { node: nodeId, version: body.version });
}

/** The service id from the Idempotency-Key (`<serviceId>:<nodeId>:<version>`) and the token of Courier-Pull-Token. */
function pullCredentialOf(req: IncomingMessage): PullCredential | null {
  const token = header(req, 'courier-pull-token');
  const serviceId = header(req, 'idempotency-key')?.split(':')[0];
  return token && serviceId ? { serviceId, token } : null;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};
