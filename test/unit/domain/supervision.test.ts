import { silentChildren, SILENT_HEARTBEATS } from '../../../src/domain/supervision';

describe('supervision', () => {
  const beat = 1_000;
  const now = 100_000;

  it('finds children silent for the allowed number of heartbeats', () => {
    const lastHeard = { 0: now - 500, 1: now - SILENT_HEARTBEATS * beat, 2: now - 10 * beat };
    expect(silentChildren([0, 1, 2], lastHeard, now, beat)).toEqual([1, 2]);
  });

  it('gives a child never heard from the benefit of the doubt until it is recorded', () => {
    expect(silentChildren([7], {}, now, beat)).toEqual([]);
  });
});
