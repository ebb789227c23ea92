import { endpointRole } from '../../../src/domain/endpoints';

describe('endpointRole', () => {
  const roles = (secondaryAfter: number, hasSecondary: boolean, attempts: number) =>
    Array.from({ length: attempts }, (_, i) => endpointRole(i + 1, secondaryAfter, hasSecondary));

  it('stays on the primary while fewer than secondaryAfter attempts in a row failed', () => {
    expect(roles(3, true, 3)).toEqual(['primary', 'primary', 'primary']);
  });

  it('then alternates, secondary first, so a recovered primary is found again', () => {
    expect(roles(3, true, 8).slice(3)).toEqual(['secondary', 'primary', 'secondary', 'primary', 'secondary']);
    expect(roles(1, true, 4)).toEqual(['primary', 'secondary', 'primary', 'secondary']);
  });

  it('with secondaryAfter 0, alternates from the first attempt', () => {
    expect(roles(0, true, 3)).toEqual(['secondary', 'primary', 'secondary']);
  });

  it('never leaves the primary without a secondary', () => {
    expect(roles(3, false, 10).every((r) => r === 'primary')).toBe(true);
  });
});
