export interface HoldInput {
  /** Valid distinct nodes the new object lists for the service. */
  nodeCount: number;
  badRows: number;
  /** Nodes of the mapping in force (0 before the first load). */
  previousNodeCount: number;
  minKeepFraction: number;
  /** An explicit reload: a person asked for this object, so a shrink is applied. */
  force: boolean;
  /** The customer's quota of nodes across its services, and what its other services use of it. */
  nodeQuota?: { limit: number; elsewhere: number };
}

/**
 * Why a freshly read mapping must not replace the one in force, or null to apply it. An object
 * with no valid row is never applied (a truncated upload or a wrong format would otherwise
 * empty the service). One that lists much fewer nodes than before is held on the periodic
 * check, but applied on an explicit reload: otherwise an intended shrink could never land. One
 * that would take the customer past its node quota is held even on a reload.
 */
export function holdReason(m: HoldInput): string | null {
  if (m.nodeCount === 0) return `no valid rows; ${m.badRows} bad`;
  if (m.nodeQuota && m.nodeCount + m.nodeQuota.elsewhere > m.nodeQuota.limit) {
    const { limit, elsewhere } = m.nodeQuota;
    return `lists ${m.nodeCount} nodes; with the ${elsewhere} of this customer's other services that exceeds its quota of ${limit} nodes`;
  }
  const floor = Math.ceil(m.minKeepFraction * m.previousNodeCount);
  if (!m.force && m.previousNodeCount > 0 && m.nodeCount < floor) {
    return (
      `lists ${m.nodeCount} nodes, fewer than ${Math.round(m.minKeepFraction * 100)}% of the ${m.previousNodeCount} in force; ` +
      'reload the mapping to apply it anyway'
    );
  }
  return null;
}

/**
 * The note a held mapping leaves in the service's mapping problem (what status shows when no
 * worker is asked), and its reason read back: one format, written and parsed only here.
 */
export const heldNote = (etag: string, reason: string): string => `mapping ${etag} held: ${reason}`;

export function heldReasonOf(note: string | null): string | null {
  const match = note === null ? null : /^mapping \S+ held: (.*)$/s.exec(note);
  return match ? match[1]! : null;
}
