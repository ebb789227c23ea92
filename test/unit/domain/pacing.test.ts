import { FairPacer } from '../../../src/domain/pacing';

describe('FairPacer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  /** Asks for every turn at once and records who got each one, and when (ms after the start). */
  function ask(pacer: FairPacer, keys: string[]): { order: string[]; at: number[] } {
    const started = Date.now();
    const order: string[] = [];
    const at: number[] = [];
    for (const key of keys) {
      void pacer.turn(key).then(() => {
        order.push(key);
        at.push(Date.now() - started);
      });
    }
    return { order, at };
  }

  it('spaces starts 1/rate apart, the first at once', async () => {
    const got = ask(new FairPacer(10), ['a', 'a', 'a']);
    await jest.advanceTimersByTimeAsync(0);
    expect(got.at).toEqual([0]);
    await jest.advanceTimersByTimeAsync(99);
    expect(got.at).toEqual([0]);
    await jest.advanceTimersByTimeAsync(1);
    expect(got.at).toEqual([0, 100]);
    await jest.advanceTimersByTimeAsync(100);
    expect(got.at).toEqual([0, 100, 200]);
  });

  it('takes the waiting keys in turn, so a long queue does not hold up a short one', async () => {
    const got = ask(new FairPacer(100), ['big', 'big', 'big', 'big', 'small', 'small', 'other']);
    await jest.advanceTimersByTimeAsync(1000);
    expect(got.order).toEqual(['big', 'small', 'other', 'big', 'small', 'big', 'big']);
  });

  it('gives a key that comes back after a pause its start without waiting for the old spacing', async () => {
    const pacer = new FairPacer(10);
    const first = ask(pacer, ['a']);
    await jest.advanceTimersByTimeAsync(500);
    const later = ask(pacer, ['b']);
    await jest.advanceTimersByTimeAsync(0);
    expect([first.at, later.at]).toEqual([[0], [0]]);
  });

  it('paces nothing at a rate of 0', async () => {
    const got = ask(new FairPacer(0), ['a', 'a', 'b']);
    await Promise.resolve();
    await Promise.resolve();
    expect(got.order).toEqual(['a', 'a', 'b']);
  });
});
