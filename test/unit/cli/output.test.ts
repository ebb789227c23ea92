import { alignRows, problemLines, progressBar, relative } from '../../../src/cli/output';
import { now } from './service-detail';

describe('CLI output', () => {
  test('tables align every column to its widest cell', () => {
    expect(alignRows([['ID', 'NAME'], ['1', 'payments-api'], ['22', 'x']])).toEqual(['ID  NAME', '1   payments-api', '22  x']);
  });

  test('times are relative to now, in the largest fitting unit', () => {
    expect(relative('2030-01-01T12:00:45.000Z', now)).toBe('in 45 s');
    expect(relative('2030-01-01T11:57:00.000Z', now)).toBe('3 min ago');
    expect(relative('2030-01-01T15:00:00.000Z', now)).toBe('in 3 h');
    expect(relative(null, now)).toBe('-');
  });

  test('progress bars fill by fraction and survive an empty total', () => {
    expect(progressBar(1, 4, 8)).toBe('[##......]  25%');
    expect(progressBar(0, 0, 4)).toBe('[....]   0%');
    expect(progressBar(5, 4, 4)).toBe('[####] 100%');
  });

  test('problems read one line per field, named the way the command took them', () => {
    const problem = {
      type: 'urn:courier:problem:validation',
      title: 'Invalid request',
      status: 400,
      detail: 'The request is invalid; see errors for each field.',
      errors: [
        { in: 'body' as const, path: 'mapping.uri', message: 'must be an s3://bucket/key URI' },
        { in: 'query' as const, path: 'limit', message: 'must be an integer from 1 to 100' },
      ],
    };
    const flags: Record<string, string> = { 'mapping.uri': '--mapping' };
    expect(problemLines(400, problem, (location, path) => flags[path] ?? `${location} ${path}`)).toEqual([
      'courier: Invalid request: The request is invalid; see errors for each field.',
      '  --mapping: must be an s3://bucket/key URI',
      '  query limit: must be an integer from 1 to 100',
    ]);
    expect(problemLines(502, undefined, () => '')).toEqual(['courier: the API answered HTTP 502 without a problem description']);
  });
});
