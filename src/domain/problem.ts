/**
 * RFC 9457 problem details: Contract 1's one error shape. The API answers every error with it
 * (src/api/http/problem.ts), and the simulators answer theirs with it too, so a client reads
 * the metadata source's, the node fleet's and Courier's errors alike.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody<E = unknown> {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: E;
}

/** `errors` (the fields at fault, or whatever else explains the failure) appears only when given. */
export function problemBody<E>(type: string, status: number, title: string, detail: string, errors?: E): ProblemBody<E> {
  return { type, title, status, detail, ...(errors ? { errors } : {}) };
}
