/**
 * The Grafana dashboard (ops/grafana/courier.json) drawn without Grafana: each panel's queries
 * asked of a real Prometheus over a time range, its series drawn as lines in one SVG. `npm run
 * dev` serves it as a page beside the stack; src/stack/dashboard-picture.ts writes the picture
 * in the docs. Grafana shows the same queries with more to click.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { ROOT } from './paths';

const Dashboard = z.object({
  title: z.string(),
  panels: z.array(
    z.object({
      title: z.string(),
      fieldConfig: z.object({ defaults: z.object({ unit: z.string().optional() }) }).optional(),
      targets: z.array(z.object({ expr: z.string(), legendFormat: z.string().optional() })),
    }),
  ),
});
type Panel = z.infer<typeof Dashboard>['panels'][number];

const RangeAnswer = z.object({
  status: z.literal('success'),
  data: z.object({ result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })) }),
});

interface Series {
  name: string;
  points: [number, number][];
}

const DASHBOARD_FILE = join(ROOT, 'ops', 'grafana', 'courier.json');

function readDashboard(file = DASHBOARD_FILE) {
  return Dashboard.parse(JSON.parse(readFileSync(file, 'utf8')));
}

const PANEL_W = 560;
const PANEL_H = 250;
const PLOT = { left: 64, right: 16, top: 34, bottom: 74 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const MAX_SERIES = 6;

/** Every panel's series over the last `minutes`, one SVG; `only` picks panels by title. */
export async function renderDashboard(prometheusUrl: string, opts: { minutes: number; only?: string[]; now?: number }): Promise<string> {
  const dashboard = readDashboard();
  const panels = opts.only ? dashboard.panels.filter((p) => opts.only?.includes(p.title)) : dashboard.panels;
  const end = Math.floor((opts.now ?? Date.now()) / 1000);
  const start = end - opts.minutes * 60;
  const step = Math.max(5, Math.round((opts.minutes * 60) / 240));
  const drawn = await Promise.all(panels.map(async (panel) => drawPanel(panel, await querySeries(prometheusUrl, panel, start, end, step), start, end)));
  const columns = 2;
  const rows = Math.ceil(drawn.length / columns);
  const width = columns * PANEL_W;
  const height = rows * PANEL_H + 40;
  const stamp = new Date(end * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const cells = drawn.map((svg, i) => `<g transform="translate(${(i % columns) * PANEL_W},${40 + Math.floor(i / columns) * PANEL_H})">${svg}</g>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="26" font-size="16" font-weight="bold">${escape(dashboard.title)}: the last ${opts.minutes} minutes to ${stamp}, from Prometheus at ${escape(prometheusUrl)}</text>`,
    ...cells,
    '</svg>',
  ].join('\n');
}

async function querySeries(prometheusUrl: string, panel: Panel, start: number, end: number, step: number): Promise<Series[]> {
  const answers = await Promise.all(
    panel.targets.map(async (target) => {
      const url = `${prometheusUrl}/api/v1/query_range?${new URLSearchParams({ query: target.expr, start: String(start), end: String(end), step: String(step) })}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const answer = RangeAnswer.parse(await res.json());
      return answer.data.result.map((r) => ({
        name: legend(target.legendFormat ?? target.expr, r.metric),
        points: r.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
      }));
    }),
  );
  return answers.flat().slice(0, MAX_SERIES);
}

const legend = (format: string, labels: Record<string, string>): string => format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '');

function drawPanel(panel: Panel, series: Series[], start: number, end: number): string {
  const unit = panel.fieldConfig?.defaults.unit ?? 'short';
  const w = PANEL_W - PLOT.left - PLOT.right;
  const h = PANEL_H - PLOT.top - PLOT.bottom;
  const values = series.flatMap((s) => s.points.map(([, v]) => v));
  const max = niceMax(Math.max(0, ...values));
  const x = (t: number) => PLOT.left + ((t - start) / (end - start)) * w;
  const y = (v: number) => PLOT.top + h - (max === 0 ? 0 : (v / max) * h);
  const parts = [
    `<rect x="4" y="4" width="${PANEL_W - 8}" height="${PANEL_H - 8}" fill="#fafafa" stroke="#dddddd"/>`,
    `<text x="14" y="22" font-size="13" font-weight="bold">${escape(panel.title)}</text>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top + h}" x2="${PLOT.left + w}" y2="${PLOT.top + h}" stroke="#999"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.top + h}" stroke="#999"/>`,
  ];
  for (const fraction of [0, 0.5, 1]) {
    const v = max * fraction;
    parts.push(`<text x="${PLOT.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${escape(formatValue(v, unit))}</text>`);
    if (fraction > 0) parts.push(`<line x1="${PLOT.left}" y1="${y(v)}" x2="${PLOT.left + w}" y2="${y(v)}" stroke="#eeeeee"/>`);
  }
  for (const [t, anchor] of [[start, 'start'], [end, 'end']] as const) {
    parts.push(`<text x="${x(t)}" y="${PLOT.top + h + 14}" text-anchor="${anchor}" fill="#555">${new Date(t * 1000).toISOString().slice(11, 16)}</text>`);
  }
  if (series.length === 0) parts.push(`<text x="${PLOT.left + w / 2}" y="${PLOT.top + h / 2}" text-anchor="middle" fill="#999">no data</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const path = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (s.points.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${path}"/>`);
    const row = Math.floor(i / 2);
    const lx = 14 + (i % 2) * (PANEL_W / 2 - 10);
    const last = s.points.at(-1)?.[1];
    const label = `${s.name || '(value)'}${last === undefined ? '' : `: ${formatValue(last, unit)}`}`;
    parts.push(`<rect x="${lx}" y="${PLOT.top + h + 24 + row * 14}" width="10" height="3" fill="${color}"/>`);
    parts.push(`<text x="${lx + 14}" y="${PLOT.top + h + 29 + row * 14}">${escape(label.slice(0, 60))}</text>`);
  });
  return parts.join('');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= v) ?? v);
}

function formatValue(v: number, unit: string): string {
  if (unit === 'percentunit') return `${(v * 100).toFixed(v >= 0.995 || v === 0 ? 0 : 1)}%`;
  const n = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2);
  return unit === 's' ? `${n} s` : unit === 'reqps' ? `${n}/s` : n;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The dashboard as a page that redraws itself every 30 s. */
export function serveDashboard(opts: { prometheusUrl: string; port: number; minutes: number }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    renderDashboard(opts.prometheusUrl, { minutes: opts.minutes }).then(
      (svg) =>
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(`<!doctype html><html><head><meta http-equiv="refresh" content="30"><title>Courier</title></head><body style="margin:0">${svg}</body></html>`),
      (err: unknown) => res.writeHead(502, { 'content-type': 'text/plain' }).end(`Prometheus did not answer: ${(err as Error).message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve(server));
  });
}
