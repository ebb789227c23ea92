import type { Pool } from 'pg';
import type { Dispatcher } from 'undici';
import { pullToken, pullTokenExpiry } from '../../domain/node-credential';
import { expandTemplate } from '../../domain/protocol';
import type { Keyring } from '../../domain/secret-box';
import { signBody } from '../../domain/signing';
import { ackedRecord, encodeDelivery, attemptNumberOf, prepareMetadata } from './attempt';
import { fetchMetadata, MetadataThrottled } from './metadata-client';
import { findDueNode, recordAttempts } from './node-store';
import { admitPull, settlePull } from './pull-log';
import type { DeliverySettings } from './service-settings';

export interface PullDeps {
  pool: Pool;
  /** Through the network policy, like every call to a customer URL. */
  dispatcher: Dispatcher;
  keyring: Keyring;
  /** COURIER_PULLS_PER_MINUTE. */
  pullsPerMinute: number;
  now: () => Date;
}

/** A Contract 2 body and its Courier-Signature, exactly as a push would send them, and the node's next pull token. */
interface PulledDelivery {
  raw: Buffer;
  signature: string;
  pullToken: string;
}

export type PullResult = { pulled: PulledDelivery } | { unknownNode: true } | { limited: true; retryAfterSeconds: number };

/**
 * A node fetching its own delivery, for when pushes cannot reach it. Handing the body over is the
 * node's ack: its row is written as an acked push writes it, so its next refresh is planned from
 * the new deadline. Each pull is limited per node and recorded (pull-log.ts). Throws
 * MetadataThrottled or MetadataUnavailable when the source cannot give the metadata now.
 */
export async function deliverByPull(deps: PullDeps, settings: DeliverySettings, nodeId: string): Promise<PullResult> {
  const admission = await admitPull(deps.pool, settings.serviceId, nodeId, deps.pullsPerMinute);
  if (!admission.admitted) return { limited: true, retryAfterSeconds: admission.retryAfterSeconds };
  const { pullId } = admission;
  const node = await findDueNode(deps.pool, settings.serviceId, nodeId);
  if (!node) {
    await settlePull(deps.pool, pullId, 'unknown_node');
    return { unknownNode: true };
  }
  const attemptedAt = deps.now();
  const url = expandTemplate(settings.metadataUrl, { service: settings.name, node: nodeId });
  let metadata;
  try {
    metadata = prepareMetadata(await fetchMetadata(url, { dispatcher: deps.dispatcher, timeoutMs: settings.deliveryTimeoutMs }));
  } catch (err) {
    await settlePull(deps.pool, pullId, err instanceof MetadataThrottled ? 'source_throttled' : 'source_unavailable');
    throw err;
  }
  const { body, expiresAt } = encodeDelivery(settings, nodeId, metadata);
  const record = ackedRecord(
    { nodeId, attemptedAt, attempts: attemptNumberOf(node), version: metadata.version, deliveredAt: deps.now(), expiresAt },
    settings,
  );
  await recordAttempts(deps.pool, settings.serviceId, [record]);
  await settlePull(deps.pool, pullId, 'delivered', metadata.version);
  return {
    pulled: {
      raw: body.raw,
      signature: signBody(settings.signingSecret, body.raw),
      pullToken: pullToken(deps.keyring, { serviceId: settings.serviceId, nodeId, expiresAt: pullTokenExpiry(expiresAt, settings.ttlSeconds) }),
    },
  };
}
