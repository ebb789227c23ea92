import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Level, Logger } from 'pino';
import { freeLoopbackPort } from '../net/free-port';

/**
 * The Temporal SDK's own metrics (task slots, schedule-to-start latency, sticky cache, pollers)
 * come from its Core's Prometheus exporter, which serves them itself. It listens on a loopback
 * port only the worker's /metrics reads, so one scrape target shows Courier's metrics and the
 * SDK's together (startMetricsServer's `more`).
 */
export interface TemporalRuntime {
  /** The SDK's exposition text, or null when the SDK metrics are off. */
  sdkMetrics: (() => Promise<string>) | null;
}

/**
 * Installs the process's Temporal Runtime, before any NativeConnection: its logger (and Core's
 * warnings and errors, forwarded) write into `logger`; `sdkMetricsPort` (0 = a free loopback
 * port, null = off) turns the SDK's Prometheus exporter on.
 */
export async function installTemporalRuntime(logger: Logger, sdkMetricsPort: number | null): Promise<TemporalRuntime> {
  const port = sdkMetricsPort === 0 ? await freeLoopbackPort() : sdkMetricsPort;
  const bindAddress = port === null ? null : `127.0.0.1:${port}`;
  Runtime.install({
    logger: temporalLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(bindAddress && {
        // Seconds and the _total/_seconds suffixes: the names Prometheus's conventions (and ops/alerts.yml) use.
        metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true, unitSuffix: true } },
      }),
    },
  });
  return { sdkMetrics: bindAddress ? () => scrape(`http://${bindAddress}/metrics`) : null };
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`the Temporal SDK's metrics answered ${res.status}`);
  return res.text();
}

const SDK_LEVEL: Record<Level, LogLevel> = { fatal: 'ERROR', error: 'ERROR', warn: 'WARN', info: 'INFO', debug: 'DEBUG', trace: 'TRACE' };
const PINO_LEVEL: Record<LogLevel, Level> = { ERROR: 'error', WARN: 'warn', INFO: 'info', DEBUG: 'debug', TRACE: 'trace' };

/** SDK warnings that describe Courier's design, not a fault: the quick task queue's Worker runs activities only. */
const BY_DESIGN = new Set(['No workflows registered, not polling for workflow tasks']);

/**
 * The Temporal Runtime's logger, writing into `logger`: what the SDK, its Core (forwarded) and the
 * workflow and activity loggers (`log` of @temporalio/workflow and @temporalio/activity) say.
 * Workflow lines come through the SDK's sink, which drops them during replay.
 */
function temporalLogger(logger: Logger): DefaultLogger {
  const level = logger.level in SDK_LEVEL ? SDK_LEVEL[logger.level as Level] : 'ERROR';
  return new DefaultLogger(level, ({ level: entryLevel, message, meta }: LogEntry) => {
    // An activity's task token lets its holder complete the activity: not for logs.
    const fields = { ...meta };
    delete fields.taskToken;
    const shown = entryLevel === 'WARN' && BY_DESIGN.has(message) ? 'DEBUG' : entryLevel;
    logger[PINO_LEVEL[shown]](fields, message);
  });
}
