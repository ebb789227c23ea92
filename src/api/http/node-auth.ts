import { readDeliverySettings, type DeliverySettings } from '../../engine/delivery/service-settings';
import { secretsKeyring } from '../../config';
import { credentialOf, NODE_CREDENTIAL_SCHEME, verifyPullToken } from '../../domain/node-credential';
import type { AppDeps } from '../deps';
import { isUuid } from '../services/service-store';
import { problems } from './problem';

/**
 * The service whose pull token the request carries for `nodeId`. The token is checked before
 * anything is read, so forged tokens cost no query; an unknown service, one being deleted, a
 * wrong or expired token get the same answer, so a caller learns nothing about which services exist.
 */
export async function authenticateNode(header: string | undefined, query: unknown, nodeId: string, deps: Pick<AppDeps, 'db' | 'config' | 'logger'>): Promise<DeliverySettings> {
  const token = credentialOf(header);
  if (!token) {
    throw problems.unauthorized(
      `Send the pull token of the node's last delivery (its Courier-Pull-Token header) as "Authorization: ${NODE_CREDENTIAL_SCHEME} <token>".`,
      NODE_CREDENTIAL_SCHEME,
    );
  }
  const serviceId = typeof query === 'object' && query !== null && 'service' in query ? query.service : undefined;
  const keyring = secretsKeyring(deps.config);
  const check = typeof serviceId === 'string' && isUuid(serviceId) ? verifyPullToken(keyring, serviceId, nodeId, token, new Date()) : null;
  const settings = check?.valid && typeof serviceId === 'string' ? await readDeliverySettings(deps.db.pool, serviceId, keyring) : null;
  if (!settings) {
    // Never the token: only what it claimed to open, and why it did not.
    deps.logger.warn({ serviceId, nodeId: nodeId.slice(0, 253), reason: check?.valid === false ? check.reason : 'unknown service' }, 'node pull refused');
    throw problems.unauthorized('The pull token is not valid (or has expired) for this node of the service named by ?service=.', NODE_CREDENTIAL_SCHEME);
  }
  return settings;
}
