/**
 * Turnout's figures as ratios to the probe's (bench/probe/), measured in the
 * same run on the same machine: a shared, noisy machine moves both, their
 * ratio much less. Targets are issue 15's (bench/README.md).
 */
import type { Outcome } from './measure';
import type { ProbeFigures } from './probe/run';
import type { ProcessFigures } from './sampler';
import { table } from './table';

export interface Ratios {
  /** CPU-s per accepted interview, every process doing Turnout's work (PostgreSQL included) / the probe's. */
  cpuPerInterview: number | null;
  reminderP99: number | null;
  noShowP99: number | null;
  /** Reminders delivered before their start, Turnout / probe. */
  remindersDelivered: number | null;
  /** Turnout's ingest (confirmations/s) / the bare dev server's start rate. */
  ingestVsBareStarts: number | null;
  peakRss: number | null;
}

export const TARGETS: Record<keyof Ratios, { at: 'most' | 'least'; value: number }> = {
  cpuPerInterview: { at: 'most', value: 1.3 },
  reminderP99: { at: 'most', value: 1.5 },
  noShowP99: { at: 'most', value: 1.5 },
  remindersDelivered: { at: 'least', value: 1 },
  ingestVsBareStarts: { at: 'least', value: 0.75 },
  peakRss: { at: 'most', value: Infinity },
};

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100;

/** The processes that do Turnout's work: everything sampled but the load generator. */
export function turnoutCost(procs: Record<string, ProcessFigures>, accepted: number): { cpuSecondsPerInterview: number; peakRssMb: number } {
  const ours = Object.entries(procs).filter(([name]) => !name.startsWith('load generator'));
  const cpu = ours.reduce((a, [, f]) => a + f.cpuSeconds, 0);
  return { cpuSecondsPerInterview: Math.round((cpu / Math.max(1, accepted)) * 1000) / 1000, peakRssMb: ours.reduce((a, [, f]) => a + f.peakRssMb, 0) };
}

export function againstProbe(o: Outcome, procs: Record<string, ProcessFigures>, probe: ProbeFigures): { turnout: Record<keyof Ratios, number | null>; ratios: Ratios } {
  const c = o.correctness;
  const cost = turnoutCost(procs, c.confirmationsAccepted);
  const delivered = c.remindersReceived - c.remindersAfterStart;
  const probeDelivered = probe.remindersReceived - probe.remindersAfterStart;
  const turnout = {
    cpuPerInterview: cost.cpuSecondsPerInterview,
    reminderP99: o.timeliness.reminderLatenessMs.p99,
    noShowP99: o.timeliness.noShowDetectionMs.p99,
    remindersDelivered: delivered,
    ingestVsBareStarts: o.timeliness.apiIngest.eventsPerSecond,
    peakRss: cost.peakRssMb,
  };
  const ratios: Ratios = {
    cpuPerInterview: ratio(turnout.cpuPerInterview, probe.cpuSecondsPerInterview),
    reminderP99: ratio(turnout.reminderP99, probe.reminderLatenessMs.p99),
    noShowP99: ratio(turnout.noShowP99, probe.noShowDetectionMs.p99),
    remindersDelivered: ratio(delivered, probeDelivered),
    ingestVsBareStarts: ratio(turnout.ingestVsBareStarts, probe.bareStartsPerSecond),
    peakRss: ratio(turnout.peakRss, probe.peakRssMb),
  };
  return { turnout, ratios };
}

export function probeTable(p: ProbeFigures): string {
  return table(
    ['probe: the thinnest Temporal design', 'value'],
    [
      ['bare dev server: workflow starts/s (nothing polling)', p.bareStartsPerSecond],
      ['starts/s with the worker running', `${p.ingest.eventsPerSecond} (${p.ingest.accepted} in ${p.ingest.spanSeconds} s)`],
      ['reminders expected / received (after the start)', `${p.remindersExpected} / ${p.remindersReceived} (${p.remindersAfterStart})`],
      ['reminder lateness p50 / p99 / max ms', `${p.reminderLatenessMs.p50} / ${p.reminderLatenessMs.p99} / ${p.reminderLatenessMs.max}`],
      ['no-shows expected / sent', `${p.noShowsExpected} / ${p.noShowsReceived}`],
      ['no-show detection p50 / p99 ms', `${p.noShowDetectionMs.p50} / ${p.noShowDetectionMs.p99}`],
      ['duplicates / not final', `${p.duplicates} / ${p.notFinal}`],
      ['CPU-s per interview (worker + dev server)', p.cpuSecondsPerInterview],
      ...Object.entries(p.processes).map(([name, f]) => [`  ${name}: CPU s, peak RSS MB`, `${f.cpuSeconds}, ${f.peakRssMb}`]),
    ],
  );
}

export function ratioTable(turnout: Record<keyof Ratios, number | null>, probe: ProbeFigures, ratios: Ratios): string {
  const probeValue: Record<keyof Ratios, number | null> = {
    cpuPerInterview: probe.cpuSecondsPerInterview,
    reminderP99: probe.reminderLatenessMs.p99,
    noShowP99: probe.noShowDetectionMs.p99,
    remindersDelivered: probe.remindersReceived - probe.remindersAfterStart,
    ingestVsBareStarts: probe.bareStartsPerSecond,
    peakRss: probe.peakRssMb,
  };
  const names: Record<keyof Ratios, string> = {
    cpuPerInterview: 'CPU-s per interview (all processes, PostgreSQL included)',
    reminderP99: 'reminder lateness p99 ms',
    noShowP99: 'no-show detection p99 ms',
    remindersDelivered: 'reminders delivered before their start',
    ingestVsBareStarts: 'ingest events/s (probe: bare starts/s)',
    peakRss: 'peak RSS MB, summed',
  };
  const verdict = (k: keyof Ratios) => {
    const r = ratios[k];
    const t = TARGETS[k];
    if (r === null || !Number.isFinite(t.value)) return '';
    const met = t.at === 'most' ? r <= t.value : r >= t.value;
    return `${t.at === 'most' ? '≤' : '≥'} ${t.value}: ${met ? 'met' : 'not met'}`;
  };
  return table(
    ['Turnout against the probe', 'Turnout', 'probe', 'ratio', 'target'],
    (Object.keys(names) as Array<keyof Ratios>).map((k) => [names[k], turnout[k], probeValue[k], ratios[k], verdict(k)]),
  );
}
