import { z } from 'zod';

/** Contract 2 — what Courier POSTs to a node. */
export const DeliveryBodySchema = z.object({
  service: z.string(),
  node: z.string(),
  version: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  metadata: z.string(),
});
export type DeliveryBody = z.infer<typeof DeliveryBodySchema>;

/**
 * A Contract 2 body whose metadata is already a JSON string literal. A batch shares one ~13.6 KB
 * metadata string: escaping it once per batch instead of once per node removes the largest
 * self-time item of the delivery profile (docs/performance.md). Same bytes as JSON.stringify.
 */
export function encodeDeliveryBody(fields: Omit<DeliveryBody, 'metadata'>, metadataJson: string): string {
  const s = JSON.stringify;
  return `{"service":${s(fields.service)},"node":${s(fields.node)},"version":${s(fields.version)},"issuedAt":${s(fields.issuedAt)},"expiresAt":${s(fields.expiresAt)},"metadata":${metadataJson}}`;
}

/** Contract 2 — a node's acknowledgement; anything else is a failed delivery. */
export const DeliveryAckSchema = z.object({ node: z.string(), version: z.string() });

export const idempotencyKeyFor = (serviceId: string, nodeId: string, version: string): string =>
  `${serviceId}:${nodeId}:${version}`;

/** Contract 1 and 3 — `{service}` and `{node}` are URL-encoded when substituted. */
export function expandTemplate(template: string, values: { service: string; node: string }): string {
  return template
    .replaceAll('{service}', encodeURIComponent(values.service))
    .replaceAll('{node}', encodeURIComponent(values.node));
}

/** A metadata URL without `{node}` yields the same bytes for every node: fetch it once per batch. */
export const isSharedMetadataUrl = (template: string): boolean => !template.includes('{node}');
