/**
 * CPU time of process trees, from /proc (Linux): utime + stime of a process and every live
 * descendant, plus cutime + cstime (children already reaped), in seconds. A delta of two readings
 * is the CPU a tree spent in between, whatever language or runtime it is written in.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** Own user + system ticks. */
  own: number;
  /** Ticks of reaped children. */
  reaped: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are read after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17, ppid 4.
  const n = (field: number) => Number(fields[field - 3]);
  return { pid, ppid: n(4), own: n(14) + n(15), reaped: n(16) + n(17) };
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) stats.push(s);
  }
  return stats;
}

/**
 * CPU seconds of each named tree; a root that is gone reads 0. Names in `selfOnly` count their
 * own process alone (the bench itself, whose children are measured apart).
 */
function treeCpuSeconds(roots: Record<string, number | undefined>, selfOnly: ReadonlySet<string> = new Set()): Record<string, number> {
  const stats = allStats();
  const children = new Map<number, ProcStat[]>();
  const byPid = new Map<number, ProcStat>();
  for (const s of stats) {
    byPid.set(s.pid, s);
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const result: Record<string, number> = {};
  for (const [name, root] of Object.entries(roots)) {
    const top = root === undefined ? undefined : byPid.get(root);
    if (!top) {
      result[name] = 0;
      continue;
    }
    if (selfOnly.has(name)) {
      result[name] = top.own / TICKS_PER_SECOND;
      continue;
    }
    let ticks = top.reaped;
    const stack = [top];
    while (stack.length > 0) {
      const s = stack.pop() as ProcStat;
      ticks += s.own;
      stack.push(...(children.get(s.pid) ?? []));
    }
    result[name] = ticks / TICKS_PER_SECOND;
  }
  return result;
}

/** The pid of the process listening on a TCP port of this machine (IPv4 or IPv6). */
export function pidListeningOn(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is "IP:PORT" in hex; state 0A is LISTEN; the inode is column 10.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${name}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1] as string)) return Number(name);
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return undefined;
}

/** Which processes count as what: `system` trees are the pipeline measured, `simulators` the world around it. */
export interface CpuScope {
  system: Record<string, number | undefined>;
  simulators: Record<string, number | undefined>;
  /** Names counted as their own process only. */
  selfOnly?: ReadonlySet<string>;
}

export interface CpuReading {
  at: number;
  system: Record<string, number>;
  simulators: Record<string, number>;
  /** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
  machine: number;
}

/** user + nice + system + irq + softirq + steal of all cores, in seconds. */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
}

export function readCpu(scope: CpuScope): CpuReading {
  return { at: Date.now(), system: treeCpuSeconds(scope.system, scope.selfOnly), simulators: treeCpuSeconds(scope.simulators, scope.selfOnly), machine: machineBusySeconds() };
}

export interface CpuDelta {
  seconds: number;
  /** CPU seconds of the measured pipeline, by process tree. */
  system: Record<string, number>;
  systemTotal: number;
  simulatorsTotal: number;
  /** CPU seconds the rest of the machine spent meanwhile (other work on a shared machine skews a row). */
  otherTotal: number;
}

export function cpuDelta(a: CpuReading, b: CpuReading): CpuDelta {
  const diff = (x: Record<string, number>, y: Record<string, number>) =>
    Object.fromEntries(Object.keys(y).map((k) => [k, round2(Math.max(0, (y[k] ?? 0) - (x[k] ?? 0)))]));
  const system = diff(a.system, b.system);
  const simulators = diff(a.simulators, b.simulators);
  const sum = (r: Record<string, number>) => round2(Object.values(r).reduce((s, v) => s + v, 0));
  const systemTotal = sum(system);
  const simulatorsTotal = sum(simulators);
  const otherTotal = round2(Math.max(0, b.machine - a.machine - systemTotal - simulatorsTotal));
  return { seconds: (b.at - a.at) / 1000, system, systemTotal, simulatorsTotal, otherTotal };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
