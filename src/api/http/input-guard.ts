/**
 * Checks every request's path, query and JSON body must pass before anything reads them: no NUL
 * character anywhere (PostgreSQL refuses it in text, which surfaced as a 500) and no nesting
 * deeper than any request of the API needs (recursive readers such as the idempotency
 * fingerprint would overflow the stack). Iterative, so the check itself cannot overflow.
 */
import { problems, type FieldError, type FieldLocation } from './problem';
import { dotted } from './validation';

/** The deepest request of Contract 1 is three levels; this leaves room and stops abuse. */
export const MAX_JSON_DEPTH = 16;

interface Pending {
  value: unknown;
  path: (string | number)[];
}

function firstIssue(where: FieldLocation, root: unknown): FieldError | null {
  const stack: Pending[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return { in: where, path: dotted(path), message: 'must not contain a NUL character' };
    } else if (value !== null && typeof value === 'object') {
      if (path.length >= MAX_JSON_DEPTH) return { in: where, path: dotted(path), message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
      const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
      for (const [key, child] of entries) {
        if (typeof key === 'string' && key.includes('\0')) return { in: where, path: dotted(path), message: 'has a field name with a NUL character' };
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return null;
}

export function guardInput(parts: Partial<Record<FieldLocation, unknown>>): void {
  const issues = Object.entries(parts).flatMap(([where, value]) => firstIssue(where as FieldLocation, value) ?? []);
  if (issues.length > 0) throw problems.validation(issues);
}
