/**
 * Alerts: which attempt opens or closes a node's alert episode, and how the events of a service
 * are told to its customer. An episode is announced once when it opens (at risk, then breach if
 * it gets there) and once when the node acks again (recovered); repeated failures in between
 * say nothing new.
 */
import { isAtRisk, DEFAULT_AT_RISK_FRACTION } from './node-state';

export const NODE_ALERTS = ['at_risk', 'breached'] as const;
export type NodeAlert = (typeof NODE_ALERTS)[number];

const NODE_ALERT_EVENTS = ['at_risk', 'breach', 'recovered'] as const;
export type NodeAlertEvent = (typeof NODE_ALERT_EVENTS)[number];

const SERVICE_ALERT_EVENTS = ['mapping_failed', 'mapping_held', 'source_unavailable'] as const;
export type ServiceAlertEvent = (typeof SERVICE_ALERT_EVENTS)[number];

export const ALERT_KINDS = [...NODE_ALERT_EVENTS, ...SERVICE_ALERT_EVENTS] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITY: Record<AlertKind, Severity> = {
  breach: 'critical',
  at_risk: 'warning',
  recovered: 'info',
  mapping_failed: 'warning',
  mapping_held: 'warning',
  source_unavailable: 'warning',
};

export interface AlertInput {
  /** The node's open episode before this attempt. */
  alert: NodeAlert | null;
  /** When the node's current copy expires (before this attempt); null if it never held one. */
  expiresAt: Date | null;
}

/**
 * The node's episode after a failed attempt (an ack always ends it): a failure past the deadline
 * is a breach; one with most of the budget spent opens an at-risk episode; an episode never steps
 * back from breached to at risk without an ack in between.
 */
export function alertAfterFailure(node: AlertInput, now: Date, refreshBeforeSeconds: number, fraction = DEFAULT_AT_RISK_FRACTION): NodeAlert | null {
  const expired = node.expiresAt !== null && node.expiresAt.getTime() <= now.getTime();
  if (expired || node.alert === 'breached') return 'breached';
  // The attempt just failed, so the node is failing whatever its stored error said.
  const atRisk = isAtRisk({ expiresAt: node.expiresAt, lastError: 'failed' }, now, refreshBeforeSeconds, fraction);
  return atRisk ? 'at_risk' : node.alert;
}

/** What a change of episode tells: each opening once, and the end of one once. */
export function alertEvent(before: NodeAlert | null, after: NodeAlert | null): NodeAlertEvent | null {
  if (before === after) return null;
  if (after === null) return 'recovered';
  return after === 'breached' ? 'breach' : before === null ? 'at_risk' : null;
}

/**
 * alertEvent in SQL over two expressions of type "NodeAlert"; the writers compare the row's
 * episode as it is when they update it, so two writers racing (an attempt and the breach sweep)
 * cannot tell one change twice.
 */
export function alertEventSql(before: string, after: string): string {
  return `CASE WHEN ${before} IS NOT DISTINCT FROM ${after} THEN NULL
       WHEN ${after} IS NULL THEN 'recovered'
       WHEN ${after} = 'breached' THEN 'breach'
       WHEN ${before} IS NULL THEN 'at_risk' END`;
}

/** How many node ids a summary names before it says "and N more". */
export const SUMMARY_SAMPLE = 10;

export interface AlertSummary {
  kind: AlertKind;
  serviceName: string;
  count: number;
  sampleNodeIds: string[];
  /** The latest detail of a service event (the error, the held reason). */
  detail: string | null;
}

const nodesPhrase = (s: AlertSummary): string => {
  const named = s.sampleNodeIds.join(', ');
  const more = s.count > s.sampleNodeIds.length ? ` and ${s.count - s.sampleNodeIds.length} more` : '';
  return `${s.count === 1 ? '1 node' : `${s.count} nodes`} (${named}${more})`;
};

/** One line a person reads in an email subject, a chat message or the CLI. */
export function summaryMessage(s: AlertSummary): string {
  const service = `service '${s.serviceName}'`;
  switch (s.kind) {
    case 'at_risk':
      return `${nodesPhrase(s)} of ${service} at risk: still failing with most of the refresh budget spent`;
    case 'breach':
      return `${nodesPhrase(s)} of ${service} hold expired metadata: delivery did not succeed before the deadline`;
    case 'recovered':
      return `${nodesPhrase(s)} of ${service} recovered: delivered and acked again`;
    case 'mapping_failed':
      return `The mapping of ${service} could not be loaded; the last good node list stays in force: ${s.detail ?? 'unknown error'}`;
    case 'mapping_held':
      return `A new mapping of ${service} was held, not applied: ${s.detail ?? 'no reason recorded'}`;
    case 'source_unavailable':
      return `The metadata source of ${service} is unavailable or throttling; deliveries are retried: ${s.detail ?? 'no detail'}`;
  }
}

/** Delay before retrying a notification channel: 1 s doubling to at most 10 minutes. */
export function notificationRetryDelayMs(attempts: number): number {
  return Math.min(1_000 * 2 ** Math.min(Math.max(attempts - 1, 0), 20), 10 * 60_000);
}
