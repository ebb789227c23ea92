/**
 * A service's secrets as stored: sealed under COURIER_SECRETS_KEY (src/domain/secret-box.ts).
 * Rows from before sealing hold a plaintext signing secret; `sealStoredSecrets` seals those, and
 * re-seals rows of a rotated-out key, so after one run of it every row is under the current key.
 */
import type { Pool } from 'pg';
import { open, seal, type Keyring } from '../domain/secret-box';

/** The signing secret of a row: its sealed form, else a plaintext one not yet sealed. */
export function openSigningSecret(keyring: Keyring, row: { sealed: string | null; plaintext: string | null }): string {
  if (row.sealed !== null) return open(keyring, row.sealed);
  if (row.plaintext !== null) return row.plaintext;
  throw new Error('service row has no signing secret');
}

export const openOptional = (keyring: Keyring, sealed: string | null): string | null => (sealed === null ? null : open(keyring, sealed));

/** Rows handled per statement, so a big table is sealed in short transactions. */
const BATCH = 500;

interface StoredSecrets {
  id: string;
  plaintext: string | null;
  signing: string | null;
  notification: string | null;
}

/**
 * Seals plaintext signing secrets and re-seals secrets of old keys under the current one. Safe to
 * run from several processes at once (rows are locked and skipped), and again: it returns how many
 * rows it changed, zero once there is nothing left.
 */
export async function sealStoredSecrets(pool: Pool, keyring: Keyring): Promise<number> {
  const kid = keyring.current.kid;
  let changed = 0;
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<StoredSecrets>(
        `SELECT id, signing_secret AS plaintext, signing_secret_sealed AS signing, notification_secret_sealed AS notification
           FROM services
          WHERE signing_secret IS NOT NULL
             OR split_part(signing_secret_sealed, '.', 2) <> $1
             OR split_part(notification_secret_sealed, '.', 2) <> $1
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        [kid],
      );
      for (const row of rows) {
        const signing = openSigningSecret(keyring, { sealed: row.signing, plaintext: row.plaintext });
        const notification = openOptional(keyring, row.notification);
        await client.query(
          `UPDATE services SET signing_secret = NULL, signing_secret_sealed = $2, notification_secret_sealed = $3 WHERE id = $1`,
          [row.id, seal(keyring, signing), notification === null ? null : seal(keyring, notification)],
        );
      }
      await client.query('COMMIT');
      changed += rows.length;
      if (rows.length < BATCH) return changed;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
