/** Between the services table and the registration as customers see and send it. */
import { Prisma, type Service } from '@prisma/client';
import { seal, type Keyring } from '../../domain/secret-box';
import { NotificationsSchema, type Registration, type RegistrationInput, type ServiceView, type UpdateService } from '../schemas/services';

export const serviceLinks = (id: string): Record<string, string> => ({
  self: `/v1/services/${id}`,
  nodes: `/v1/services/${id}/nodes`,
});

/** Rows written before validation tightened must not break reads: unreadable notifications show as none. */
const storedNotifications = (value: Prisma.JsonValue | null) => {
  const parsed = NotificationsSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

export function serviceView(row: Service): ServiceView {
  return {
    id: row.id,
    name: row.name,
    status: row.status === 'provisioning' ? 'provisioning' : 'active',
    mapping: { uri: row.mappingUri, format: row.mappingFormat },
    metadata: { url: row.metadataUrl, maxConcurrency: row.metadataMaxConcurrency, maxRequestsPerSecond: row.metadataMaxRequestsPerSecond },
    ttlSeconds: row.ttlSeconds,
    refreshBeforeSeconds: row.refreshBeforeSeconds,
    delivery: { endpoint: row.deliveryEndpoint, secondaryEndpoint: row.deliverySecondaryEndpoint, timeoutMs: row.deliveryTimeoutMs },
    notifications: storedNotifications(row.notifications),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    links: serviceLinks(row.id),
  };
}

/** The columns a registration sets but its secrets, which are sealed (secretColumns). */
export function registrationColumns(reg: Registration) {
  return {
    mappingUri: reg.mapping.uri,
    mappingFormat: reg.mapping.format,
    metadataUrl: reg.metadata.url,
    metadataMaxConcurrency: reg.metadata.maxConcurrency ?? null,
    metadataMaxRequestsPerSecond: reg.metadata.maxRequestsPerSecond ?? null,
    ttlSeconds: reg.ttlSeconds,
    refreshBeforeSeconds: reg.refreshBeforeSeconds ?? Math.floor(reg.ttlSeconds / 3),
    deliveryEndpoint: reg.delivery.endpoint,
    deliverySecondaryEndpoint: reg.delivery.secondaryEndpoint ?? null,
    deliveryTimeoutMs: reg.delivery.timeoutMs,
    notifications: reg.notifications ?? Prisma.DbNull,
  };
}

/** The secrets given, sealed; a plaintext signing secret left from before sealing is cleared with them. */
export function secretColumns(keyring: Keyring, secrets: { signingSecret?: string; notificationSecret?: string }) {
  return {
    ...(secrets.signingSecret !== undefined ? { signingSecret: null, signingSecretSealed: seal(keyring, secrets.signingSecret) } : {}),
    ...(secrets.notificationSecret !== undefined ? { notificationSecretSealed: seal(keyring, secrets.notificationSecret) } : {}),
  };
}

/** The stored registration with a PATCH laid over it, to be validated as a whole; a null clears an optional field. */
export function mergeRegistration(row: Service, patch: UpdateService): RegistrationInput {
  const notifications = patch.notifications === null ? undefined : (patch.notifications ?? storedNotifications(row.notifications) ?? undefined);
  const { secondaryEndpoint, ...delivery } = patch.delivery ?? {};
  return {
    mapping: { uri: row.mappingUri, format: row.mappingFormat, ...patch.mapping },
    metadata: mergeMetadata(row, patch.metadata),
    ttlSeconds: patch.ttlSeconds ?? row.ttlSeconds,
    refreshBeforeSeconds: patch.refreshBeforeSeconds ?? row.refreshBeforeSeconds,
    delivery: {
      endpoint: row.deliveryEndpoint,
      secondaryEndpoint: secondaryEndpoint === null ? undefined : (secondaryEndpoint ?? row.deliverySecondaryEndpoint ?? undefined),
      timeoutMs: row.deliveryTimeoutMs,
      ...delivery,
    },
    notifications,
    signingSecret: patch.signingSecret,
  };
}

/** A limit absent from the PATCH keeps its stored value; null removes it. */
function mergeMetadata(row: Service, patch: UpdateService['metadata']): RegistrationInput['metadata'] {
  const keep = <T>(given: T | null | undefined, stored: T | null): T | undefined => (given === null ? undefined : (given ?? stored ?? undefined));
  return {
    url: patch?.url ?? row.metadataUrl,
    maxConcurrency: keep(patch?.maxConcurrency, row.metadataMaxConcurrency),
    maxRequestsPerSecond: keep(patch?.maxRequestsPerSecond, row.metadataMaxRequestsPerSecond),
  };
}
