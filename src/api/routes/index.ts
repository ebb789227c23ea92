import type { Route } from '../http/route';
import { adminRoutes } from './admin';
import { mappingEventRoutes } from './mapping-events';
import { nodeRoutes } from './nodes';
import { notificationRoutes } from './notifications';
import { serviceRoutes } from './services';
import { tenancyRoutes } from './tenancy';

/** Every authenticated route of Contract 1; tests walk this list, so a new route is covered at once. */
export const apiRoutes: readonly Route[] = [
  ...adminRoutes,
  ...serviceRoutes,
  ...nodeRoutes,
  ...notificationRoutes,
  ...tenancyRoutes,
  ...mappingEventRoutes,
];
