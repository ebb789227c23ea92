import type { Pool } from 'pg';
import type { Keyring } from '../../domain/secret-box';
import { openSigningSecret } from '../../store/service-secrets';
import type { SourceLimits } from './source-limiter';

/** What a delivery needs to know about its service, read once per activity run. */
export interface DeliverySettings {
  serviceId: string;
  name: string;
  metadataUrl: string;
  deliveryEndpoint: string;
  deliverySecondaryEndpoint: string | null;
  deliveryTimeoutMs: number;
  ttlSeconds: number;
  refreshBeforeSeconds: number;
  signingSecret: string;
  shardCount: number;
  sourceLimits: SourceLimits;
}

/** Null when the service is gone or being deleted: its shards should stop. */
export async function readDeliverySettings(pool: Pool, serviceId: string, keyring: Keyring): Promise<DeliverySettings | null> {
  const { rows } = await pool.query<Omit<DeliverySettings, 'signingSecret'> & { sealed: string | null; plaintext: string | null }>(
    `SELECT id AS "serviceId", name, metadata_url AS "metadataUrl", delivery_endpoint AS "deliveryEndpoint",
            delivery_secondary_endpoint AS "deliverySecondaryEndpoint",
            delivery_timeout_ms AS "deliveryTimeoutMs", ttl_seconds AS "ttlSeconds",
            refresh_before_seconds AS "refreshBeforeSeconds",
            signing_secret_sealed AS sealed, signing_secret AS plaintext,
            shard_count AS "shardCount",
            json_build_object('maxConcurrency', metadata_max_concurrency,
                              'maxRequestsPerSecond', metadata_max_requests_per_second) AS "sourceLimits"
       FROM services WHERE id = $1 AND status <> 'deleting'`,
    [serviceId],
  );
  const row = rows[0];
  if (!row) return null;
  const { sealed, plaintext, ...settings } = row;
  return { ...settings, signingSecret: openSigningSecret(keyring, { sealed, plaintext }) };
}
