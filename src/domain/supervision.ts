/**
 * Supervising long-lived children that nobody awaits (they are ABANDONed so a parent's
 * continue-as-new leaves them running): each child reports at least once per heartbeat, and a
 * parent that hears nothing from one for SILENT_HEARTBEATS starts it again. Starting a child that
 * is in fact running only finds it already started, so a late report costs nothing; one that was
 * terminated or failed gets a new run.
 */
export const DEFAULT_HEARTBEAT_MS = 10 * 60_000;
/**
 * The workflow patch (Temporal `patched`) under which heartbeats and restarts run: workflows that
 * were running before them replay their histories unchanged, and adopt them from that point on.
 */
export const SUPERVISION_PATCH = 'child-supervision';
export const SILENT_HEARTBEATS = 3;

/** The started children not heard from for SILENT_HEARTBEATS heartbeats. */
export function silentChildren(started: readonly number[], lastHeard: Readonly<Record<string, number>>, now: number, heartbeatMs: number): number[] {
  return started.filter((child) => now - (lastHeard[child] ?? now) >= SILENT_HEARTBEATS * heartbeatMs);
}
