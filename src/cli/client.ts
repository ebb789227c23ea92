/**
 * Contract 1 from the customer's side. Answers are validated with the API's own zod schemas, so
 * the CLI and the server cannot disagree silently; problems become ApiErrors carrying the
 * problem+json body. Transient failures are retried, POSTs under one Idempotency-Key so a retry
 * never registers or creates twice.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { ProblemSchema } from '../api/schemas/system';

export type Problem = z.output<typeof ProblemSchema>;

/** The API refused the request; `problem` is its problem+json body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${problem.title}: ${problem.detail}` : `the API answered ${status}`);
  }
}

/** Courier could not be asked or gave an answer the CLI does not understand; exit code 1. */
export class CliError extends Error {}

const ATTEMPTS = 3;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_RETRY_WAIT_MS = 5_000;
/** The request cannot have reached the server: retrying at once will not help. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

export interface Answer<T> {
  status: number;
  body: T;
}

export class CourierClient {
  private readonly root: string;

  constructor(
    readonly baseUrl: string,
    private readonly key: string | undefined,
  ) {
    // A base URL with a path (behind a proxy) keeps it: paths are appended, not resolved.
    this.root = baseUrl.replace(/\/+$/, '');
  }

  get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    return this.request('GET', path, schema).then((a) => a.body);
  }

  async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<Answer<z.output<S>>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = randomUUID();
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };

    for (let attempt = 1; ; attempt++) {
      const last = attempt === ATTEMPTS;
      let res: Response;
      try {
        res = await fetch(this.root + path, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      } catch (err) {
        const reason = networkReason(err);
        if (last || UNREACHABLE.has(reason.code ?? '')) throw new CliError(`cannot reach Courier at ${this.baseUrl}: ${reason.text}`);
        await sleep(500 * attempt);
        continue;
      }
      if (res.status === 503 && !last) {
        await sleep(Math.min(Number(res.headers.get('retry-after') ?? 1) * 1000 || 1000, MAX_RETRY_WAIT_MS));
        continue;
      }
      return this.read(res, schema);
    }
  }

  private async read<S extends z.ZodType>(res: Response, schema: S): Promise<Answer<z.output<S>>> {
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const problem = ProblemSchema.safeParse(json);
      throw new ApiError(res.status, problem.success ? problem.data : undefined);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CliError(`unexpected answer from Courier at ${this.baseUrl} (HTTP ${res.status}): ${text.slice(0, 200) || '(empty)'}`);
    }
    return { status: res.status, body: parsed.data };
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
};

/** fetch wraps the socket error in `cause`; its code says what happened. */
function networkReason(err: unknown): { code?: string; text: string } {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return { code: cause.code, text: REASONS[cause.code] ?? cause.code };
  if ((err as Error).name === 'TimeoutError') return { text: `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` };
  return { text: cause?.message ?? (err as Error).message };
}
