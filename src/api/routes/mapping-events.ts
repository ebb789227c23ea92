import { z } from 'zod';
import { BucketEventSchema, changedObjects } from '../../domain/bucket-events';
import { announceMappingChange, servicesReading } from '../../engine/mapping-changes';
import { problems } from '../http/problem';
import { bucketEventsRoute, type Route } from '../http/route';

const MappingEventsAccepted = z.object({
  objects: z.number().int().meta({ description: 'Objects the event names.' }),
  services: z.number().int().meta({ description: 'Services told to check their mapping.' }),
});

/**
 * Where S3 bucket notifications arrive (a MinIO webhook target, or S3 → EventBridge API
 * destination): each service reading a changed object is told at once, instead of every service
 * polling its object. A 503 while Temporal is away makes the sender keep the event and retry.
 */
export const mappingEventRoutes: Route[] = [
  bucketEventsRoute({
    method: 'post',
    path: '/v1/mapping-events',
    summary: 'Bucket notifications: tell the services reading a changed mapping object',
    tags: ['mapping events'],
    body: BucketEventSchema,
    bodyRequired: true,
    responses: { 200: { description: 'The services reading the objects were told.', schema: MappingEventsAccepted } },
    problems: [503],
    async handle({ body, deps }) {
      const objects = changedObjects(body);
      const services = await servicesReading(deps.db.pool, objects);
      try {
        await announceMappingChange(deps.temporal, services, deps.config.COURIER_MAX_CHILDREN);
      } catch (err) {
        deps.logger.warn({ err }, 'bucket event not passed on: Temporal did not accept the signals');
        throw problems.unavailable('The workflow engine did not take the event; send it again shortly.', 5);
      }
      return { status: 200, body: { objects: objects.length, services: services.length } };
    },
  }),
];
