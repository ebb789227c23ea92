import { StackError } from './errors';

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** Just enough of Contract 1's client for the dev demo: JSON in, JSON or problem+json out. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? parseJson(text) : undefined };
  }

  /** A request whose answer must be one of `expected`; anything else is reported with its problem. */
  async expect(method: string, path: string, expected: number[], body?: unknown): Promise<ApiResponse> {
    const res = await this.request(method, path, body);
    if (!expected.includes(res.status)) {
      throw new StackError(`${method} ${path} answered ${res.status}: ${describeProblem(res.body)}`);
    }
    return res;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeProblem(body: unknown): string {
  if (typeof body !== 'object' || body === null) return String(body);
  const { title, detail, errors } = body as { title?: string; detail?: string; errors?: unknown };
  const parts = [title, detail, errors === undefined ? undefined : JSON.stringify(errors)].filter(Boolean);
  return parts.length > 0 ? parts.join(' — ') : JSON.stringify(body);
}
