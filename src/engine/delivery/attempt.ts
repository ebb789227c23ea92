import type { Dispatcher } from 'undici';
import { alertAfterFailure } from '../../domain/alerts';
import { dueAfterAck, retryDelayMs, type RetryTiming } from '../../domain/deadlines';
import { endpointRole } from '../../domain/endpoints';
import { pullToken, pullTokenExpiry } from '../../domain/node-credential';
import type { Keyring } from '../../domain/secret-box';
import { encodeDeliveryBody, expandTemplate, isSharedMetadataUrl } from '../../domain/protocol';
import { mapConcurrent } from '../../domain/concurrency';
import { metadataFailure, type DeliveryFailure } from './failure';
import { fetchMetadata, MetadataThrottled, type Metadata } from './metadata-client';
import type { AttemptRecord, DueNode } from './node-store';
import { pushToNode, type EncodedDelivery } from './node-client';
import type { DeliverySettings } from './service-settings';
import type { SourceLimiter } from './source-limiter';

export interface AttemptDeps {
  dispatcher: Dispatcher;
  concurrency: number;
  /** Failed attempts in a row at the primary endpoint before attempts alternate to the secondary. */
  secondaryAfterAttempts: number;
  now: () => Date;
  random: () => number;
  signal?: AbortSignal;
  /** Backoff of failed nodes; the default unless the deployment tunes it. */
  retry?: RetryTiming;
  /** Keeps each service's metadata source within its limits across this worker's activities. */
  sourceLimiter: SourceLimiter;
  /** Signs the pull token each delivery hands its node. */
  keyring: Keyring;
}

/**
 * One delivery attempt for each node of a batch: fetch the metadata (once for the batch when the
 * URL does not vary by node), push it signed, check the ack, and say when each node is next due.
 * `onRecord` hears of each attempt as it ends, with how long it took.
 */
export async function attemptBatch(
  nodes: readonly DueNode[],
  settings: DeliverySettings,
  deps: AttemptDeps,
  onRecord: (record: AttemptRecord, seconds: number) => void = () => {},
): Promise<AttemptRecord[]> {
  const metadataFor = metadataSource(settings, deps);
  return mapConcurrent(nodes, deps.concurrency, async (node) => {
    const startedAt = performance.now();
    const record = await attemptNode(node, settings, deps, metadataFor);
    onRecord(record, (performance.now() - startedAt) / 1000);
    return record;
  });
}

/** The metadata with its base64 form already a JSON string literal (see encodeDeliveryBody). */
export type PreparedMetadata = Metadata & { json: string };
type MetadataFor = (nodeId: string) => Promise<PreparedMetadata>;

export const prepareMetadata = (metadata: Metadata): PreparedMetadata => ({ ...metadata, json: JSON.stringify(metadata.bytes.toString('base64')) });

/** The number of the attempt about to be made: a node whose last round ended in an ack starts a new round. */
export const attemptNumberOf = (node: Pick<DueNode, 'attempts' | 'lastError'>): number => (node.lastError === null ? 1 : node.attempts + 1);

/** The Contract 2 body delivering `metadata` to one node, and the deadline it carries. */
export function encodeDelivery(
  settings: Pick<DeliverySettings, 'name' | 'ttlSeconds'>,
  nodeId: string,
  metadata: PreparedMetadata,
): { body: EncodedDelivery; expiresAt: Date } {
  const expiresAt = new Date(metadata.fetchedAt.getTime() + settings.ttlSeconds * 1000);
  const fields = {
    service: settings.name,
    node: nodeId,
    version: metadata.version,
    issuedAt: metadata.fetchedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  return { body: { node: nodeId, version: metadata.version, raw: Buffer.from(encodeDeliveryBody(fields, metadata.json)) }, expiresAt };
}

/**
 * An acked delivery (push or pull): the node is next due refreshBefore ahead of its new
 * deadline, and an alert episode it had is over (recordAttempts tells its end).
 */
export function ackedRecord(
  delivery: { nodeId: string; attemptedAt: Date; attempts: number; version: string; deliveredAt: Date; expiresAt: Date },
  settings: Pick<DeliverySettings, 'refreshBeforeSeconds'>,
): AttemptRecord {
  const { nodeId, attemptedAt, attempts, version, deliveredAt, expiresAt } = delivery;
  return {
    nodeId,
    attemptedAt,
    attempts,
    nextDueAt: dueAfterAck(expiresAt, settings.refreshBeforeSeconds),
    acked: { version, deliveredAt, expiresAt },
    failure: null,
    alert: null,
  };
}

/**
 * Per batch: one shared fetch, or one fetch per node. After a 429/503 the rest of the batch does
 * not call the source again before its Retry-After; those nodes are rescheduled instead.
 */
function metadataSource(settings: DeliverySettings, deps: AttemptDeps): MetadataFor {
  let pausedUntil = 0;
  const fetchOne = async (nodeId: string) => {
    const wait = pausedUntil - Date.now();
    if (wait > 0) throw new MetadataThrottled(wait, 429);
    const url = expandTemplate(settings.metadataUrl, { service: settings.name, node: nodeId });
    try {
      const metadata = await deps.sourceLimiter.run(
        settings.serviceId,
        settings.sourceLimits,
        () => fetchMetadata(url, { dispatcher: deps.dispatcher, timeoutMs: settings.deliveryTimeoutMs, signal: deps.signal }),
        deps.signal,
      );
      return prepareMetadata(metadata);
    } catch (err) {
      if (err instanceof MetadataThrottled) pausedUntil = Date.now() + err.retryAfterMs;
      throw err;
    }
  };
  if (!isSharedMetadataUrl(settings.metadataUrl)) return fetchOne;
  let shared: ReturnType<typeof fetchOne> | undefined;
  return () => (shared ??= fetchOne(''));
}

async function attemptNode(
  node: DueNode,
  settings: DeliverySettings,
  deps: AttemptDeps,
  metadataFor: MetadataFor,
): Promise<AttemptRecord> {
  const attemptedAt = deps.now();
  const attempts = attemptNumberOf(node);
  let failure: DeliveryFailure | null;
  let notBeforeMs = 0;
  try {
    const metadata = await metadataFor(node.nodeId);
    const { body, expiresAt } = encodeDelivery(settings, node.nodeId, metadata);
    const secondary = settings.deliverySecondaryEndpoint;
    const viaSecondary = secondary !== null && endpointRole(attempts, deps.secondaryAfterAttempts, true) === 'secondary';
    const values = { service: settings.name, node: node.nodeId };
    failure = await pushToNode(
      {
        serviceId: settings.serviceId,
        endpoint: viaSecondary ? expandTemplate(secondary, values) : (node.endpoint ?? expandTemplate(settings.deliveryEndpoint, values)),
        secret: settings.signingSecret,
        timeoutMs: settings.deliveryTimeoutMs,
        pullToken: pullToken(deps.keyring, { serviceId: settings.serviceId, nodeId: node.nodeId, expiresAt: pullTokenExpiry(expiresAt, settings.ttlSeconds) }),
      },
      body,
      { dispatcher: deps.dispatcher, signal: deps.signal },
    );
    if (failure === null) {
      return ackedRecord(
        { nodeId: node.nodeId, attemptedAt, attempts, version: metadata.version, deliveredAt: deps.now(), expiresAt },
        settings,
      );
    }
    if (viaSecondary) failure = { ...failure, message: `${failure.message} (via secondary)` };
  } catch (err) {
    failure = metadataFailure(err);
    if (!failure) throw err;
    if (err instanceof MetadataThrottled) notBeforeMs = err.retryAfterMs;
  }
  const now = deps.now().getTime();
  const msUntilDeadline = node.expiresAt ? node.expiresAt.getTime() - now : null;
  const deadSince = msUntilDeadline === null ? node.alertSince : msUntilDeadline <= 0 ? node.expiresAt : null;
  const deadForMs = deadSince ? Math.max(0, now - deadSince.getTime()) : 0;
  const delay = Math.max(notBeforeMs, retryDelayMs({ attempts, msUntilDeadline, deadForMs }, deps.random(), deps.retry));
  return {
    nodeId: node.nodeId,
    attemptedAt,
    attempts,
    nextDueAt: new Date(now + delay),
    acked: null,
    failure,
    alert: alertAfterFailure(node, new Date(now), settings.refreshBeforeSeconds),
  };
}
