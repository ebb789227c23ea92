/** One row of the table. */
import type { CpuDelta } from './cpu';
import type { Summary } from './stats';

export interface Row {
  name: string;
  /** What exactly was measured, in a few words. */
  how: string;
  deliveries: number;
  seconds: number;
  perSecond: number;
  /** perSecond over the ceiling's (filled in by the report). */
  ratio?: number;
  cpu?: CpuDelta;
  /** CPU seconds of the pipeline (simulators excluded) per 1,000 acked deliveries. */
  cpuPer1k?: number;
  /** Milliseconds: ack time minus the time the node was due. */
  lateness?: Summary;
  expiredNodeSeconds?: number;
  failed?: number;
  skipped?: string;
  notes?: string[];
}

export function finishRow(row: Omit<Row, 'perSecond' | 'cpuPer1k'>): Row {
  const perSecond = row.seconds > 0 ? row.deliveries / row.seconds : 0;
  const cpuPer1k = row.cpu && row.deliveries > 0 ? (row.cpu.systemTotal * 1000) / row.deliveries : undefined;
  return { ...row, perSecond, cpuPer1k };
}

export const skippedRow = (name: string, why: string): Row => ({ name, how: '', deliveries: 0, seconds: 0, perSecond: 0, skipped: why });
