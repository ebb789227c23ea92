/**
 * Courier's activities for workflow tests: every call is recorded, each answer is a plain
 * function a test may replace, and a test may hold the next call of one activity to send the
 * workflow messages while it waits on it. Nothing touches PostgreSQL or S3; signals to other
 * workflows go through the real control activity, so stopping a shard really stops it.
 */
import type { Client } from '@temporalio/client';
import { createControlActivities } from '../../src/activities/control';
import { FairPacer } from '../../src/domain/pacing';
import type { CourierActivities, DeliverDueResult, LoadMappingResult } from '../../src/activities/types';

type Name = keyof CourierActivities;
type Input<N extends Name> = Parameters<CourierActivities[N]>[0];

export const idleShard = (nextDueAt: string | null = null): DeliverDueResult => ({
  delivered: 0,
  failed: 0,
  counts: { total: 0, fresh: 0, pending: 0, failing: 0, expired: 0 },
  nextDueAt,
  serviceGone: false,
});

export const appliedMapping = (etag: string, shardCount: number, added = 10): LoadMappingResult => ({
  outcome: 'applied',
  etag,
  nodeCount: 10,
  added,
  removed: 0,
  badRows: 0,
  badRowSamples: [],
  shardCount,
  heldReason: null,
  bytesRead: 100,
  loadedAt: new Date().toISOString(),
});

interface Hold {
  entered: () => void;
  released: Promise<void>;
  release: () => void;
}

export class FakeActivities {
  private readonly calls: { name: Name; input: unknown }[] = [];
  private readonly holds = new Map<Name, Hold>();
  private readonly taken: Hold[] = [];
  /** What each activity answers; tests replace entries. */
  readonly answer: CourierActivities;

  constructor(temporal: Client) {
    // The pool is only for markAllDue and purgeService, which are faked here.
    const { signalWorkflows } = createControlActivities({ pool: undefined as never, temporal, refreshPacer: new FairPacer(0) });
    this.answer = {
      loadMapping: async () => appliedMapping('etag-1', 1),
      // Every object too large for the local load, unless a test says otherwise.
      loadSmallMapping: async () => null,
      deliverDue: async () => idleShard(),
      deliverNode: async ({ nodeId }) => ({ nodeId, acked: true, version: 'v1', deliveredAt: new Date().toISOString(), expiresAt: null, error: null }),
      markAllDue: async () => undefined,
      signalWorkflows,
      purgeService: async () => undefined,
      dispatchNotifications: async () => ({ notified: 0, sent: 0, failed: 0 }),
      runFleetDuties: async () => ({}),
    };
  }

  /** The implementations to give a Worker: each records its call, waits while held, then answers. */
  implementations(): CourierActivities {
    const names = Object.keys(this.answer) as Name[];
    return Object.fromEntries(
      names.map((name) => [
        name,
        async (input: never) => {
          this.calls.push({ name, input });
          const hold = this.holds.get(name);
          if (hold) {
            this.holds.delete(name);
            hold.entered();
            await hold.released;
          }
          return (this.answer[name] as (input: never) => Promise<unknown>)(input);
        },
      ]),
    ) as unknown as CourierActivities;
  }

  callsOf<N extends Name>(name: N): Input<N>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input as Input<N>);
  }

  /** Holds the next call of `name` until `release()`; `entered` resolves once that call has begun. */
  hold(name: Name): { entered: Promise<void>; release: () => void } {
    let release!: () => void;
    let entered!: () => void;
    const enteredP = new Promise<void>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold = { entered, released, release: () => release() };
    this.holds.set(name, hold);
    this.taken.push(hold);
    return { entered: enteredP, release: hold.release };
  }

  /** Lets every held call go on (the end of a test, passed or failed). */
  releaseHolds(): void {
    for (const hold of this.taken) hold.release();
  }
}
