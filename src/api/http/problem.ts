/**
 * The API's errors as RFC 9457 problem details (src/domain/problem.ts). Handlers throw a
 * Problem; the error handler turns it, and anything else, into `application/problem+json`.
 */
import { problemBody, type ProblemBody } from '../../domain/problem';

export type FieldLocation = 'body' | 'query' | 'path' | 'header';

export interface FieldError {
  in: FieldLocation;
  /** Dotted path of the field inside its location, e.g. `mapping.uri`; empty for the whole part. */
  path: string;
  message: string;
}

const TYPE_BASE = 'urn:courier:problem:';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toBody(): ProblemBody<FieldError[]> {
    return problemBody(TYPE_BASE + this.slug, this.status, this.title, this.detail, this.errors);
  }
}

export const problems = {
  validation: (errors: FieldError[], detail = 'The request is invalid; see errors for each field.') =>
    new Problem(400, 'validation', 'Invalid request', detail, errors),
  malformedJson: (detail: string) => new Problem(400, 'malformed-json', 'Malformed JSON', detail),
  unauthorized: (detail: string, scheme = 'Bearer') =>
    new Problem(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'WWW-Authenticate': scheme }),
  forbidden: (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail),
  mappingNotGranted: (errors: FieldError[]) =>
    new Problem(403, 'mapping-not-granted', 'Mapping object not granted', 'The mapping URI is not in a bucket and prefix an admin granted this customer.', errors),
  quotaExceeded: (detail: string, errors?: FieldError[]) => new Problem(422, 'quota-exceeded', 'Quota exceeded', detail, errors),
  quotaRateExceeded: (detail: string, retryAfterSeconds: number) =>
    new Problem(429, 'quota-exceeded', 'Quota exceeded', detail, undefined, { 'Retry-After': String(retryAfterSeconds) }),
  notFound: (detail: string) => new Problem(404, 'not-found', 'Not found', detail),
  conflict: (detail: string) => new Problem(409, 'conflict', 'Conflict', detail),
  payloadTooLarge: (detail: string) => new Problem(413, 'payload-too-large', 'Payload too large', detail),
  unsupportedMediaType: (detail: string) => new Problem(415, 'unsupported-media-type', 'Unsupported media type', detail),
  idempotencyMismatch: () =>
    new Problem(
      422,
      'idempotency-key-reused',
      'Idempotency key reused',
      'This Idempotency-Key was first used with a different request; use a new key for a new request.',
    ),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new Problem(429, 'too-many-requests', 'Too many requests', detail, undefined, {
      'Retry-After': String(retryAfterSeconds),
    }),
  unavailable: (detail: string, retryAfterSeconds: number) =>
    new Problem(503, 'unavailable', 'Service unavailable', detail, undefined, { 'Retry-After': String(retryAfterSeconds) }),
  internal: () =>
    new Problem(500, 'internal', 'Internal server error', 'An unexpected error occurred; it has been logged.'),
};
