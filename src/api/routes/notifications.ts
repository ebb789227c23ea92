import type { Notification, NotificationDelivery } from '@prisma/client';
import { createdPage } from '../http/pagination';
import { customerRoute, type Route } from '../http/route';
import { NotificationListQuerySchema, NotificationListSchema, type NotificationView } from '../schemas/notifications';

const tags = ['notifications'];

const notificationView = (row: Notification & { deliveries: NotificationDelivery[] }): NotificationView => ({
  id: row.id,
  serviceId: row.serviceId,
  kind: row.kind as NotificationView['kind'],
  severity: row.severity as NotificationView['severity'],
  message: row.message,
  data: row.data,
  createdAt: row.createdAt.toISOString(),
  deliveries: row.deliveries.map((d) => ({
    channel: d.channel,
    target: d.target,
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  })),
});

export const notificationRoutes: Route[] = [
  customerRoute({
    method: 'get',
    path: '/v1/notifications',
    summary: "The caller's notifications, oldest first; follow nextCursor to tail them (it is set on the last page too)",
    tags,
    query: NotificationListQuerySchema,
    responses: {
      200: {
        description:
          'One page of notifications by (createdAt, id). nextCursor points after the last item of every non-empty page, the last ' +
          "one included, so polling with it returns only newer notifications; an empty page echoes the request's cursor.",
        schema: NotificationListSchema,
      },
    },
    async handle({ query, customerId, deps }) {
      const { items, nextCursor } = await createdPage(
        query,
        (window) =>
          deps.db.prisma.notification.findMany({
            ...window,
            where: { customerId, ...(query.serviceId && { serviceId: query.serviceId }), ...window.where },
            include: { deliveries: { orderBy: { channel: 'asc' } } },
          }),
        { tail: true },
      );
      return { status: 200, body: { items: items.map(notificationView), nextCursor } };
    },
  }),
];
