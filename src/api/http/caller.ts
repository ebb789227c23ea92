/** Who may call a route and who did: shared by the route declarations and authentication. */

/**
 * `node`: no API key; a node's pull token (src/domain/node-credential.ts) that the route itself checks.
 * `bucket`: the deployment's bucket-events token (COURIER_BUCKET_EVENTS_TOKEN), sent by S3 notifications.
 */
export type Access = 'public' | 'admin' | 'customer' | 'node' | 'bucket';
/** Who is calling: `keyId` is the API key's row id, or `bootstrap` for COURIER_ADMIN_KEY. */
export type Caller = { scope: 'admin'; keyId: string } | { scope: 'customer'; customerId: string; keyId: string };
