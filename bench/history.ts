/**
 * Where a workflow's time went, read from its Temporal history: each event as an offset from a
 * moment the bench knows (a registration, a request), so a slow figure can be split into stages
 * (workflow task scheduled → started, activity scheduled → started → completed).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface HistoryStep {
  event: string;
  /** Milliseconds after the moment given. */
  atMs: number;
}

const EVENT_NAMES = temporal.api.enums.v1.EventType;

function eventName(e: temporal.api.history.v1.IHistoryEvent): string {
  const name = String(EVENT_NAMES[e.eventType ?? 0] ?? e.eventType).replace(/^EVENT_TYPE_/, '');
  const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
  const marker = e.markerRecordedEventAttributes?.markerName;
  return activity ? `${name} ${activity}` : marker ? `${name} ${marker}` : name;
}

/** An event's time in milliseconds since the epoch (0 when it has none). */
export const millisOf = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/** The events of `workflowId` (its current run) from `sinceMs` on, with their offsets. */
export async function historySteps(client: Client, workflowId: string, sinceMs: number): Promise<HistoryStep[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => ({ event: eventName(e), atMs: millisOf(e.eventTime) - sinceMs }))
    .filter((s) => s.atMs >= -1);
}

/** One line: `event +1.23 s, ...`. */
export const formatSteps = (steps: readonly HistoryStep[]): string =>
  steps.map((s) => `${s.event} +${(s.atMs / 1000).toFixed(2)} s`).join(', ');

/** One of a local activity marker's details (`data`: its times; `result`: what it returned) as text; '' when absent. */
function markerDetail(e: temporal.api.history.v1.IHistoryEvent, key: 'data' | 'result'): string {
  const data = e.markerRecordedEventAttributes?.details?.[key]?.payloads?.[0]?.data;
  return data ? Buffer.from(data).toString('utf8') : '';
}

/** A local activity's own times, from the data of its marker (ms since the epoch): scheduled (the worker's clock), and completed in workflow time. */
function localActivityTimes(e: temporal.api.history.v1.IHistoryEvent): { scheduledAt: number; completedAt: number } | null {
  const data = markerDetail(e, 'data');
  if (!data) return null;
  const parsed = JSON.parse(data) as { complete_time?: unknown; original_schedule_time?: unknown };
  const at = (t: unknown): number =>
    typeof t === 'string' ? Date.parse(t) : millisOf(t as temporal.api.history.v1.IHistoryEvent['eventTime']);
  return { scheduledAt: at(parsed.original_schedule_time), completedAt: at(parsed.complete_time) };
}

/**
 * The stages of the Update that asked `workflowId` to deliver to `nodeId`: its workflow task
 * scheduled, picked up by the worker, the local activity scheduled and done, the task completed
 * with the answer — offsets from `sinceMs`, the moment the API call was sent. Null when absent.
 */
export async function updateSteps(client: Client, workflowId: string, nodeId: string, sinceMs: number): Promise<HistoryStep[] | null> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const needle = `"nodeId":"${nodeId}"`;
  const accepted = events.findIndex((e) => {
    const arg = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data;
    return arg ? Buffer.from(arg).toString('utf8').includes(needle) : false;
  });
  if (accepted < 0) return null;
  const Type = EVENT_NAMES;
  const before = events.slice(0, accepted).reverse();
  const started = before.find((e) => e.eventType === Type.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const scheduled = before.find((e) => e.eventType === Type.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  const after = events.slice(accepted);
  const updateId = events[accepted]?.workflowExecutionUpdateAcceptedEventAttributes?.protocolInstanceId;
  const completedAt = after.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId);
  const completed = completedAt < 0 ? undefined : after[completedAt];
  // This update's local activity is the marker whose result names its node: with two updates in
  // one task, or a marker recorded before the acceptance, position alone picks the wrong one.
  const marker = events.find(
    (e) => e.eventType === Type.EVENT_TYPE_MARKER_RECORDED && markerDetail(e, 'result').includes(needle) && millisOf(e.eventTime) >= sinceMs,
  );
  const la = marker ? localActivityTimes(marker) : null;
  const steps: HistoryStep[] = [];
  const add = (event: string, at: number | undefined) => at !== undefined && steps.push({ event, atMs: at - sinceMs });
  add('task scheduled', scheduled && millisOf(scheduled.eventTime));
  add('task started', started && millisOf(started.eventTime));
  add('local activity scheduled', la?.scheduledAt);
  // The marker's complete_time is workflow time: the task's start plus the activity's runtime,
  // not the moment it ended. The runtime, added to when it was scheduled, is.
  const runtime = la && started ? la.completedAt - millisOf(started.eventTime) : undefined;
  add('local activity done', la && runtime !== undefined ? la.scheduledAt + runtime : undefined);
  add('accepted', millisOf(events[accepted]?.eventTime));
  add('completed', completed && millisOf(completed.eventTime));
  return steps;
}
