import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The worker's own metrics, in a registry per call so tests (and several workers in one
 * process) keep separate counts. The activities record into it; `/metrics` serves it.
 */
export function createWorkerMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    deliveries: new Counter({
      name: 'courier_deliveries_total',
      help: 'Delivery attempts to nodes, by outcome; failed ones by reason (acked ones have none).',
      labelNames: ['outcome', 'reason'] as const,
      registers,
    }),
    deliveryAttemptSeconds: new Histogram({
      name: 'courier_delivery_attempt_seconds',
      help: 'Time of one delivery attempt to one node: metadata fetch (or its shared wait), push and ack.',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    activitySeconds: new Histogram({
      name: 'courier_activity_seconds',
      help: 'Time of one activity run, by activity and whether it returned or threw.',
      labelNames: ['activity', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    mappingLoads: new Counter({
      name: 'courier_mapping_loads_total',
      help: 'Mapping loads and periodic ETag checks, by result: applied, unchanged, held, or failed (Temporal retries it).',
      labelNames: ['result'] as const,
      registers,
    }),
    mappingParserThreads: new Gauge({
      name: 'courier_mapping_parser_threads',
      help: 'Mapping parser threads alive: one per load of an object larger than one range, ended with its load.',
      registers,
    }),
    notifications: new Counter({
      name: 'courier_notifications_total',
      help: 'Notifications made from alert events (one per service, kind and coalescing window), by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    notificationDeliveries: new Counter({
      name: 'courier_notification_deliveries_total',
      help: 'Webhook and email sends, by channel and outcome: delivered, retry (will be tried again) or failed (given up).',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    }),
    lastCycle: new Gauge({
      name: 'courier_last_cycle_timestamp_seconds',
      help: 'When this worker last completed a deliverDue run (a shard refresh cycle), in Unix seconds.',
      registers,
    }),
    workerUp: new Gauge({
      name: 'courier_worker_up',
      help: '1 while the worker polls its task queue, 0 once it shuts down.',
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
