import { isDatabaseUnavailable } from '../../../src/api/database-errors';

/** An error shaped as Prisma's pg adapter throws it: the driver's error as a plain-object cause. */
function adapterError(message: string, cause: object): Error {
  return Object.assign(new Error(message), { name: 'DriverAdapterError', cause });
}

describe('database unavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' })],
    ['a pooled connection the server dropped', adapterError('terminating connection due to unexpected postmaster exit', { kind: 'postgres' })],
    ['a server still starting', adapterError('db error', { kind: 'postgres', originalCode: '57P03' })],
    ['Prisma cannot reach the server', Object.assign(new Error("Can't reach database server"), { code: 'P1001' })],
    ['a lost connection under a wrapper', new Error('listing failed', { cause: new Error('Connection terminated unexpectedly') })],
  ])('recognises %s', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', adapterError('duplicate key value', { kind: 'postgres', originalCode: '23505' })],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('does not take %s for an outage', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
