import type { z } from 'zod';
import { problems, type FieldError, type FieldLocation } from './problem';

/** A missing field says so, instead of zod's "expected string, received undefined". */
const missingIsRequired = (issue: { code: string; input?: unknown }) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

export function fieldErrors(where: FieldLocation, error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ in: where, path: dotted([...issue.path, key]), message: 'is not a known field' }))
      : [{ in: where, path: dotted(issue.path), message: issue.message }],
  );
}

export function dotted(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Parses one part of a request, or throws a 400 problem naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: FieldLocation): z.output<S> {
  const result = schema.safeParse(value, { error: missingIsRequired });
  if (!result.success) throw problems.validation(fieldErrors(where, result.error));
  return result.data;
}
