import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../deps';
import { authenticate, bearerToken } from './auth';
import { guardInput } from './input-guard';
import { withIdempotency, type IdempotencyStore } from './idempotency';
import { Problem, problems } from './problem';
import { recordAudit, recordAuthFailure } from './audit';
import { admit, exhausted, perMinute } from './rate-limit';
import type { Caller } from './caller';
import type { Reply, Route } from './route';

/** `/v1/services/{id}` → `/v1/services/:id`. */
const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

const hasEntity = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

function send(res: Response, reply: Reply): void {
  res.status(reply.status).set(reply.headers ?? {});
  if (reply.contentType) res.type(reply.contentType).send(reply.body);
  else if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

/** Bodies are small JSON registrations; anything larger is a mistake or an attack. */
const BODY_LIMIT = '256kb';

/**
 * Binds each declared route, in this order: label it for logs and metrics, refuse a source
 * address that failed authentication too often, authenticate (a failure is counted and audited)
 * and count against the key's rate limit, parse a JSON body where the route takes one (so
 * strangers' bodies are never parsed), check the media type, refuse NUL characters and deep
 * nesting, then run it — through the idempotency store where the route honours Idempotency-Key.
 */
export function mountRoutes(app: Express, routes: readonly Route[], deps: AppDeps): void {
  const json = express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  const keyLimit = { perSecond: deps.config.COURIER_RATE_LIMIT_PER_SECOND, burst: deps.config.COURIER_RATE_LIMIT_BURST };
  const authFailureLimit = perMinute(deps.config.COURIER_AUTH_FAILURES_PER_MINUTE);
  const idempotency: IdempotencyStore = { db: deps.db, ttlHours: deps.config.COURIER_IDEMPOTENCY_TTL_HOURS };
  /** A source address that sent too many bad keys is refused before its next key is even looked at. */
  const authenticated = async (req: Request, route: Route, access: 'admin' | 'customer'): Promise<Caller> => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const source = `auth:${address}`;
    const cooling = await exhausted(deps.db.pool, source, authFailureLimit);
    if (cooling !== null) throw problems.tooManyRequests('Too many failed authentications from this address; retry after the given delay.', cooling);
    try {
      return await authenticate(req.get('authorization'), access, deps.config.COURIER_ADMIN_KEY, deps.db);
    } catch (err) {
      if (err instanceof Problem && err.status === 401) {
        await admit(deps.db.pool, source, authFailureLimit);
        await recordAuthFailure(deps.db, deps.logger, { source: address, method: route.method, route: route.path, status: 401 });
      }
      throw err;
    }
  };
  for (const route of routes) {
    const identify = async (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = route.path;
      const access = route.access;
      // A node route checks its credential itself: only the service it names can verify it.
      const caller = access === 'admin' || access === 'customer' ? await authenticated(req, route, access) : null;
      if (caller) {
        const admission = await admit(deps.db.pool, `key:${caller.keyId}`, keyLimit);
        if (!admission.admitted) {
          throw problems.tooManyRequests('Too many requests with this API key; slow down and retry after the given delay.', admission.retryAfterSeconds);
        }
      }
      res.locals.caller = caller;
      next();
    };
    const parseBody = route.body ? [json] : [];
    app.route(expressPath(route.path))[route.method](identify, ...parseBody, async (req: Request, res: Response) => {
      const caller = res.locals.caller as Caller | null;
      if (route.body && req.body === undefined && hasEntity(req)) {
        throw problems.unsupportedMediaType('Send the body as JSON with Content-Type: application/json.');
      }
      const raw = { params: req.params as Record<string, string>, query: req.query, body: req.body as unknown, authorization: req.get('authorization') };
      guardInput({ ...(route.query && { query: raw.query }), ...(route.body && { body: raw.body }) });
      const execute = () => route.run(raw, caller, deps);
      const audit = (status: number) =>
        caller && route.method !== 'get'
          ? recordAudit(deps.db, deps.logger, { caller, method: route.method, route: route.path, params: raw.params, body: raw.body, status })
          : Promise.resolve();
      let reply: Reply;
      try {
        reply =
          route.idempotent && caller
            ? await withIdempotency(
                idempotency,
                caller,
                { key: req.get('idempotency-key'), method: req.method, path: req.path, body: raw.body, credential: bearerToken(raw.authorization) ?? '' },
                execute,
              )
            : await execute();
      } catch (err) {
        await audit(err instanceof Problem ? err.status : 500);
        throw err;
      }
      await audit(reply.status);
      send(res, reply);
    });
  }
}
