import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../deps';
import { authenticate } from './auth';
import { withIdempotency } from './idempotency';
import { Problem, problems } from './problem';
import { recordAudit } from './audit';
import { RateLimiter } from './rate-limit';
import type { Caller, Reply, Route } from './route';

/** `/v1/services/{id}` → `/v1/services/:id`. */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

const hasEntity = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

function send(res: Response, reply: Reply): void {
  res.status(reply.status).set(reply.headers ?? {});
  if (reply.contentType) res.type(reply.contentType).send(reply.body);
  else if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

/** Bodies are small JSON registrations; anything larger is a mistake or an attack. */
export const BODY_LIMIT = '256kb';

/**
 * Binds each declared route, in this order: label it for logs and metrics, authenticate and
 * count against the key's rate limit, parse a
 * JSON body where the route takes one (so strangers' bodies are never parsed), check the media
 * type, then run it — through the idempotency store where the route honours Idempotency-Key.
 */
export function mountRoutes(app: Express, routes: readonly Route[], deps: AppDeps): void {
  const json = express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  const limiter = new RateLimiter({ perSecond: deps.config.COURIER_RATE_LIMIT_PER_SECOND, burst: deps.config.COURIER_RATE_LIMIT_BURST });
  for (const route of routes) {
    const identify = async (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = route.path;
      const access = route.access;
      // A node route checks its credential itself: only the service it names can verify it.
      const caller =
        access === 'admin' || access === 'customer' ? await authenticate(req.get('authorization'), access, deps.config.COURIER_ADMIN_KEY, deps.db) : null;
      if (caller) {
        const admission = limiter.admit(caller.keyId);
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
      const execute = () => route.run(raw, caller, deps);
      const audit = (status: number) =>
        caller && route.method !== 'get'
          ? recordAudit(deps.db, deps.logger, { caller, method: route.method, route: route.path, params: raw.params, body: raw.body, status })
          : Promise.resolve();
      let reply: Reply;
      try {
        reply =
          route.idempotent && caller
            ? await withIdempotency(deps.db, caller, { key: req.get('idempotency-key'), method: req.method, path: req.path, body: raw.body }, execute)
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
