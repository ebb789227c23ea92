import type { Dispatcher } from 'undici';
import { request } from 'undici';
import { PULL_TOKEN_HEADER } from '../../domain/node-credential';
import { DeliveryAckSchema, idempotencyKeyFor } from '../../domain/protocol';
import { signBody } from '../../domain/signing';
import { deadline } from '../../net/deadline';
import { badAck, statusFailure, timeoutFailure, transportFailure, type DeliveryFailure } from './failure';

/** Acks are tiny; anything larger is not an ack. */
const ACK_MAX_BYTES = 16 * 1024;

export interface PushTarget {
  serviceId: string;
  endpoint: string;
  secret: string;
  /** The whole request, answer read included. */
  timeoutMs: number;
  /** The node's next pull credential (src/domain/node-credential.ts), handed over with the delivery. */
  pullToken: string;
}

/** A Contract 2 body, encoded once: the same bytes are signed and sent. */
export interface EncodedDelivery {
  node: string;
  version: string;
  raw: Buffer;
}

/**
 * Contract 2: POST the signed body and accept only a 2xx JSON ack naming this node and version.
 * Returns null on ack, else why the delivery failed (its message is what the customer sees as `lastError`).
 * The timeout is one deadline over the whole exchange, so a node trickling its answer fails in time.
 */
export async function pushToNode(
  target: PushTarget,
  body: EncodedDelivery,
  opts: { dispatcher: Dispatcher; signal?: AbortSignal },
): Promise<DeliveryFailure | null> {
  const { raw } = body;
  const limit = deadline(target.timeoutMs, opts.signal);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(target.endpoint, {
      method: 'POST',
      dispatcher: opts.dispatcher,
      headers: {
        'content-type': 'application/json',
        'courier-signature': signBody(target.secret, raw),
        'idempotency-key': idempotencyKeyFor(target.serviceId, body.node, body.version),
        [PULL_TOKEN_HEADER.toLowerCase()]: target.pullToken,
      },
      body: raw,
      signal: limit.signal,
    });
  } catch (err) {
    return limit.expired() ? timeoutFailure(target.timeoutMs) : transportFailure(err as Error & { code?: string }, target.timeoutMs);
  }
  if (res.statusCode < 200 || res.statusCode > 299) {
    // Drained for keep-alive; the deadline ends a body that trickles.
    await res.body.dump().catch(() => undefined);
    return statusFailure(res.statusCode);
  }
  let text: string;
  try {
    text = await readAck(res.body);
  } catch (err) {
    return limit.expired() ? timeoutFailure(target.timeoutMs) : badAck(`ack unreadable: ${(err as Error).message}`);
  }
  return checkAck(text, body);
}

function checkAck(text: string, body: EncodedDelivery): DeliveryFailure | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return badAck('ack is not JSON');
  }
  const ack = DeliveryAckSchema.safeParse(json);
  if (!ack.success) return badAck('ack lacks node and version');
  if (ack.data.node !== body.node) return badAck(`ack names node '${ack.data.node.slice(0, 64)}'`);
  if (ack.data.version !== body.version) return badAck(`ack names version '${ack.data.version.slice(0, 64)}'`);
  return null;
}

async function readAck(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > ACK_MAX_BYTES) {
      body.destroy();
      throw new Error(`larger than ${ACK_MAX_BYTES} bytes`);
    }
  }
  return text;
}
