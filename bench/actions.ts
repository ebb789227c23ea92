/**
 * Temporal actions, counted from workflow histories the way Temporal Cloud bills them: a workflow
 * started (also by continue-as-new), a timer, an activity scheduled (and each retry), a child
 * started, a signal received, an update accepted, a local activity, a search-attribute upsert.
 * Heartbeats and queries leave no event and are not counted (short delivery runs send none).
 */
import type { History } from '@temporalio/common/lib/proto-utils';
import { millisOf } from './history';

export type HistoryEvent = NonNullable<History['events']>[number];

const COUNTED = [
  'workflowExecutionStartedEventAttributes',
  'timerStartedEventAttributes',
  'activityTaskScheduledEventAttributes',
  'startChildWorkflowExecutionInitiatedEventAttributes',
  'workflowExecutionSignaledEventAttributes',
  'workflowExecutionUpdateAcceptedEventAttributes',
  'upsertWorkflowSearchAttributesEventAttributes',
] as const;

/** The actions one event stands for (0 or 1), and which kind. */
function actionOf(event: HistoryEvent): string | null {
  for (const key of COUNTED) if (event[key]) return key.replace('EventAttributes', '');
  if (event.activityTaskStartedEventAttributes && (event.activityTaskStartedEventAttributes.attempt ?? 1) > 1) return 'activityRetry';
  if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') return 'localActivity';
  return null;
}

/** The events in [fromMs, toMs). */
export const eventsBetween = (events: readonly HistoryEvent[], fromMs: number, toMs: number): HistoryEvent[] =>
  events.filter((event) => {
    const at = millisOf(event.eventTime);
    return at >= fromMs && at < toMs;
  });

/** Actions by kind among events in [fromMs, toMs). */
export function countActions(events: readonly HistoryEvent[], fromMs: number, toMs: number, into: Record<string, number> = {}): Record<string, number> {
  for (const event of eventsBetween(events, fromMs, toMs)) {
    const kind = actionOf(event);
    if (kind) into[kind] = (into[kind] ?? 0) + 1;
  }
  return into;
}

export const totalOf = (byKind: Record<string, number>): number => Object.values(byKind).reduce((s, n) => s + n, 0);
