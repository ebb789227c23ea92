import type { Dispatcher } from 'undici';
import { alertAfterAttempt } from '../../domain/alerts';
import { refreshAt, retryDelayMs, type RetryTiming } from '../../domain/deadlines';
import { encodeDeliveryBody, expandTemplate, isSharedMetadataUrl } from '../../domain/protocol';
import { mapConcurrent } from './concurrency';
import { metadataFailure, type DeliveryFailure } from './failure';
import { fetchMetadata, MetadataThrottled, type Metadata } from './metadata-client';
import type { AttemptRecord, DueNode } from './node-store';
import { pushToNode } from './node-client';
import type { DeliverySettings } from './service-settings';

export interface AttemptDeps {
  dispatcher: Dispatcher;
  concurrency: number;
  now: () => Date;
  random: () => number;
  signal?: AbortSignal;
  /** Backoff of failed nodes; the default unless the deployment tunes it. */
  retry?: RetryTiming;
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
type MetadataFor = (nodeId: string) => Promise<Metadata & { json: string }>;

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
      const metadata = await fetchMetadata(url, {
        dispatcher: deps.dispatcher,
        timeoutMs: settings.deliveryTimeoutMs,
        signal: deps.signal,
      });
      return { ...metadata, json: JSON.stringify(metadata.bytes.toString('base64')) };
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
  // A node whose last round ended in an ack starts a new round.
  const attempts = node.lastError === null ? 1 : node.attempts + 1;
  let failure: DeliveryFailure | null;
  let notBeforeMs = 0;
  try {
    const metadata = await metadataFor(node.nodeId);
    const expiresAt = new Date(metadata.fetchedAt.getTime() + settings.ttlSeconds * 1000);
    failure = await pushToNode(
      {
        serviceId: settings.serviceId,
        endpoint: node.endpoint ?? expandTemplate(settings.deliveryEndpoint, { service: settings.name, node: node.nodeId }),
        secret: settings.signingSecret,
        timeoutMs: settings.deliveryTimeoutMs,
      },
      {
        node: node.nodeId,
        version: metadata.version,
        raw: Buffer.from(
          encodeDeliveryBody(
            {
              service: settings.name,
              node: node.nodeId,
              version: metadata.version,
              issuedAt: metadata.fetchedAt.toISOString(),
              expiresAt: expiresAt.toISOString(),
            },
            metadata.json,
          ),
        ),
      },
      { dispatcher: deps.dispatcher, signal: deps.signal },
    );
    if (failure === null) {
      return {
        nodeId: node.nodeId,
        attemptedAt,
        attempts,
        nextAttemptAt: refreshAt(expiresAt, settings.refreshBeforeSeconds),
        acked: { version: metadata.version, deliveredAt: deps.now(), expiresAt },
        failure: null,
        ...alertAfterAttempt(node, true, attemptedAt, settings.refreshBeforeSeconds),
      };
    }
  } catch (err) {
    failure = metadataFailure(err);
    if (!failure) throw err;
    if (err instanceof MetadataThrottled) notBeforeMs = err.retryAfterMs;
  }
  const now = deps.now().getTime();
  const msUntilDeadline = node.expiresAt ? node.expiresAt.getTime() - now : null;
  const delay = Math.max(notBeforeMs, retryDelayMs(attempts, msUntilDeadline, deps.random(), deps.retry));
  return {
    nodeId: node.nodeId,
    attemptedAt,
    attempts,
    nextAttemptAt: new Date(now + delay),
    acked: null,
    failure,
    ...alertAfterAttempt(node, false, new Date(now), settings.refreshBeforeSeconds),
  };
}
