/** The activity stubs workflows call, with timeouts and retry bounds chosen deliberately. */
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { CourierActivities } from '../activities/types';
import { quickTaskQueue } from '../domain/task-queues';

/**
 * Delivery runs batch after batch and heartbeats per batch, so a lost worker is noticed within
 * the heartbeat timeout and the retry resumes from the database. Five attempts, then the shard
 * records an engine error in its status and tries again on its own schedule.
 */
const DELIVERY_OPTIONS = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 5 },
} as const;

/**
 * A shard's delivery activity, dispatched fairly between customers: the fairness key keeps a
 * customer with thousands of shards from starving one with a single shard on a shared task queue
 * (seed 002). No delivery outranks another customer's: a failing node's urgency is its own
 * backoff inside its deadline budget, so one customer's failing fleet cannot jump the queue.
 */
export const deliveryFor = (customerId: string) =>
  proxyActivities<Pick<CourierActivities, 'deliverDue'>>({ ...DELIVERY_OPTIONS, priority: { fairnessKey: customerId } });

/**
 * A new shard's first run, bounded to FIRST_RUN_NODES, on the quick queue's own slots: a new
 * service's first ack does not wait for another customer's bulk runs to end (fairness can only
 * put it first in line).
 */
export const firstDeliveryFor = (customerId: string) =>
  proxyActivities<Pick<CourierActivities, 'deliverDue'>>({
    ...DELIVERY_OPTIONS,
    taskQueue: quickTaskQueue(workflowInfo().taskQueue),
    priority: { fairnessKey: customerId },
  });

/**
 * A forced refresh answers a waiting API call, so it runs as a local activity: no activity task
 * goes through the server, and the worker's local-activity slots are never taken by the long
 * batched deliveries (measured against a separate task queue in docs/performance.md).
 */
export const forcedRefresh = proxyLocalActivities<Pick<CourierActivities, 'deliverNode'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 2 },
});

/**
 * Reading a mapping streams a large object: heartbeats carry bytes and rows read. On the quick
 * queue, under the customer's fairness key, so a new service's first load neither waits for bulk
 * delivery runs to free a slot nor holds one. No priority: a burst of registrations must not hold
 * back the first deliveries of the services registered before it.
 */
export const mappingFor = (customerId: string) =>
  proxyActivities<Pick<CourierActivities, 'loadMapping'>>({
    taskQueue: quickTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
    priority: { fairnessKey: customerId },
  });

/**
 * A new service's first load when its mapping is small, inside the service workflow's task
 * (src/activities/mapping-small.ts): no activity task through the server, no quick slot to wait
 * for, one workflow task fewer. It shares the local-activity slots with forced refreshes, for a
 * few milliseconds of work. It never fails (null leaves the load to mappingFor), so one attempt
 * and a short timeout: a stuck one falls back too.
 */
export const smallMapping = proxyLocalActivities<Pick<CourierActivities, 'loadSmallMapping'>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

/** Control steps must eventually happen (stopping shards, purging rows): retried without a bound. */
export const control = proxyActivities<Pick<CourierActivities, 'signalWorkflows' | 'markAllDue' | 'purgeService'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** One dispatch folds events and sends a bounded number of messages; a few quick retries, then the next tick. */
export const notifications = proxyActivities<Pick<CourierActivities, 'dispatchNotifications'>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/** Fleet-wide duties, once per tick of the fleet workflow; the next tick tries again after a failure. */
export const fleet = proxyActivities<Pick<CourierActivities, 'runFleetDuties'>>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});
