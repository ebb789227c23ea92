/** Measuring Courier on its TTL schedule: a window of refresh cycles, and the --large sweep made of such windows. */
import { CpuWindow, progress, sleep } from './context';
import type { Summary } from './stats';
import type { CourierRig } from './courier-rig';

export interface ScheduleWindow {
  deliveries: number;
  seconds: number;
  offeredPerSecond: number;
  cpu: ReturnType<CpuWindow['end']>;
  lateness: Summary;
  expiredNodeSeconds: number;
  expiredNodeSecondsTotal: number;
  holdingExpired: number;
}

/** Measures `cycles` refresh cycles of the schedule as they come; nothing is forced. */
export async function measureSchedule(rig: CourierRig, cycles: number, label: string): Promise<ScheduleWindow> {
  const { sim, options } = rig.bench;
  const cycleSeconds = options.ttlSeconds - options.refreshBeforeSeconds;
  const windowMs = cycles * cycleSeconds * 1000;
  await sim.resetLateness();
  const statsBefore = (await sim.stats()).fleet;
  const ackedBefore = await sim.acked();
  const cpu = new CpuWindow(rig.cpuScope());
  const t0 = Date.now();
  let lastAcked = ackedBefore;
  let lastAt = t0;
  while (Date.now() - t0 < windowMs) {
    await sleep(Math.min(10_000, windowMs - (Date.now() - t0)));
    const acked = await sim.acked();
    const now = Date.now();
    progress(
      `${label}: ${Math.round((now - t0) / 1000)}/${windowMs / 1000} s, ${Math.round(((acked - lastAcked) * 1000) / (now - lastAt)).toLocaleString('en')} acked/s in the last ${Math.round((now - lastAt) / 1000)} s`,
    );
    lastAcked = acked;
    lastAt = now;
  }
  const deliveries = (await sim.acked()) - ackedBefore;
  const seconds = (Date.now() - t0) / 1000;
  const cpuDelta = cpu.end();
  const statsAfter = (await sim.stats()).fleet;
  return {
    deliveries,
    seconds,
    offeredPerSecond: rig.nodeCount / cycleSeconds,
    cpu: cpuDelta,
    lateness: await sim.lateness(),
    expiredNodeSeconds: statsAfter.expiredNodeSeconds - statsBefore.expiredNodeSeconds,
    expiredNodeSecondsTotal: statsAfter.expiredNodeSeconds,
    holdingExpired: statsAfter.holdingExpired,
  };
}

/** Resolves (with the time) once every node of the rig has been delivered at least once. */
export async function waitForAllNodes(rig: CourierRig, timeoutMs: number): Promise<number> {
  const { sim } = rig.bench;
  const deadline = Date.now() + timeoutMs;
  let lastReport = Date.now();
  for (;;) {
    const { fleet } = await sim.stats();
    const now = Date.now();
    if (fleet.nodes >= rig.nodeCount) return now;
    if (now > deadline) throw new Error(`only ${fleet.nodes} of ${rig.nodeCount} nodes delivered after ${timeoutMs / 1000} s`);
    if (now - lastReport >= 5_000) {
      progress(`courier backlog: ${fleet.nodes.toLocaleString('en')} / ${rig.nodeCount.toLocaleString('en')} nodes delivered`);
      lastReport = now;
    }
    await sleep(250);
  }
}

interface SweepStep {
  nodes: number;
  offeredPerSecond: number;
  perSecond: number;
  cpuPer1k: number;
  lateness: Summary;
  expiredNodeSeconds: number;
  saturated: string | null;
}

/**
 * --large: more services, step by step, each measured on schedule for two cycles, until Courier
 * no longer keeps up: acked/s below 95% of the offered load, lateness p99 past the refresh
 * budget, or any expiry.
 */
export async function sweep(rig: CourierRig, perService: number): Promise<{ steps: SweepStep[]; summary: string }> {
  const { options } = rig.bench;
  const steps: SweepStep[] = [];
  for (const target of options.largeSteps.filter((n) => n > rig.nodeCount)) {
    const add = Math.ceil((target - rig.nodeCount) / perService);
    progress(`large: ${rig.nodeCount.toLocaleString('en')} -> ${(rig.nodeCount + add * perService).toLocaleString('en')} nodes (${add} more services)`);
    await rig.addServices(add, perService);
    await waitForAllNodes(rig, Math.max(300_000, add * perService * 5));
    const w = await measureSchedule(rig, 2, `large ${rig.nodeCount.toLocaleString('en')}`);
    const perSecond = w.deliveries / w.seconds;
    const budgetMs = options.refreshBeforeSeconds * 1000;
    const saturated =
      w.expiredNodeSeconds > 0
        ? `expiry: ${w.expiredNodeSeconds.toFixed(1)} node-seconds`
        : (w.lateness.p99 ?? 0) > budgetMs
          ? `lateness p99 ${Math.round(w.lateness.p99 ?? 0)} ms exceeds the ${budgetMs / 1000} s refresh budget`
          : perSecond < 0.95 * w.offeredPerSecond
            ? `acked ${Math.round(perSecond)}/s < 95% of the offered ${Math.round(w.offeredPerSecond)}/s`
            : null;
    steps.push({
      nodes: rig.nodeCount,
      offeredPerSecond: w.offeredPerSecond,
      perSecond,
      cpuPer1k: (w.cpu.systemTotal * 1000) / Math.max(1, w.deliveries),
      lateness: w.lateness,
      expiredNodeSeconds: w.expiredNodeSeconds,
      saturated,
    });
    progress(
      `large ${rig.nodeCount.toLocaleString('en')}: offered ${Math.round(w.offeredPerSecond)}/s, acked ${Math.round(perSecond)}/s, lateness p50 ${Math.round(w.lateness.p50 ?? 0)} ms p99 ${Math.round(w.lateness.p99 ?? 0)} ms, expired ${w.expiredNodeSeconds.toFixed(1)} node-s${saturated ? ` -> saturated (${saturated})` : ''}`,
    );
    if (saturated) break;
  }
  const last = steps.at(-1);
  const summary = steps
    .map((s) => `${s.nodes.toLocaleString('en')} nodes: offered ${Math.round(s.offeredPerSecond)}/s, acked ${Math.round(s.perSecond)}/s, p99 ${Math.round(s.lateness.p99 ?? 0)} ms${s.saturated ? ` [saturated: ${s.saturated}]` : ''}`)
    .join('; ');
  return { steps, summary: last?.saturated ? summary : `${summary} (not saturated within the steps)` };
}
