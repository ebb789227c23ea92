import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { routeLabel } from './metrics';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Probes and scrapes arrive every few seconds: logged at debug, so the info log shows callers. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One line per request: method, route template, path, status, duration and a request id (echoed in
 * `X-Request-Id`). Never headers or bodies: they carry API keys and signing secrets. Successful
 * health checks and scrapes only at debug.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const path = req.originalUrl.split('?', 1)[0] ?? '';
      const level = QUIET_PATHS.has(path) && res.statusCode < 400 ? 'debug' : 'info';
      logger[level](
        {
          requestId,
          method: req.method,
          route: routeLabel(res.locals),
          // Mounted sub-apps (/docs) rewrite req.path; the original URL is what the caller asked for.
          path,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}
