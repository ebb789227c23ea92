import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { Route } from './http/route';
import { IdempotencyHeadersSchema, ProblemSchema } from './schemas';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `errors` names each bad field.',
  401: 'Missing or invalid API key.',
  403: 'The key may not use this route.',
  404: 'No such resource for this caller.',
  409: 'Conflicts with an existing resource.',
  413: 'Body too large.',
  415: 'Body is not JSON.',
  422: 'Idempotency-Key reused with a different request.',
  429: 'Too many requests; see Retry-After.',
  500: 'Unexpected error (a bug); logged server-side.',
  503: 'A dependency is unavailable or the service is starting; see Retry-After.',
};

/** The problem responses a route can give, from its shape plus the ones it declares. */
function problemStatuses(route: Route): number[] {
  const statuses = new Set<number>(route.problems);
  if (route.access !== 'public') [401, 403, 429].forEach((s) => statuses.add(s));
  if (route.serviceScoped) statuses.add(404);
  // An `id` that is not one is unknown (404), so only other parameters can be invalid.
  const validatedParams = Object.keys(route.params?.shape ?? {}).some((name) => name !== 'id');
  if (validatedParams || route.query || route.body) statuses.add(400);
  if (route.body) [413, 415].forEach((s) => statuses.add(s));
  if (route.idempotent) statuses.add(422);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

function successResponse(doc: Route['responses'][number]): ResponseConfig {
  if (doc.schema) return { description: doc.description, content: { [doc.contentType ?? 'application/json']: { schema: doc.schema } } };
  return { description: doc.description, content: { [doc.contentType ?? 'application/json']: { schema: { type: 'string' } } } };
}

export function buildOpenApiDocument(routes: readonly Route[]): object {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin key (admin routes) or a customer key `ck_...` (service routes).',
  });

  for (const route of routes) {
    const responses: Record<number, ResponseConfig> = {};
    for (const [status, doc] of Object.entries(route.responses)) responses[Number(status)] = successResponse(doc);
    for (const status of problemStatuses(route)) {
      responses[status] = {
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem.',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      };
    }
    registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      tags: route.tags,
      security: route.access === 'public' ? [] : [{ [bearer.name]: [] }],
      request: {
        params: route.params,
        query: route.query,
        headers: route.idempotent ? IdempotencyHeadersSchema : undefined,
        body: route.body
          ? { required: route.bodyRequired, content: { 'application/json': { schema: route.body } } }
          : undefined,
      },
      responses,
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Courier API',
      version: '1.0.0',
      description: 'Delivers short-lived metadata to every node of every registered service, before it expires.',
    },
    servers: [{ url: '/' }],
  });
}
