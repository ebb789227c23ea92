import type { Pool } from 'pg';
import type { Dispatcher } from 'undici';
import { expandTemplate } from '../../domain/protocol';
import { signBody } from '../../domain/signing';
import { ackedRecord, encodeDelivery, nextAttemptOf, prepareMetadata } from './attempt';
import { fetchMetadata } from './metadata-client';
import { findDueNode, recordAttempts } from './node-store';
import type { DeliverySettings } from './service-settings';

export interface PullDeps {
  pool: Pool;
  /** Through the network policy, like every call to a customer URL. */
  dispatcher: Dispatcher;
  now: () => Date;
}

/** A Contract 2 body and its Courier-Signature, exactly as a push would send them. */
export interface PulledDelivery {
  raw: Buffer;
  signature: string;
}

/**
 * A node fetching its own delivery, for when pushes cannot reach it. Handing the body over is the
 * node's ack: its row is written as an acked push writes it, so its next refresh is planned from
 * the new deadline. Null when the service has no such node. Throws MetadataThrottled or
 * MetadataUnavailable when the source cannot give the metadata now.
 */
export async function deliverByPull(deps: PullDeps, settings: DeliverySettings, nodeId: string): Promise<PulledDelivery | null> {
  const node = await findDueNode(deps.pool, settings.serviceId, nodeId);
  if (!node) return null;
  const attemptedAt = deps.now();
  const url = expandTemplate(settings.metadataUrl, { service: settings.name, node: nodeId });
  const metadata = prepareMetadata(await fetchMetadata(url, { dispatcher: deps.dispatcher, timeoutMs: settings.deliveryTimeoutMs }));
  const { body, expiresAt } = encodeDelivery(settings, nodeId, metadata);
  const record = ackedRecord(
    { nodeId, attemptedAt, attempts: nextAttemptOf(node), version: metadata.version, deliveredAt: deps.now(), expiresAt },
    settings,
  );
  await recordAttempts(deps.pool, settings.serviceId, [record]);
  return { raw: body.raw, signature: signBody(settings.signingSecret, body.raw) };
}
