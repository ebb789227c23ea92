import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../database-errors';
import { isTemporalUnavailable } from '../temporal-errors';
import { PROBLEM_CONTENT_TYPE } from '../../domain/problem';
import { Problem, problems } from './problem';

function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).set(problem.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.toBody()));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, problems.notFound(`No route ${req.method} ${req.path}.`));
};

/** body-parser reports caller mistakes as errors with a `type`; they become 4xx problems. */
function bodyParserProblem(err: object): Problem | undefined {
  switch ('type' in err ? err.type : undefined) {
    case 'entity.parse.failed':
      return problems.malformedJson('The request body is not valid JSON.');
    case 'entity.too.large':
      return problems.payloadTooLarge('The request body is larger than the API accepts.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problems.unsupportedMediaType('Send the body as UTF-8 JSON.');
    default:
      return undefined;
  }
}

function toProblem(err: unknown): Problem | undefined {
  if (err instanceof Problem) return err;
  const fromBody = err && typeof err === 'object' ? bodyParserProblem(err) : undefined;
  if (fromBody) return fromBody;
  if (isTemporalUnavailable(err)) return problems.unavailable('The workflow engine is not reachable; retry shortly.', 5);
  if (isDatabaseUnavailable(err)) return problems.unavailable('The database is not reachable; retry shortly.', 5);
  return undefined;
}

/** Every error leaves as a problem; anything not anticipated is a 500, with its stack logged here only. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const problem = toProblem(err);
    if (problem) {
      if (problem.status >= 500) logger.warn({ err, requestId: res.locals.requestId, path: req.path }, problem.detail);
      return sendProblem(res, problem);
    }
    logger.error({ err, requestId: res.locals.requestId, method: req.method, path: req.path }, 'unhandled error');
    sendProblem(res, problems.internal());
  };
}
