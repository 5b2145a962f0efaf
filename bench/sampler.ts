/**
 * Samples the CPU time and resident memory of process trees from /proc every
 * 500 ms (Linux only). A child started through tsx is a wrapper process with
 * the real program as its child, so each named root counts with all its
 * descendants. Also samples the whole machine (/proc/stat), so a run on a
 * shared machine shows how much CPU went to processes that are not ours.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function allStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.set(s.pid, s);
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface ProcessFigures {
  /** Highest resident memory of the tree, MB. */
  peakRssMb: number;
  /** CPU over the measured span, % of one core (200 % = both cores of a 2-core machine). */
  meanCpuPct: number;
  /** Highest 500 ms sample, % of one core. */
  peakCpuPct: number;
  /** 95th percentile of the 500 ms samples, % of one core. */
  p95CpuPct: number;
  cpuSeconds: number;
}

interface Series {
  rootPid: () => number | undefined;
  lastTicks?: number;
  cpuSamples: number[];
  peakRssKb: number;
  totalTicks: number;
}

export class ProcessSampler {
  private readonly hz = clockTicks();
  private readonly series = new Map<string, Series>();
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  private machineStart: { busy: number; total: number } | undefined;
  private machineLast: { busy: number; total: number } | undefined;
  private readonly cores = Math.max(1, readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length);
  private startedAt = 0;
  private stoppedAt = 0;

  /** `rootPid` is read at each sample: a restarted process is followed by name. */
  track(name: string, rootPid: () => number | undefined): void {
    this.series.set(name, { rootPid, cpuSamples: [], peakRssKb: 0, totalTicks: 0 });
  }

  start(intervalMs = 500): void {
    this.startedAt = Date.now();
    this.machineStart = machineTicks();
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    this.stoppedAt = Date.now();
  }

  private sample(): void {
    const now = Date.now();
    const stats = allStats();
    const children = new Map<number, number[]>();
    for (const s of stats.values()) {
      const list = children.get(s.ppid) ?? [];
      list.push(s.pid);
      children.set(s.ppid, list);
    }
    const tree = (root: number): number[] => {
      const out: number[] = [];
      const stack = [root];
      while (stack.length) {
        const pid = stack.pop()!;
        if (!stats.has(pid)) continue;
        out.push(pid);
        stack.push(...(children.get(pid) ?? []));
      }
      return out;
    };
    const dtSec = this.lastAt ? (now - this.lastAt) / 1000 : 0;
    for (const s of this.series.values()) {
      const root = s.rootPid();
      if (root === undefined) {
        s.lastTicks = undefined;
        continue;
      }
      const pids = tree(root);
      const ticks = pids.reduce((a, pid) => a + (stats.get(pid)?.ticks ?? 0), 0);
      const rss = pids.reduce((a, pid) => a + rssKb(pid), 0);
      s.peakRssKb = Math.max(s.peakRssKb, rss);
      if (s.lastTicks !== undefined && dtSec > 0 && ticks >= s.lastTicks) {
        const d = ticks - s.lastTicks;
        s.totalTicks += d;
        s.cpuSamples.push((d / this.hz / dtSec) * 100);
      }
      s.lastTicks = ticks;
    }
    this.machineLast = machineTicks();
    this.lastAt = now;
  }

  figures(): Record<string, ProcessFigures> {
    const spanSec = Math.max(0.001, ((this.stoppedAt || Date.now()) - this.startedAt) / 1000);
    const out: Record<string, ProcessFigures> = {};
    for (const [name, s] of this.series) {
      const sorted = [...s.cpuSamples].sort((a, b) => a - b);
      const cpuSeconds = s.totalTicks / this.hz;
      out[name] = {
        peakRssMb: Math.round(s.peakRssKb / 1024),
        meanCpuPct: round1((cpuSeconds / spanSec) * 100),
        peakCpuPct: round1(sorted.at(-1) ?? 0),
        p95CpuPct: round1(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0),
        cpuSeconds: round1(cpuSeconds),
      };
    }
    return out;
  }

  /** The whole machine over the span: busy %, of all cores together (100 % = every core busy). */
  machine(): { cores: number; busyPct: number; spanSec: number } {
    const a = this.machineStart;
    const b = this.machineLast;
    const busyPct = a && b && b.total > a.total ? ((b.busy - a.busy) / (b.total - a.total)) * 100 : 0;
    return { cores: this.cores, busyPct: round1(busyPct), spanSec: round1(((this.stoppedAt || Date.now()) - this.startedAt) / 1000) };
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
