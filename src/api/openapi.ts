import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { PROBLEM_CONTENT_TYPE } from '../domain/problem';
import type { Route } from './http/route';
import { IdempotencyHeadersSchema, ProblemSchema } from './schemas/system';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `errors` names each bad field.',
  401: 'Missing or invalid credentials: an API key, or on node routes a node credential.',
  403: 'The key may not use this route, or the mapping object is not granted to this customer.',
  404: 'No such resource for this caller.',
  409: 'Conflicts with an existing resource.',
  413: 'Body too large.',
  415: 'Body is not JSON.',
  422: 'Idempotency-Key reused with a different request, or a quota exceeded.',
  429: 'Too many requests, or a rate quota used up; see Retry-After.',
  500: 'Unexpected error (a bug); logged server-side.',
  503: 'A dependency is unavailable or the service is starting; see Retry-After.',
};

/** The problem responses a route can give, from its shape plus the ones it declares. */
function problemStatuses(route: Route): number[] {
  const statuses = new Set<number>(route.problems);
  if (route.access === 'admin' || route.access === 'customer') [401, 403, 429].forEach((s) => statuses.add(s));
  if (route.access === 'node') statuses.add(401);
  if (route.access === 'bucket') [401, 404].forEach((s) => statuses.add(s));
  if (route.serviceScoped) statuses.add(404);
  // An `id` that is not one is unknown (404), so only other parameters can be invalid.
  const validatedParams = Object.keys(route.params?.shape ?? {}).some((name) => name !== 'id');
  if (validatedParams || route.query || route.body) statuses.add(400);
  if (route.body) [413, 415].forEach((s) => statuses.add(s));
  // A malformed Idempotency-Key is a 400 even on a route that takes no input.
  if (route.idempotent) [400, 422].forEach((s) => statuses.add(s));
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
  const node = registry.registerComponent('securitySchemes', 'nodeCredential', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: '`Courier-Node <hex HMAC-SHA256 of "pull:<serviceId>:<nodeId>" with the service\'s signing secret>` (node routes).',
  });
  const security = (route: Route) => {
    if (route.access === 'public') return [];
    return [{ [route.access === 'node' ? node.name : bearer.name]: [] }];
  };

  for (const route of routes) {
    const responses: Record<number, ResponseConfig> = {};
    for (const [status, doc] of Object.entries(route.responses)) responses[Number(status)] = successResponse(doc);
    for (const status of problemStatuses(route)) {
      responses[status] = {
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem.',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      };
    }
    registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      tags: route.tags,
      security: security(route),
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

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Courier API',
      version: '1.0.0',
      description: 'Delivers short-lived metadata to every node of every registered service, before it expires.',
    },
    servers: [{ url: '/' }],
  });
  return nullableRefsAsAnyOf(document);
}

/**
 * The generator renders a nullable schema component as `allOf: [$ref, {type: [object, null]}]`,
 * which no null can satisfy (it must match the $ref too), so clients and fuzzers reject a null
 * the API rightly sends. `anyOf: [$ref, {type: null}]` says what the zod schema means.
 */
function nullableRefsAsAnyOf<T>(node: T): T {
  if (Array.isArray(node)) return node.map(nullableRefsAsAnyOf) as T;
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(([key, value]) => [key, nullableRefsAsAnyOf(value)] as const);
  const object = Object.fromEntries(entries) as Record<string, unknown>;
  const allOf = object.allOf;
  if (Array.isArray(allOf) && allOf.length === 2 && '$ref' in allOf[0] && isNullableTypeOnly(allOf[1])) {
    delete object.allOf;
    return { ...object, anyOf: [allOf[0], { type: 'null' }] } as T;
  }
  return object as T;
}

const isNullableTypeOnly = (schema: unknown): boolean =>
  typeof schema === 'object' &&
  schema !== null &&
  Object.keys(schema).length === 1 &&
  Array.isArray((schema as { type?: unknown }).type) &&
  ((schema as { type: unknown[] }).type as unknown[]).includes('null');

