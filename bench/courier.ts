/**
 * The Courier rows, on the rig of courier-rig.ts (the real API and worker, the simulated fleet):
 *
 * - first delivery: registration to every node acked (mapping load, workflows start, deliveries);
 * - backlog drain: POST /v1/services/{id}/refresh on every service at once, so every node is due
 *   now: Courier's capacity, comparable with the ceiling and the peers, which also drain;
 * - on schedule: then `cycles` refresh cycles of the TTL schedule, nothing forced: acked/s (the
 *   offered load, N / (ttl - refreshBefore), when Courier keeps up), lateness, expiry;
 * - forced refresh: p50/p99 of POST .../nodes/{nodeId}/refresh during a refresh-all drain of its
 *   own (so the backlog row stays clean) and on schedule.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CpuWindow, progress, RESULTS_DIR, sleep, waitForAcks, type Bench } from './context';
import { ROOT } from './processes';
import { formatSteps } from './history';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile';
import { finishRow, type Row } from './result';
import { CourierRig, FORCED_GOAL_MS, type ForcedRefreshFigure } from './courier-rig';
import { measureSchedule, waitForAllNodes, sweep } from './courier-schedule';

export async function runCourier(bench: Bench): Promise<{ rows: Row[]; extra: Record<string, unknown> }> {
  const { options, sim } = bench;
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  await sim.reset();
  const rig = new CourierRig(bench);
  const forced: ForcedRefreshFigure[] = [];
  try {
    await rig.start();
    const perService = Math.ceil(options.nodes / options.services);
    const cycleSeconds = options.ttlSeconds - options.refreshBeforeSeconds;
    progress(
      `courier: registering ${options.services} services x ${perService.toLocaleString('en')} nodes (ttl ${options.ttlSeconds} s, refresh ${options.refreshBeforeSeconds} s before: each node every ${cycleSeconds} s)`,
    );

    // The first delivery is a backlog: every node is due at once and none holds a copy that could
    // expire meanwhile. From the first ack to the last node's first ack Courier runs flat out.
    const t0 = Date.now();
    const ackedBefore = await sim.acked();
    await rig.addServices(options.services, perService);
    const firstAck = await waitForAcks(sim, ackedBefore + 1, { timeoutMs: 180_000, label: 'courier first ack' });
    if (firstAck.timedOut) throw new Error(`no delivery within 180 s of registration:\n${rig.workers[0]?.tail() ?? ''}`);
    const cpu = new CpuWindow(rig.cpuScope());
    const done = await waitForAllNodes(rig, Math.max(180_000, rig.nodeCount * 5));
    const acked = (await sim.acked()) - ackedBefore;
    const seconds = (done - firstAck.reachedAt) / 1000;
    extra.courierFirstDelivery = { nodes: rig.nodeCount, secondsToFirstAck: (firstAck.reachedAt - t0) / 1000, secondsToLastNode: (done - t0) / 1000 };
    rows.push(
      finishRow({
        name: 'Courier, backlog',
        how: `first delivery to ${rig.nodeCount.toLocaleString('en')} nodes of ${rig.services.length} services, all due at once; first ack to last node`,
        deliveries: acked,
        seconds,
        cpu: cpu.end(),
        notes: [`registration to first ack ${((firstAck.reachedAt - t0) / 1000).toFixed(1)} s (mapping loads, workflows start)`],
      }),
    );
    progress(`courier: backlog of ${rig.nodeCount.toLocaleString('en')} nodes drained in ${seconds.toFixed(1)} s after the first ack: ${Math.round(acked / seconds).toLocaleString('en')}/s`);

    for (let d = 1; d <= options.drains; d++) {
      progress(`courier: refresh-all drain ${d}/${options.drains}: every node due now (POST /v1/services/{id}/refresh)`);
      const window = new CpuWindow(rig.cpuScope());
      const expiredBefore = (await sim.stats()).fleet.expiredNodeSeconds;
      const drained = await rig.drain(`courier drain ${d}`);
      const expired = (await sim.stats()).fleet.expiredNodeSeconds - expiredBefore;
      rows.push(
        finishRow({
          name: `Courier, refresh-all drain ${d}`,
          how: 'POST /v1/services/{id}/refresh on every service at once, nodes holding valid copies',
          deliveries: drained.deliveries,
          seconds: drained.seconds,
          cpu: window.end(),
          expiredNodeSeconds: expired,
        }),
      );
      progress(`courier: drain ${d}: ${Math.round(drained.deliveries / drained.seconds).toLocaleString('en')}/s, ${expired.toFixed(1)} node-seconds expired meanwhile`);
    }

    if (options.parts.has('forced')) {
      // Measured in a drain of its own: the forced refreshes cost the engine, and the backlog row
      // above stays comparable with the ceiling and the peers, which serve none.
      progress(`forced refresh at saturation: ${options.forcedRate}/s (open loop) during a refresh-all drain`);
      const window = new CpuWindow(rig.cpuScope());
      const drainDone = rig.drain('courier drain with forced refreshes');
      forced.push(await rig.forcedRefreshesDuring('at saturation (refresh-all drain)', options.forcedRate, drainDone.then(() => undefined, () => undefined)));
      const drained = await drainDone;
      rows.push(
        finishRow({
          name: 'Courier, drain + forced',
          how: `refresh-all drain while ${options.forcedRate} forced refreshes/s are served`,
          deliveries: drained.deliveries,
          seconds: drained.seconds,
          cpu: window.end(),
        }),
      );
    }

    progress(`courier: on schedule for ${options.cycles} cycles of ${cycleSeconds} s (offered ${Math.round(rig.nodeCount / cycleSeconds).toLocaleString('en')}/s)`);
    const w = await measureSchedule(rig, options.cycles, 'courier on schedule');
    rows.push(
      finishRow({
        name: 'Courier, on schedule',
        how: `ttl ${options.ttlSeconds} s, refresh ${options.refreshBeforeSeconds} s before; offered ${Math.round(w.offeredPerSecond).toLocaleString('en')}/s (a load, not a capacity)`,
        deliveries: w.deliveries,
        seconds: w.seconds,
        cpu: w.cpu,
        lateness: w.lateness,
        expiredNodeSeconds: w.expiredNodeSeconds,
        notes: [`expired node-seconds since registration: ${w.expiredNodeSecondsTotal.toFixed(1)}; nodes holding expired copies at the end: ${w.holdingExpired}`],
      }),
    );
    if (options.parts.has('forced')) {
      progress(`forced refresh on schedule: ${options.forcedRate}/s (open loop) for 20 s`);
      forced.push(await rig.forcedRefreshesDuring('on schedule', options.forcedRate, sleep(20_000)));
    }
    if (forced.length > 0) {
      extra.forcedRefresh = {
        figures: forced,
        summary: forced
          .map((f) => `${f.phase}: p50 ${fmtMs(f.latencyMs.p50)}, p99 ${fmtMs(f.latencyMs.p99)} (${f.requests} requests, ${JSON.stringify(f.statuses)})`)
          .join('; '),
      };
      for (const f of forced) {
        for (const s of f.stages) progress(`forced refresh ${f.phase}, ${s.ms} ms, sent +${(s.sentAfterMs / 1000).toFixed(2)} s: ${formatSteps(s.steps)}`);
        const slow = f.slowSentAfterSeconds;
        if (slow.length > 0) progress(`forced refresh ${f.phase}: ${slow.length} over ${FORCED_GOAL_MS} ms, sent at +${slow.join(', +')} s`);
      }
    }
    extra.courierStatus = await rig.statuses();
    extra.courierTimeline = await sim.timeline();
    if (options.large) extra.large = await sweep(rig, perService);
    progress('courier: deregistering its services');
    await rig.removeServices();
    return { rows, extra };
  } finally {
    progress('courier: stopping the worker and the API');
    const stoppedAt = Date.now();
    await rig.stop();
    if (options.profile) {
      const summary = profileOf(stoppedAt);
      if (summary) extra.profile = summary;
    }
  }
}

/** The newest CPU profile the worker wrote when it stopped. */
function profileOf(stoppedAt: number): { file: string; summary: string; detail: ProfileSummary } | undefined {
  const dir = join(RESULTS_DIR, 'profiles');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f: join(dir, f), t: statSync(join(dir, f)).mtimeMs }))
    .filter((x) => x.t >= stoppedAt - 60_000)
    .sort((a, b) => b.t - a.t);
  const file = files[0]?.f;
  if (!file) {
    progress('courier: the worker wrote no CPU profile');
    return undefined;
  }
  const detail = summarizeProfile(file);
  const text = formatProfile(detail);
  writeFileSync(file.replace(/\.cpuprofile$/, '.txt'), `${text}\n`);
  progress(`courier: worker CPU profile ${relative(ROOT, file)} (summary beside it, .txt)`);
  const head = detail.byCategory.slice(0, 6).map((c) => `${c.category} ${(c.share * 100).toFixed(0)}%`).join(', ');
  return { file: relative(ROOT, file), summary: `worker busy ${Math.round(detail.busyMs / 1000)} s: ${head}`, detail };
}

const fmtMs = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
