/**
 * The Temporal SDK metrics Courier's alerts and dashboard read, as the worker's /metrics serves
 * them (installTemporalRuntime: `temporal_` prefix, seconds, `_total` and unit suffixes). The SDK
 * makes them itself; test/integration/worker-metrics.test.ts checks a real worker exports each.
 */
export const SDK_METRICS = [
  { name: 'temporal_worker_task_slots_available', type: 'gauge', help: 'free task slots, by worker_type (WorkflowWorker, ActivityWorker, LocalActivityWorker)' },
  { name: 'temporal_worker_task_slots_used', type: 'gauge', help: 'task slots in use, by worker_type' },
  { name: 'temporal_workflow_task_schedule_to_start_latency_seconds', type: 'histogram', help: 'how long workflow tasks waited in the task queue' },
  { name: 'temporal_activity_schedule_to_start_latency_seconds', type: 'histogram', help: 'how long activity tasks waited in the task queue' },
  { name: 'temporal_workflow_task_execution_latency_seconds', type: 'histogram', help: 'workflow task run time on the worker' },
  { name: 'temporal_activity_execution_latency_seconds', type: 'histogram', help: 'activity run time on the worker' },
  { name: 'temporal_sticky_cache_size', type: 'gauge', help: 'workflows held in the worker cache' },
  { name: 'temporal_sticky_cache_hit_total', type: 'counter', help: 'workflow tasks served from the worker cache' },
  { name: 'temporal_num_pollers', type: 'gauge', help: 'pollers per poller_type' },
] as const;

/** Every series name of SDK_METRICS, histograms with their suffixed series. */
export function sdkSeriesNames(): string[] {
  return SDK_METRICS.flatMap(({ name, type }) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]));
}
