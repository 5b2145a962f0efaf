/**
 * `npm run bench:curve`: the capacity curve. Runs `npm run bench` (the probe,
 * then Turnout) at each N of the standard workload's 60 s window, one after
 * the other, then draws reminders delivered and reminder lateness p99 against
 * interviews per minute, Turnout beside the probe, as bench/capacity.svg, and
 * writes the figures to bench/results/<time>-curve.json.
 *
 *   npm run bench:curve                       N = 150, 300, 600, 1000, 2000
 *   npm run bench:curve -- --n 150,600        other points
 *
 * Each run's own JSON stays in bench/results/ too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as echarts from 'echarts';
import { STANDARD_WORKLOAD } from './workload';

const ROOT = resolve(__dirname, '..');
const RESULTS = join(__dirname, 'results');

interface Point {
  n: number;
  perMinute: number;
  turnout: { delivered: number; expected: number; p99: number | null; cpuPerInterview: number | null };
  probe: { delivered: number; expected: number; p99: number | null; cpuPerInterview: number };
  ratios: Record<string, number | null>;
  file: string;
}

function runOne(n: number, label: string): string {
  const before = new Set(readdirSync(RESULTS));
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['bench/run.ts', '--n', String(n), '--label', label], { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (r.status !== 0) throw new Error(`the benchmark at N = ${n} failed (exit ${r.status})`);
  const file = readdirSync(RESULTS).find((f) => !before.has(f) && f.endsWith(`-${label}.json`));
  if (!file) throw new Error(`the benchmark at N = ${n} wrote no result`);
  return file;
}

function pointOf(n: number, file: string): Point {
  const doc = JSON.parse(readFileSync(join(RESULTS, file), 'utf8'));
  const c = doc.correctness;
  const p = doc.probe;
  return {
    n,
    perMinute: Math.round(n / (doc.setup.workload.spreadMs / 60_000)),
    turnout: {
      delivered: c.remindersReceived - c.remindersAfterStart,
      expected: c.remindersExpected,
      p99: doc.timeliness.reminderLatenessMs.p99,
      cpuPerInterview: doc.againstProbe?.turnout.cpuPerInterview ?? null,
    },
    probe: { delivered: p.remindersReceived - p.remindersAfterStart, expected: p.remindersExpected, p99: p.reminderLatenessMs.p99, cpuPerInterview: p.cpuSecondsPerInterview },
    ratios: doc.againstProbe?.ratios ?? {},
    file,
  };
}

/** Two panels, one x axis (interviews per minute): share of reminders delivered before their start, and lateness p99. */
function draw(points: Point[]): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 820, height: 420 });
  const x = (p: Point) => p.perMinute;
  const share = (d: { delivered: number; expected: number }) => (d.expected ? Math.round((1000 * d.delivered) / d.expected) / 10 : null);
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: [
      { text: 'Reminders delivered before their start (%)', left: '3%', top: 8, textStyle: { fontSize: 13 } },
      { text: 'Reminder lateness p99 (s, log scale)', left: '53%', top: 8, textStyle: { fontSize: 13 } },
    ],
    legend: { bottom: 4, data: ['Turnout', 'probe (thinnest Temporal design)'] },
    grid: [
      { left: '7%', right: '53%', top: 48, bottom: 70 },
      { left: '57%', right: '3%', top: 48, bottom: 70 },
    ],
    xAxis: [0, 1].map((gridIndex) => ({ gridIndex, type: 'value', name: 'interviews per minute', nameLocation: 'middle', nameGap: 26 })),
    yAxis: [
      { gridIndex: 0, type: 'value', min: 0, max: 100 },
      { gridIndex: 1, type: 'log', logBase: 10 },
    ],
    series: [
      { name: 'Turnout', type: 'line', xAxisIndex: 0, yAxisIndex: 0, data: points.map((p) => [x(p), share(p.turnout)]), color: '#c2410c' },
      { name: 'probe (thinnest Temporal design)', type: 'line', xAxisIndex: 0, yAxisIndex: 0, data: points.map((p) => [x(p), share(p.probe)]), color: '#1d4ed8', lineStyle: { type: 'dashed' } },
      { name: 'Turnout', type: 'line', xAxisIndex: 1, yAxisIndex: 1, data: points.map((p) => [x(p), p.turnout.p99 === null ? null : p.turnout.p99 / 1000]), color: '#c2410c' },
      { name: 'probe (thinnest Temporal design)', type: 'line', xAxisIndex: 1, yAxisIndex: 1, data: points.map((p) => [x(p), p.probe.p99 === null ? null : p.probe.p99 / 1000]), color: '#1d4ed8', lineStyle: { type: 'dashed' } },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string' }, redraw: { type: 'string', multiple: true } }, strict: true });
  const ns = (values.n ?? '150,300,600,1000,2000').split(',').map((v) => Number(v.trim()));
  if (ns.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--n takes comma-separated positive integers');
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  // --redraw <file> (repeatable): draw from existing results instead of running.
  const files = values.redraw ?? ns.map((n) => runOne(n, `curve-n${n}`));
  const points = files.map((f) => pointOf(JSON.parse(readFileSync(join(RESULTS, f), 'utf8')).setup.workload.n, f)).sort((a, b) => a.n - b.n);
  writeFileSync(join(__dirname, 'capacity.svg'), `${draw(points)}\n`);
  writeFileSync(join(RESULTS, `${stamp}-curve.json`), `${JSON.stringify({ kind: 'turnout-bench-curve', date: new Date().toISOString(), workload: STANDARD_WORKLOAD, points }, null, 2)}\n`);
  process.stdout.write('\n| interviews/min | Turnout delivered / expected | probe delivered / expected | Turnout p99 ms | probe p99 ms | CPU ratio |\n|---:|---:|---:|---:|---:|---:|\n');
  for (const p of points) {
    process.stdout.write(`| ${p.perMinute} | ${p.turnout.delivered} / ${p.turnout.expected} | ${p.probe.delivered} / ${p.probe.expected} | ${p.turnout.p99} | ${p.probe.p99} | ${p.ratios.cpuPerInterview ?? '–'} |\n`);
  }
  process.stdout.write('\nwrote bench/capacity.svg\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
