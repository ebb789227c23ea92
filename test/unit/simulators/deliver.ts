import { request, type Dispatcher } from 'undici';
import type { DeliveryBody } from '../../../src/domain/protocol';
import { signBody } from '../../../src/domain/signing';

export const SECRET = 'unit-test-fleet-secret-0123456789abcdef';

export function bodyFor(node: string, over: Partial<DeliveryBody> = {}): DeliveryBody {
  return {
    service: 'svc',
    node,
    version: 'v1',
    issuedAt: new Date(0).toISOString(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    metadata: Buffer.from('hello').toString('base64'),
    ...over,
  };
}

export interface Answer {
  status: number;
  json: unknown;
}

/** Contract 2 as Courier speaks it; `signature` overrides the computed header. */
export async function deliver(
  fleetUrl: string,
  body: DeliveryBody,
  opts: { secret?: string; signature?: string; timeoutMs?: number; dispatcher?: Dispatcher; nodeInPath?: string } = {},
): Promise<Answer> {
  const raw = JSON.stringify(body);
  const res = await request(`${fleetUrl}/nodes/${encodeURIComponent(opts.nodeInPath ?? body.node)}/metadata`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'courier-signature': opts.signature ?? signBody(opts.secret ?? SECRET, raw),
    },
    body: raw,
    headersTimeout: opts.timeoutMs ?? 5_000,
    bodyTimeout: opts.timeoutMs ?? 5_000,
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

export async function call(method: Dispatcher.HttpMethod, url: string, body?: unknown): Promise<Answer & { headers: Record<string, unknown> }> {
  const res = await request(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  const isJson = String(res.headers['content-type'] ?? '').includes('json');
  return { status: res.statusCode, json: text && isJson ? JSON.parse(text) : text, headers: res.headers };
}
