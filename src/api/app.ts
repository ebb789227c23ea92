import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../config';
import type { Database } from '../db';
import { DEFAULT_TIMING, type ApiTiming, type AppDeps } from './deps';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { createHttpMetrics, labelRoute } from './http/metrics';
import { mountRoutes } from './http/mount';
import { requestLog } from './http/request-log';
import { securityHeaders } from './http/security-headers';
import { buildOpenApiDocument } from './openapi';
import { apiRoutes } from './routes';
import { systemRoutes } from './routes/system';

export interface CreateAppDeps {
  db: Database;
  temporal: Client;
  config: Config;
  logger: Logger;
  timing?: Partial<ApiTiming>;
  dispatcher: Dispatcher;
}

export function createApp(input: CreateAppDeps): Express {
  const deps: AppDeps = { ...input, timing: { ...DEFAULT_TIMING, ...input.timing } };
  const metrics = createHttpMetrics();
  const routes = [...systemRoutes({ openapi: () => openapi, metrics: metrics.registry }), ...apiRoutes];
  const openapi = buildOpenApiDocument(routes);

  const app = express();
  app.disable('x-powered-by');
  // Flat query strings only: `a[b]=` objects are not part of the API and would bypass the schemas' types.
  app.set('query parser', 'simple');
  app.use(securityHeaders);
  app.use(requestLog(deps.logger));
  app.use(metrics.middleware);
  mountRoutes(app, routes, deps);
  app.use('/docs', labelRoute('/docs'), swaggerUi.serve, swaggerUi.setup(openapi));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
