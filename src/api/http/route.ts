/**
 * A route is declared once — path, access, zod schemas, documented responses, handler — and that
 * one declaration is mounted on Express, rendered into OpenAPI and enumerated by tests, so no
 * route can skip authentication, tenant scoping or the spec.
 */
import type { z } from 'zod';
import type { Service } from '@prisma/client';
import type { DeliverySettings } from '../../engine/delivery/service-settings';
import type { AppDeps } from '../deps';
import { findOwnedService } from '../services/service-store';
import { authenticateBucketEvents } from './auth';
import type { Access, Caller } from './caller';
import { authenticateNode } from './node-auth';
import { problems } from './problem';
import { parseOrThrow } from './validation';

export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body that is not a JSON value to serialize (metrics, HTML, signed JSON bytes) is sent as is with this content type. */
  contentType?: string;
}

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

/** What Express hands over, before validation. */
interface RawRequest {
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  /** The Authorization header, for routes that check a credential themselves (`node`). */
  authorization: string | undefined;
}

export interface Route {
  method: Method;
  /** OpenAPI form, e.g. `/v1/services/{id}`; also the metrics label. */
  path: string;
  access: Access;
  /** Acts on one of the caller's services, named by the `id` path parameter. */
  serviceScoped: boolean;
  /** Replays the first response to a repeated `Idempotency-Key`. */
  idempotent: boolean;
  summary: string;
  tags: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyRequired: boolean;
  responses: Record<number, ResponseDoc>;
  /** Problem statuses specific to this route; the common ones are derived from its shape. */
  problems: number[];
  run(raw: RawRequest, caller: Caller | null, deps: AppDeps): Promise<Reply>;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

interface Spec<P, Q, B, Ctx> {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** Without it a missing body is validated as `{}`. */
  bodyRequired?: boolean;
  idempotent?: boolean;
  responses: Record<number, ResponseDoc>;
  problems?: number[];
  handle(input: { params: Parsed<P>; query: Parsed<Q>; body: Parsed<B>; deps: AppDeps } & Ctx): Promise<Reply>;
}

type Schema = z.ZodType | undefined;
type ObjectSchema = z.ZodObject | undefined;

function build<P extends ObjectSchema, Q extends ObjectSchema, B extends Schema, Ctx>(
  spec: Spec<P, Q, B, Ctx>,
  access: Access,
  serviceScoped: boolean,
  context: (raw: RawRequest, caller: Caller | null, deps: AppDeps) => Promise<Ctx>,
): Route {
  return {
    method: spec.method,
    path: spec.path,
    access,
    serviceScoped,
    idempotent: spec.idempotent ?? false,
    summary: spec.summary,
    tags: spec.tags,
    params: spec.params,
    query: spec.query,
    body: spec.body,
    bodyRequired: spec.bodyRequired ?? false,
    responses: spec.responses,
    problems: spec.problems ?? [],
    async run(raw, caller, deps) {
      // Scope first: another customer's service is unknown, whatever else is wrong with the request.
      const ctx = await context(raw, caller, deps);
      const params = (spec.params ? parseOrThrow(spec.params, raw.params, 'path') : undefined) as Parsed<P>;
      const query = (spec.query ? parseOrThrow(spec.query, raw.query ?? {}, 'query') : undefined) as Parsed<Q>;
      if (spec.body && spec.bodyRequired && raw.body === undefined) {
        throw problems.validation([{ in: 'body', path: '', message: 'a JSON body is required' }]);
      }
      const body = (spec.body ? parseOrThrow(spec.body, raw.body ?? {}, 'body') : undefined) as Parsed<B>;
      return spec.handle({ ...ctx, params, query, body, deps });
    },
  };
}

function customerOf(caller: Caller | null): string {
  // The mount authenticates before running a route; reaching here otherwise is a wiring bug.
  if (caller?.scope !== 'customer') throw new Error('customer route reached without a customer caller');
  return caller.customerId;
}

export function publicRoute<P extends ObjectSchema = undefined, Q extends ObjectSchema = undefined, B extends Schema = undefined>(
  spec: Spec<P, Q, B, object>,
): Route {
  return build(spec, 'public', false, async () => ({}));
}

export function adminRoute<P extends ObjectSchema = undefined, Q extends ObjectSchema = undefined, B extends Schema = undefined>(
  spec: Spec<P, Q, B, object>,
): Route {
  return build(spec, 'admin', false, async () => ({}));
}

export function customerRoute<P extends ObjectSchema = undefined, Q extends ObjectSchema = undefined, B extends Schema = undefined>(
  spec: Spec<P, Q, B, { customerId: string }>,
): Route {
  return build(spec, 'customer', false, async (_raw, caller) => ({ customerId: customerOf(caller) }));
}

export function serviceRoute<P extends ObjectSchema = undefined, Q extends ObjectSchema = undefined, B extends Schema = undefined>(
  spec: Spec<P, Q, B, { customerId: string; service: Service }>,
): Route {
  return build(spec, 'customer', true, async (raw, caller, deps) => {
    const customerId = customerOf(caller);
    const service = await findOwnedService(deps.db, customerId, raw.params.id ?? '');
    if (!service) throw problems.notFound('No such service.');
    return { customerId, service };
  });
}

/**
 * A route a node calls about itself: `{nodeId}` in the path, its service in `?service=`, and the
 * pull token of that service and node in the Authorization header.
 */
export function nodeRoute<P extends ObjectSchema = undefined, Q extends ObjectSchema = undefined, B extends Schema = undefined>(
  spec: Spec<P, Q, B, { settings: DeliverySettings }>,
): Route {
  return build(spec, 'node', false, async (raw, _caller, deps) => ({
    settings: await authenticateNode(raw.authorization, raw.query, raw.params.nodeId ?? '', deps),
  }));
}

/** A route S3 bucket notifications call, with the deployment's bucket-events token. */
export function bucketEventsRoute<P extends ObjectSchema = undefined, Q extends ObjectSchema = undefined, B extends Schema = undefined>(
  spec: Spec<P, Q, B, object>,
): Route {
  return build(spec, 'bucket', false, async (raw, _caller, deps) => {
    authenticateBucketEvents(raw.authorization, deps.config.COURIER_BUCKET_EVENTS_TOKEN);
    return {};
  });
}
