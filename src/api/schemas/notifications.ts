/** Notifications: the alerts about a customer's services, and their delivery log per channel. */
import { z } from 'zod';
import { ALERT_KINDS } from '../../domain/alerts';
import { cursor, limit, timestamp, uuid } from './common';

export const NotificationListQuerySchema = z.strictObject({
  serviceId: uuid.optional().meta({ description: "Only this service's notifications." }),
  limit,
  cursor,
});

const NotificationSchema = z
  .object({
    id: uuid,
    serviceId: uuid.nullable(),
    kind: z.enum(ALERT_KINDS),
    severity: z.enum(['critical', 'warning', 'info']),
    message: z.string(),
    data: z.unknown().nullable().meta({ description: 'Details of the notification, by kind.' }),
    createdAt: timestamp,
    deliveries: z
      .array(
        z.object({
          channel: z.enum(['webhook', 'email']),
          target: z.string(),
          status: z.enum(['pending', 'delivered', 'failed']),
          attempts: z.number().int(),
          lastError: z.string().nullable(),
          deliveredAt: timestamp.nullable(),
        }),
      )
      .meta({ description: "The notification's delivery log on the service's webhook and email channels." }),
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.output<typeof NotificationSchema>;

export const NotificationListSchema = z
  .object({
    items: z.array(NotificationSchema),
    nextCursor: z.string().nullable().meta({
      description:
        'Where the next request resumes. Set after every non-empty page, the last one included, so a client can tail ' +
        "the list by following it; an empty page echoes the request's cursor (null without one).",
    }),
  })
  .meta({ id: 'NotificationList' });
