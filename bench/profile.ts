/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): where the time went, by package or source
 * folder, by function (self time), and inclusive time of Courier's own functions.
 *
 *   npx tsx bench/profile.ts bench-results/profiles/CPU.<...>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Sampled wall time of the profile, and the part of it not idle. */
  totalMs: number;
  busyMs: number;
  byCategory: { category: string; ms: number; share: number }[];
  bySelf: { fn: string; ms: number; share: number }[];
  courierInclusive: { fn: string; ms: number; share: number }[];
}

function category(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native/other)';
  const path = url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return nm[1] as string;
  if (path.startsWith('node:')) return `node:${path.slice(5).split('/')[1] ?? path.slice(5)}`;
  const src = /\/(src\/[^/]+(?:\/[^/.]+)?)/.exec(path);
  if (src) return src[1] as string;
  return path.split('/').slice(-2).join('/');
}

const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src)\//, '$1/').replace(/^file:\/\//, '')}:${f.lineNumber + 1}`;

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  let total = 0;
  let idle = 0;
  const cat = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const f = node.callFrame;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const c = category(f.url, f.functionName);
    cat.set(c, (cat.get(c) ?? 0) + us);
    self.set(label(f), (self.get(label(f)) ?? 0) + us);
    // Inclusive time of Courier's own functions: each distinct src/ frame on the stack once.
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const pf = byId.get(p)?.callFrame;
      if (!pf || !pf.url.includes('/src/') || pf.url.includes('node_modules')) continue;
      const l = label(pf);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>, n: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => ({ k, ms: Math.round(us / 1000), share: busy > 0 ? us / busy : 0 }));
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    byCategory: rank(cat, top).map(({ k, ms, share }) => ({ category: k, ms, share })),
    bySelf: rank(self, top).map(({ k, ms, share }) => ({ fn: k, ms, share })),
    courierInclusive: rank(inclusive, top).map(({ k, ms, share }) => ({ fn: k, ms, share })),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  return [
    `profile ${s.file}: ${s.totalMs} ms sampled, ${s.busyMs} ms busy (shares below are of busy time)`,
    'by package / source folder (self time):',
    ...s.byCategory.map((c) => `  ${pct(c.share)} ${String(c.ms).padStart(7)} ms  ${c.category}`),
    'by function (self time):',
    ...s.bySelf.map((c) => `  ${pct(c.share)} ${String(c.ms).padStart(7)} ms  ${c.fn}`),
    "Courier's functions (inclusive time):",
    ...s.courierInclusive.map((c) => `  ${pct(c.share)} ${String(c.ms).padStart(7)} ms  ${c.fn}`),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatProfile(summarizeProfile(file, Number(top ?? 25))));
}
