import { MetadataThrottled, MetadataUnavailable } from './metadata-client';

/**
 * Why a delivery failed, as a fixed set: the `reason` label of `courier_deliveries_total`, so the
 * series count stays bounded whatever nodes and sources answer. The message (the node's
 * `lastError`) keeps the detail.
 */
export const FAILURE_REASONS = [
  'refused',
  'unreachable',
  'address_refused',
  'timeout',
  'http_5xx',
  'http_4xx',
  'bad_ack',
  'metadata_unavailable',
  'metadata_throttled',
  'cancelled',
  'other',
] as const;
type FailureReason = (typeof FAILURE_REASONS)[number];

export interface DeliveryFailure {
  reason: FailureReason;
  message: string;
}

/** The whole exchange with a node did not end within its deadline. */
export const timeoutFailure = (timeoutMs: number): DeliveryFailure => ({ reason: 'timeout', message: `no answer within ${timeoutMs} ms` });

/** A request to a node that got no HTTP answer. */
export function transportFailure(err: { code?: string; name?: string; message: string }, timeoutMs: number): DeliveryFailure {
  switch (err.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return timeoutFailure(timeoutMs);
    case 'ECONNREFUSED':
      return { reason: 'refused', message: 'connection refused' };
    // A node that drops the connection before answering is as down as one that refuses it.
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
      return { reason: 'refused', message: 'connection reset' };
    case 'ENOTFOUND':
      return { reason: 'unreachable', message: 'host not found' };
    // The network policy's refusal (src/net/guarded-agent.ts) already says why.
    case 'COURIER_ADDRESS_REFUSED':
      return { reason: 'address_refused', message: err.message };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'unreachable', message: 'host unreachable' };
    default:
      return err.name === 'AbortError'
        ? { reason: 'cancelled', message: 'delivery cancelled' }
        : { reason: 'other', message: `transport error: ${err.message}` };
  }
}

/** A node that answered, but not with a 2xx. */
export function statusFailure(status: number): DeliveryFailure {
  const reason = status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'other';
  return { reason, message: `node answered ${status}` };
}

export const badAck = (message: string): DeliveryFailure => ({ reason: 'bad_ack', message });

/** The metadata source's errors, which fail every node they were fetched for; anything else is not a delivery failure. */
export function metadataFailure(err: unknown): DeliveryFailure | null {
  if (err instanceof MetadataThrottled) return { reason: 'metadata_throttled', message: err.message };
  if (err instanceof MetadataUnavailable) return { reason: 'metadata_unavailable', message: err.message };
  return null;
}
