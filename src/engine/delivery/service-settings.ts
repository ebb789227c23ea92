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

/**
 * The settings as columns of a select from `services`, named as DeliverySettings names them,
 * the signing secret still sealed: a statement that reads them beside other work uses it.
 */
export const DELIVERY_SETTINGS_COLUMNS = `id AS "serviceId", name, metadata_url AS "metadataUrl", delivery_endpoint AS "deliveryEndpoint",
  delivery_secondary_endpoint AS "deliverySecondaryEndpoint",
  delivery_timeout_ms AS "deliveryTimeoutMs", ttl_seconds AS "ttlSeconds",
  refresh_before_seconds AS "refreshBeforeSeconds",
  signing_secret_sealed AS sealed, signing_secret AS plaintext,
  shard_count AS "shardCount",
  json_build_object('maxConcurrency', metadata_max_concurrency,
                    'maxRequestsPerSecond', metadata_max_requests_per_second) AS "sourceLimits"`;

/** A row of DELIVERY_SETTINGS_COLUMNS. */
export type DeliverySettingsRow = Omit<DeliverySettings, 'signingSecret'> & { sealed: string | null; plaintext: string | null };

export function openDeliverySettings(row: DeliverySettingsRow, keyring: Keyring): DeliverySettings {
  const { sealed, plaintext, ...settings } = row;
  return { ...settings, signingSecret: openSigningSecret(keyring, { sealed, plaintext }) };
}

/** Null when the service is gone or being deleted: its shards should stop. */
export async function readDeliverySettings(pool: Pool, serviceId: string, keyring: Keyring): Promise<DeliverySettings | null> {
  const { rows } = await pool.query<DeliverySettingsRow>(
    `SELECT ${DELIVERY_SETTINGS_COLUMNS} FROM services WHERE id = $1 AND status <> 'deleting'`,
    [serviceId],
  );
  const row = rows[0];
  return row ? openDeliverySettings(row, keyring) : null;
}
