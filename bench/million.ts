/**
 * One service of 1,000,000 nodes, registered through the API as a customer would: from the POST to
 * every node acked, with the workers' RSS (all processes, summed) sampled throughout and the delivery rate per second. The
 * issue it measures: the first cycle after a big mapping load ran at a tenth of the steady rate
 * while the planner's statistics predated the service's rows; the apply's ANALYZE is meant to make
 * the first minute as fast as the rest. Bounded by a cap (--million-cap); a run that hits it says so.
 */
import { Pool } from 'pg';
import { progress, sleep, type Bench } from './context';
import { CourierRig } from './courier-rig';
import { RssPeak, rssMb } from './rss';

const NODES = 1_000_000;
/** Every node is delivered once in the window: no refresh comes due again within the cap. */
const TTL_SECONDS = 7200;
const REFRESH_BEFORE_SECONDS = 2400;
const FIRST_WINDOW_SECONDS = 60;

export interface MillionFigure {
  nodes: number;
  /** From the POST's answer: the mapping loaded (applied), the first ack, every node acked. */
  mappingLoadedSeconds: number;
  firstAckSeconds: number | null;
  allAckedSeconds: number | null;
  acked: number;
  capped: boolean;
  capSeconds: number;
  /** Acks per second in the first minute after the first ack, and after it. */
  firstMinutePerSecond: number;
  restPerSecond: number;
  /** Acks of each 10 s from the first ack. */
  perTenSeconds: number[];
  workerRssPeakMb: { load: number; delivery: number };
  workerRssEndMb: number;
  summary: string;
}

export async function runMillion(bench: Bench): Promise<MillionFigure> {
  const rig = new CourierRig(bench);
  await rig.start();
  const pool = new Pool({ connectionString: bench.env.DATABASE_URL, max: 1 });
  const workers = rig.workerPids;
  try {
    await bench.sim.reset();
    progress(`million: uploading a ${NODES.toLocaleString('en')}-node mapping and registering its service`);
    const loadRss = new RssPeak(workers);
    const [service] = await rig.addServices(1, NODES, { ttlSeconds: TTL_SECONDS, refreshBeforeSeconds: REFRESH_BEFORE_SECONDS });
    if (!service) throw new Error('the million-node service was not registered');
    const registeredAt = Date.now();
    // At the 1,350-2,400/s of a quiet machine a million nodes take 7-12 minutes: the default cap is 15.
    const capMs = bench.options.millionCapMinutes * 60_000;
    const deadline = registeredAt + capMs;
    progress(`million: registered; waiting for the mapping load`);
    let loadedAt = 0;
    while (loadedAt === 0 && Date.now() < deadline) {
      const { rows } = await pool.query<{ at: Date | null }>(`SELECT mapping_loaded_at AS at FROM services WHERE id = $1`, [service.id]);
      if (rows[0]?.at) loadedAt = Date.now();
      else await sleep(250);
    }
    const loadPeak = loadRss.stop();
    progress(`million: mapping loaded after ${((loadedAt - registeredAt) / 1000).toFixed(1)} s (workers' RSS peak ${loadPeak} MB)`);
    const deliveryRss = new RssPeak(workers);
    let acked = 0;
    let lastReport = 0;
    while (acked < NODES && Date.now() < deadline) {
      await sleep(2_000);
      acked = await bench.sim.acked();
      if (Date.now() - lastReport >= 30_000) {
        lastReport = Date.now();
        progress(`million: ${acked.toLocaleString('en')} / ${NODES.toLocaleString('en')} acked, workers' RSS ${rssMb(workers)} MB`);
      }
    }
    const deliveryPeak = deliveryRss.stop();
    const workerRssEndMb = rssMb(workers);
    const { start, perSecond } = await bench.sim.timeline();
    return figure({ registeredAt, loadedAt, acked, start, perSecond, capMs, rss: { load: loadPeak, delivery: deliveryPeak }, workerRssEndMb });
  } finally {
    await pool.end();
    await rig.stop();
  }
}

function figure(m: {
  registeredAt: number;
  loadedAt: number;
  acked: number;
  start: number;
  perSecond: number[];
  capMs: number;
  rss: MillionFigure['workerRssPeakMb'];
  workerRssEndMb: number;
}): MillionFigure {
  const first = m.perSecond.findIndex((n) => n > 0);
  const sum = (from: number, to: number) => m.perSecond.slice(from, to).reduce((s, n) => s + n, 0);
  const fromFirst = first < 0 ? [] : m.perSecond.slice(first);
  const restSeconds = fromFirst.length - FIRST_WINDOW_SECONDS;
  const capped = m.acked < NODES;
  const lastAckAt = m.start + (first < 0 ? 0 : first + fromFirst.length) * 1000;
  const f: Omit<MillionFigure, 'summary'> = {
    nodes: NODES,
    mappingLoadedSeconds: (m.loadedAt - m.registeredAt) / 1000,
    firstAckSeconds: first < 0 ? null : (m.start + first * 1000 - m.registeredAt) / 1000,
    allAckedSeconds: capped ? null : (lastAckAt - m.registeredAt) / 1000,
    acked: m.acked,
    capped,
    capSeconds: m.capMs / 1000,
    firstMinutePerSecond: first < 0 ? 0 : Math.round(sum(first, first + FIRST_WINDOW_SECONDS) / Math.min(FIRST_WINDOW_SECONDS, fromFirst.length)),
    restPerSecond: restSeconds > 0 ? Math.round(sum(first + FIRST_WINDOW_SECONDS, m.perSecond.length) / restSeconds) : 0,
    perTenSeconds: Array.from({ length: Math.ceil(fromFirst.length / 10) }, (_, i) => sum(first + i * 10, first + i * 10 + 10)),
    workerRssPeakMb: m.rss,
    workerRssEndMb: m.workerRssEndMb,
  };
  const done = capped ? `${f.acked.toLocaleString('en')} acked when the ${f.capSeconds} s cap stopped it (CAPPED)` : `all acked after ${f.allAckedSeconds?.toFixed(0)} s`;
  const summary =
    `${NODES.toLocaleString('en')}-node service registered through the API: mapping loaded after ${f.mappingLoadedSeconds.toFixed(1)} s, ` +
    `first ack after ${f.firstAckSeconds?.toFixed(1) ?? '-'} s, ${done}; ${f.firstMinutePerSecond}/s in the first minute, ${f.restPerSecond}/s after; ` +
    `workers' RSS peak ${f.workerRssPeakMb.load} MB loading, ${f.workerRssPeakMb.delivery} MB delivering, ${f.workerRssEndMb} MB at the end`;
  progress(`million: ${summary}`);
  return { ...f, summary };
}
