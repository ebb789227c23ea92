import { refreshAllSignal, reloadMappingSignal, serviceChangedSignal, serviceWorkflowId } from '../../workflows/service/definitions';
import type { AppDeps } from '../deps';
import { createdPage } from '../http/pagination';
import { problems } from '../http/problem';
import { customerRoute, serviceRoute, type Reply, type Route } from '../http/route';
import { parseOrThrow } from '../http/validation';
import { NotificationSecretSchema, ActionAcceptedSchema, CreateServiceSchema, RegistrationSchema, ServiceAcceptedSchema, ServiceCreatedSchema, ServiceDetailSchema, ServiceListQuerySchema, ServiceListSchema, ServiceParamsSchema, ServiceSchema, UpdateServiceSchema, type ServiceCreated, type ServiceDetail } from '../schemas/services';
import { deregisterService } from '../services/deregistration';
import { liveStatus } from '../services/live-status';
import { checkRegistrationTargets } from '../services/target-checks';
import { secretsKeyring } from '../../config';
import { checkTenancy, spendRateQuota } from '../services/tenancy';
import { generateSecret, registerService } from '../services/provisioning';
import { mergeRegistration, registrationColumns, secretColumns, serviceLinks, serviceView } from '../services/registration';
import { isWorkflowNotFound } from '../temporal-errors';

const tags = ['services'];

/** Signals the service workflow; one that has not started yet cannot take it, so the caller retries. */
async function signalService(deps: AppDeps, serviceId: string, send: (id: string) => Promise<void>): Promise<void> {
  try {
    await send(serviceWorkflowId(serviceId));
  } catch (err) {
    if (isWorkflowNotFound(err)) throw problems.unavailable('The service is still starting; retry in a moment.', 2);
    throw err;
  }
}

function accepted(id: string, action: 'refresh' | 'mapping-reload'): Reply {
  return { status: 202, body: { id, action, links: { status: `/v1/services/${id}` } } };
}

export const serviceRoutes: Route[] = [
  customerRoute({
    method: 'post',
    path: '/v1/services',
    summary: 'Register a service',
    tags,
    body: CreateServiceSchema,
    bodyRequired: true,
    idempotent: true,
    responses: { 201: { description: 'Registered; the signing secret is shown only here.', schema: ServiceCreatedSchema } },
    problems: [403, 409, 422, 503],
    async handle({ body, customerId, deps }) {
      await checkRegistrationTargets(body, deps.config);
      await checkTenancy(deps, customerId, body);
      const { row, signingSecret, notificationSecret } = await registerService(deps, customerId, body);
      const created: ServiceCreated = {
        id: row.id,
        name: row.name,
        status: row.status === 'active' ? 'active' : 'provisioning',
        signingSecret,
        notificationSecret,
        links: serviceLinks(row.id),
      };
      return { status: 201, body: created, headers: { Location: `/v1/services/${row.id}` } };
    },
  }),

  customerRoute({
    method: 'get',
    path: '/v1/services',
    summary: "List the caller's services",
    tags,
    query: ServiceListQuerySchema,
    responses: { 200: { description: 'One page of services, oldest first.', schema: ServiceListSchema } },
    async handle({ query, customerId, deps }) {
      const { items, nextCursor } = await createdPage(query, (window) =>
        deps.db.prisma.service.findMany({ ...window, where: { customerId, status: { in: ['provisioning', 'active'] }, ...window.where } }),
      );
      return { status: 200, body: { items: items.map(serviceView), nextCursor } };
    },
  }),

  serviceRoute({
    method: 'get',
    path: '/v1/services/{id}',
    summary: 'A service: its registration and live status',
    tags,
    params: ServiceParamsSchema,
    responses: { 200: { description: 'Registration and live status.', schema: ServiceDetailSchema } },
    async handle({ service, deps }) {
      const view = serviceView(service);
      const live = await liveStatus(deps, service);
      const detail: ServiceDetail = { ...view, ...live, mapping: { ...view.mapping, ...live.mapping } };
      return { status: 200, body: detail };
    },
  }),

  serviceRoute({
    method: 'patch',
    path: '/v1/services/{id}',
    summary: 'Change a registration (any field but the name)',
    tags,
    params: ServiceParamsSchema,
    body: UpdateServiceSchema,
    bodyRequired: true,
    responses: { 200: { description: 'The updated registration.', schema: ServiceSchema } },
    problems: [403, 422],
    async handle({ service, body, deps }) {
      const merged = parseOrThrow(RegistrationSchema, mergeRegistration(service, body), 'body');
      await checkRegistrationTargets(merged, deps.config);
      await checkTenancy(deps, service.customerId, merged, service);
      const columns = { ...registrationColumns(merged), ...secretColumns(secretsKeyring(deps.config), { signingSecret: merged.signingSecret }) };
      const updated = await deps.db.prisma.$transaction(async (tx) => {
        const row = await tx.service.update({ where: { id: service.id }, data: columns });
        if (columns.refreshBeforeSeconds !== service.refreshBeforeSeconds) {
          // Acked nodes were scheduled with the old lead time; failing ones keep their retry backoff.
          await tx.$executeRaw`UPDATE nodes SET next_due_at = expires_at - make_interval(secs => ${columns.refreshBeforeSeconds}::double precision)
            WHERE service_id = ${service.id}::uuid AND expires_at IS NOT NULL AND last_error IS NULL`;
        }
        return row;
      });
      const mappingChanged = updated.mappingUri !== service.mappingUri || updated.mappingFormat !== service.mappingFormat;
      try {
        await deps.temporal.workflow.getHandle(serviceWorkflowId(service.id)).signal(serviceChangedSignal, { mappingChanged });
      } catch (err) {
        // Saved either way: a workflow not started yet reads the new registration when it starts, a
        // running one at its next mapping check and cycle.
        deps.logger.warn({ err, serviceId: service.id }, 'serviceChanged signal not delivered');
      }
      return { status: 200, body: serviceView(updated) };
    },
  }),

  serviceRoute({
    method: 'delete',
    path: '/v1/services/{id}',
    summary: 'Deregister a service; its nodes stop receiving deliveries',
    tags,
    params: ServiceParamsSchema,
    responses: { 202: { description: 'Deletion under way; the service is no longer visible.', schema: ServiceAcceptedSchema } },
    async handle({ service, deps }) {
      await deregisterService(deps, service.id);
      return { status: 202, body: { id: service.id, status: 'deleting' } };
    },
  }),

  serviceRoute({
    method: 'post',
    path: '/v1/services/{id}/refresh',
    summary: 'Deliver to every node of the service now',
    tags,
    params: ServiceParamsSchema,
    idempotent: true,
    responses: { 202: { description: 'Refresh requested.', schema: ActionAcceptedSchema } },
    problems: [503],
    async handle({ service, deps }) {
      await spendRateQuota(deps, service.customerId, 'forcedRefreshesPerMinute');
      await signalService(deps, service.id, (id) => deps.temporal.workflow.getHandle(id).signal(refreshAllSignal));
      return accepted(service.id, 'refresh');
    },
  }),

  serviceRoute({
    method: 'post',
    path: '/v1/services/{id}/notification-secret',
    summary: 'Rotate the notification secret that signs webhooks; the new one is shown only here',
    tags,
    params: ServiceParamsSchema,
    responses: { 200: { description: 'Webhooks from now on are signed with this secret.', schema: NotificationSecretSchema } },
    async handle({ service, deps }) {
      const notificationSecret = generateSecret();
      await deps.db.prisma.service.update({ where: { id: service.id }, data: secretColumns(secretsKeyring(deps.config), { notificationSecret }) });
      return { status: 200, body: { notificationSecret } };
    },
  }),

  serviceRoute({
    method: 'post',
    path: '/v1/services/{id}/mapping/reload',
    summary: 'Re-read the mapping object now',
    tags,
    params: ServiceParamsSchema,
    idempotent: true,
    responses: { 202: { description: 'Reload requested.', schema: ActionAcceptedSchema } },
    problems: [503],
    async handle({ service, deps }) {
      await spendRateQuota(deps, service.customerId, 'reloadsPerMinute');
      await signalService(deps, service.id, (id) => deps.temporal.workflow.getHandle(id).signal(reloadMappingSignal));
      return accepted(service.id, 'mapping-reload');
    },
  }),
];
