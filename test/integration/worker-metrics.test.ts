/**
 * No silent failures, as Prometheus sees them: a worker with its metrics server delivers to a
 * service some of whose nodes refuse or answer 503, and its /metrics, scraped over HTTP, shows the
 * acked and failed deliveries with the right reasons and the failing nodes in the node gauges.
 */
import { SDK_METRICS } from '../../src/observability/sdk-metrics';
import { nodesDown } from '../../src/simulators/node-fleet';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { freeLoopbackPort } from '../../src/net/free-port';
import { quickTaskQueue } from '../../src/domain/task-queues';

const NODES = 20;
const REFUSING = ['obs-0', 'obs-1', 'obs-2'];
const ANSWERING_503 = ['obs-3', 'obs-4'];
const ACTIVITY_SLOTS = 12;
const QUICK_SLOTS = 3;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as far as this test needs it (no escaped quotes in label values). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name = '', labelText = '', value = ''] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line) ?? [];
      const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map(([, k = '', v = '']) => [k, v]));
      return { name, labels, value: Number(value) };
    });
}

/** The sum of every sample of `name` whose labels include `labels`. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('worker metrics', () => {
  let engine: Engine;
  let metricsUrl: string;
  beforeAll(async () => {
    const port = await freeLoopbackPort();
    metricsUrl = `http://127.0.0.1:${port}`;
    engine = await Engine.start('metrics', {
      workerEnv: { COURIER_WORKER_METRICS_PORT: String(port), COURIER_NODE_GAUGE_SECONDS: '1', COURIER_MAX_CONCURRENT_ACTIVITIES: String(ACTIVITY_SLOTS), COURIER_QUICK_SLOTS: String(QUICK_SLOTS) },
    });
  });
  afterAll(async () => {
    await engine?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  };

  it('counts acked and failed deliveries by reason and shows the failing nodes in the node gauges', async () => {
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    engine.fleet.setFaults([nodesDown(REFUSING, 'refuse'), { nodes: ANSWERING_503, mode: 'error', status: 503 }]);
    const uri = await engine.putMapping('metrics/obs.csv', csvMapping('obs-', NODES));
    const serviceId = await engine.registerService('svc-obs', uri);
    const healthy = NODES - REFUSING.length - ANSWERING_503.length;
    const deliveries = 'courier_deliveries_total';

    const samples = await eventually(
      'every healthy node acked, every faulty one failed, and the gauges collected since',
      async () => {
        const s = await scrape();
        const done =
          valueOf(s, deliveries, { outcome: 'acked' }) >= healthy &&
          valueOf(s, deliveries, { outcome: 'failed', reason: 'refused' }) >= REFUSING.length &&
          valueOf(s, deliveries, { outcome: 'failed', reason: 'http_5xx' }) >= ANSWERING_503.length &&
          Math.abs(valueOf(s, 'courier_service_coverage_ratio', { service_id: serviceId }) - healthy / NODES) < 1e-9;
        return done ? s : undefined;
      },
      90_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nworker output:\n${engine.worker.recentOutput}`);
    });

    const failed = valueOf(samples, deliveries, { outcome: 'failed' });
    const explained =
      valueOf(samples, deliveries, { outcome: 'failed', reason: 'refused' }) +
      valueOf(samples, deliveries, { outcome: 'failed', reason: 'http_5xx' });
    expect(failed).toBe(explained);
    const attempts = valueOf(samples, 'courier_delivery_attempt_seconds_count');
    expect(attempts).toBe(valueOf(samples, deliveries));

    // The gauges count every service in the database (earlier test files' too), hence the lower bounds.
    expect(valueOf(samples, 'courier_nodes', { state: 'failing' })).toBeGreaterThanOrEqual(REFUSING.length + ANSWERING_503.length);
    // Never delivered and failing: at risk from the first failure.
    expect(valueOf(samples, 'courier_nodes_at_risk')).toBeGreaterThanOrEqual(REFUSING.length + ANSWERING_503.length);
    expect(valueOf(samples, 'courier_coverage_ratio')).toBeLessThan(1);
    expect(valueOf(samples, 'courier_node_gauge_collected_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 30);

    expect(valueOf(samples, 'courier_mapping_loads_total', { result: 'applied' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'courier_activity_seconds_count', { activity: 'deliverDue', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'courier_last_cycle_timestamp_seconds')).toBeGreaterThan(0);
    expect(valueOf(samples, 'courier_worker_up')).toBe(1);
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it("serves the Temporal SDK's metrics beside Courier's: every one the alerts and the dashboard read", async () => {
    const res = await fetch(`${metricsUrl}/metrics`);
    const text = await res.text();
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name = '', type = '']) => [name, type]));
    expect(SDK_METRICS.filter(({ name, type }) => types.get(name) !== type).map((m) => m.name)).toEqual([]);
    const samples = parseExposition(text);
    // Free and used activity slots add up to what each of the worker's two Workers was given.
    const activitySlots = (taskQueue: string) =>
      ['temporal_worker_task_slots_available', 'temporal_worker_task_slots_used'].reduce(
        (sum, name) => sum + valueOf(samples, name, { worker_type: 'ActivityWorker', task_queue: taskQueue }),
        0,
      );
    expect(activitySlots(engine.config.COURIER_TASK_QUEUE)).toBe(ACTIVITY_SLOTS);
    expect(activitySlots(quickTaskQueue(engine.config.COURIER_TASK_QUEUE))).toBe(QUICK_SLOTS);
    expect(valueOf(samples, 'temporal_activity_schedule_to_start_latency_seconds_count')).toBeGreaterThan(0);
  });
});
