/**
 * `npm run bench`: the standard workload against the product started as it
 * runs (bench/stack.ts), then a table of the figures and a JSON file in
 * bench/results/. Not part of `npm test`.
 *
 *   npm run bench                        N = 2000, the standard workload
 *   npm run bench -- --n 200             a quick run while developing
 *   npm run bench -- --workers 2         two worker processes on the task queue
 *   npm run bench -- --temporal-db memory
 *   npm run bench -- --env DATABASE_POOL_SIZE=20   any product variable, for the worker and the API
 *   npm run bench -- --sqlite-pragma journal_mode=wal --temporal-dynamic KEY=JSON   dev-server experiments
 *
 * Every flag has an environment variable too (BENCH_N, BENCH_CONCURRENCY,
 * BENCH_WORKERS, BENCH_TEMPORAL_DB, BENCH_HISTORY_SAMPLE, BENCH_SEED).
 * The database is a fresh one on the server of DATABASE_URL when it is set,
 * else an embedded PGlite; it is dropped at the end.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { TEMPORAL_CLI_VERSION } from '../dev/temporal-cli';
import { durationMs } from '../domain/policy';
import { countFinal, historyFigures, measure, workflowDescriber, type BenchPolicy, type HistoryFigures, type Outcome } from './measure';
import { ProcessSampler, type ProcessFigures } from './sampler';
import { againstProbe, probeTable, ratioTable } from './compare';
import { runProbe, type ProbeFigures } from './probe/run';
import { BenchStack } from './stack';
import { msCells, table } from './table';
import { STANDARD_WORKLOAD, startWorkload, type WorkloadOptions, type WorkloadRun } from './workload';

export const BENCH_POLICY = {
  reminderOffsets: ['PT30S', 'PT20S', 'PT10S'],
  grace: 'PT5S',
  quietHours: null,
  channels: ['sms', 'email'],
} satisfies BenchPolicy & Record<string, unknown>;

export const log = (msg: string) => process.stdout.write(`bench: ${msg}\n`);

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0, got "${raw}"`);
  return n;
}

/** KEY=VALUE pairs for the product's environment. */
export function parseEnvPairs(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--env takes KEY=VALUE, got "${p}"`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** Polls until every accepted interview is final, or the deadline passes. */
export async function waitForFinal(stack: BenchStack, run: WorkloadRun, deadline: number, progress: () => string): Promise<void> {
  let lastPrint = 0;
  const graceMs = durationMs(BENCH_POLICY.grace, 'grace');
  for (;;) {
    const accepted = run.confirmations.filter((c) => c.acceptedAt !== undefined).length;
    // Candidates whose login (by its own time) was inside the window: only ATTENDED is final for them.
    const attending = run.logins
      .filter((l) => l.acceptedAt !== undefined && l.plannedAt <= run.t0 + run.plan[l.index]!.startOffsetMs + graceMs)
      .map((l) => run.plan[l.index]!.interviewId);
    const final = await countFinal(stack.databaseUrl, stack.tenant.subsidiaryId, run.runId, attending).catch(() => -1);
    if (Date.now() - lastPrint > 10_000) {
      log(`  ${progress()} final ${final}/${accepted}`);
      lastPrint = Date.now();
    }
    if (final >= accepted && accepted > 0) return;
    if (Date.now() > deadline) {
      log(`  gave up waiting: ${final} of ${accepted} interviews final at the deadline`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Measures a run from the outside: the stand-ins, the database, and Temporal for what is not final. */
export async function measureRun(stack: BenchStack, run: WorkloadRun, since: number): Promise<Outcome> {
  const describer = await workflowDescriber(stack.temporalAddress);
  try {
    return await measure({
      databaseUrl: stack.databaseUrl,
      subsidiaryId: stack.tenant.subsidiaryId,
      run,
      policy: BENCH_POLICY,
      twilio: stack.twilio,
      sendgrid: stack.sendgrid,
      since,
      channels: BENCH_POLICY.channels,
      describe: describer.describe,
    });
  } finally {
    await describer.close();
  }
}

export function progressLine(stack: BenchStack, run: WorkloadRun, since: number): string {
  const acc = run.confirmations.filter((c) => c.acceptedAt !== undefined).length;
  const logins = run.logins.filter((c) => c.acceptedAt !== undefined).length;
  const msgs = stack.twilio.accepted.filter((m) => m.at >= since).length + stack.sendgrid.accepted.filter((m) => m.at >= since).length;
  return `t+${((Date.now() - run.t0) / 1000).toFixed(0)} s: confirmed ${acc}/${run.plan.length}, logins ${logins}, messages ${msgs},`;
}

/** Ctrl-C or a timeout still stops the children and drops the bench database. */
export function stopOnSignal(stack: BenchStack | (() => BenchStack | undefined)): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    const s = typeof stack === 'function' ? stack() : stack;
    void (s ? s.stop(true) : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

export function gitCommit(): string | undefined {
  try {
    const root = resolve(__dirname, '..');
    const head = readFileSync(join(root, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    return readFileSync(join(root, '.git', head.slice(5)), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function resultsFile(label: string): string {
  const dir = resolve(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  return join(dir, `${stamp}-${label}.json`);
}

const commandLine = () => `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();

function writeResult(label: string, doc: unknown): void {
  const file = resultsFile(label);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  log(`wrote ${file.slice(resolve(__dirname, '..').length + 1)}`);
}

function printFigures(o: Outcome, h: HistoryFigures | undefined, procs: Record<string, ProcessFigures>, machine: { cores: number; busyPct: number; spanSec: number }, loop: { p99: number; max: number }): void {
  const t = o.timeliness;
  const c = o.correctness;
  const lines: string[] = [];
  lines.push(
    table(
      ['timeliness', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['API ingest latency (interview.confirmed)', t.apiIngest.latency.n, ...msCells(t.apiIngest.latency)],
        ['API latency (candidate.logged_in)', t.apiIngest.loginLatency.n, ...msCells(t.apiIngest.loginLatency)],
        ['reminder lateness (stand-in arrival − due)', t.reminderLatenessMs.n, ...msCells(t.reminderLatenessMs)],
        ...Object.entries(t.reminderLatenessByPoint).map(([p, s]) => [`  of which ${p} before the start`, s.n, ...msCells(s)]),
        ['no-show detection (detectedAt − start − grace)', t.noShowDetectionMs.n, ...msCells(t.noShowDetectionMs)],
        ['no-show record committed (row written − start − grace)', t.noShowCommittedMs.n, ...msCells(t.noShowCommittedMs)],
        ['confirmation message (stand-in arrival − API 202)', t.confirmationMessageAfter202Ms.n, ...msCells(t.confirmationMessageAfter202Ms)],
        ['load generator: login sent − planned', t.loginSendLagMs.n, ...msCells(t.loginSendLagMs)],
      ],
    ),
  );
  lines.push(`API ingest: ${t.apiIngest.eventsPerSecond} confirmed events/s sustained (${c.confirmationsAccepted} in ${t.apiIngest.spanSeconds} s)`);
  lines.push('');
  lines.push(
    table(
      ['correctness', 'value'],
      [
        ['confirmations accepted / sent', `${c.confirmationsAccepted} / ${c.confirmationsSent}`],
        ['logins accepted (refused)', `${c.loginsAccepted} (${c.loginsRefused})`],
        ['reminders expected / received', `${c.remindersExpected} / ${c.remindersReceived}`],
        ['reminders missing', c.remindersMissing],
        ['reminders skipped by design (due before the confirmation) / borderline', `${c.remindersSkippedByDesign} / ${c.remindersBorderline}`],
        ['reminders that arrived after the start', c.remindersAfterStart],
        ['confirmation messages expected / received', `${c.confirmationMessagesExpected} / ${c.confirmationMessagesReceived}`],
        ['duplicates (same interview+point+channel received twice)', c.duplicates],
        ['interviews not final at the end (workflow still running: a backlog)', c.interviewsNotFinal],
        ['interviews lost (not final, no running workflow)', c.interviewsLost],
        ['interviews in the wrong final state', c.interviewsWrongState],
        ['accepted events lost', c.eventsLost],
        ['never logged in / no-shows recorded', `${c.noShowsExpected} / ${c.noShowsRecorded}`],
        ['no-shows withdrawn (in-window login delivered late)', c.noShowsWithdrawn],
        ['in-window logins accepted after start + grace', c.loginsDeliveredAfterGrace],
        ['logins after start + grace (by their own time)', c.lateLogins],
        ['final states', Object.entries(c.finalStates).map(([k, v]) => `${k} ${v}`).join(', ')],
      ],
    ),
  );
  if (h) {
    lines.push('');
    lines.push(
      table(
        ['Temporal cost per interview (from histories)', 'sampled', 'events p50', 'events max', 'actions p50', 'actions max'],
        (['attended', 'no-show'] as const).map((p) => [p, h.sampled[p], h.eventsPerInterview[p]?.p50, h.eventsPerInterview[p]?.max, h.actionsPerInterview[p]?.p50, h.actionsPerInterview[p]?.max]),
      ),
    );
    lines.push(
      `  actions by kind (mean): attended ${JSON.stringify(h.actionBreakdown.attended)}; no-show ${JSON.stringify(h.actionBreakdown['no-show'])}`,
    );
    lines.push('');
    const names: Record<string, string> = {
      anchorMs: 'timer anchor (TimerStarted + duration − due)',
      fireLagMs: 'timer fire lag (TimerFired − anchor)',
      wftQueueMs: 'workflow task: scheduled → started',
      wftRunMs: 'workflow task: started → completed (its local activities included)',
      actQueueMs: 'activities it scheduled (slowest): scheduled → started',
      actRunMs: 'activities it scheduled (slowest): started → completed',
    };
    for (const kind of ['reminder', 'no-show'] as const) {
      const prof = h.profile[kind] ?? {};
      const steps = kind === 'reminder' ? 'activities: sendMessage per channel' : 'local activities: recordNoShow, alertHr';
      lines.push(
        table(
          [`profile: ${kind} (${steps})`, 'n', 'p50 ms', 'p99 ms', 'max ms'],
          Object.entries(prof).map(([k, s]) => [names[k] ?? k, s.n, ...msCells(s)]),
        ),
      );
    }
  }
  lines.push('');
  lines.push(
    table(
      ['process', 'peak RSS MB', 'mean CPU %', 'p95 CPU %', 'peak CPU %', 'CPU s'],
      Object.entries(procs).map(([name, f]) => [name, f.peakRssMb, f.meanCpuPct, f.p95CpuPct, f.peakCpuPct, f.cpuSeconds]),
    ),
  );
  lines.push(`  CPU % is of one core. Machine: ${machine.cores} cores, ${machine.busyPct}% busy over ${machine.spanSec} s (all processes, ours and others).`);
  lines.push(`  Load generator event-loop delay: p99 ${loop.p99} ms, max ${loop.max} ms (bounds the error of the stand-ins' arrival times).`);
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string' },
      concurrency: { type: 'string' },
      workers: { type: 'string' },
      'temporal-db': { type: 'string' },
      sample: { type: 'string' },
      seed: { type: 'string' },
      'start-delay': { type: 'string' },
      spread: { type: 'string' },
      drain: { type: 'string' },
      label: { type: 'string' },
      env: { type: 'string', multiple: true },
      'sqlite-pragma': { type: 'string', multiple: true },
      'temporal-dynamic': { type: 'string', multiple: true },
      'no-json': { type: 'boolean' },
      'keep-logs': { type: 'boolean' },
      'skip-probe': { type: 'boolean' },
      'probe-only': { type: 'boolean' },
    },
    strict: true,
  });
  const num = (flag: string | undefined, env: string, fallback: number) => (flag !== undefined ? Number(flag) : envInt(env, fallback));
  const workload: WorkloadOptions = {
    ...STANDARD_WORKLOAD,
    n: num(values.n, 'BENCH_N', STANDARD_WORKLOAD.n),
    concurrency: num(values.concurrency, 'BENCH_CONCURRENCY', STANDARD_WORKLOAD.concurrency),
    seed: num(values.seed, 'BENCH_SEED', STANDARD_WORKLOAD.seed),
    startDelayMs: num(values['start-delay'], 'BENCH_START_DELAY_S', STANDARD_WORKLOAD.startDelayMs / 1000) * 1000,
    spreadMs: num(values.spread, 'BENCH_SPREAD_S', STANDARD_WORKLOAD.spreadMs / 1000) * 1000,
  };
  const workers = num(values.workers, 'BENCH_WORKERS', 1);
  const temporalDb = (values['temporal-db'] ?? process.env.BENCH_TEMPORAL_DB ?? 'file') as 'file' | 'memory';
  if (temporalDb !== 'file' && temporalDb !== 'memory') throw new Error('--temporal-db is file or memory');
  const sample = num(values.sample, 'BENCH_HISTORY_SAMPLE', 50);
  const drainMs = num(values.drain, 'BENCH_DRAIN_S', 60) * 1000;
  const productEnv = parseEnvPairs(values.env);
  const temporalArgs = [
    ...(values['sqlite-pragma'] ?? []).flatMap((p) => ['--sqlite-pragma', p]),
    ...(values['temporal-dynamic'] ?? []).flatMap((d) => ['--dynamic-config-value', d]),
  ];
  const label = values.label ?? `n${workload.n}-w${workers}-${temporalDb}`;

  let probe: ProbeFigures | undefined;
  if (!values['skip-probe']) {
    log(`the probe (the thinnest Temporal design of the same workload, N=${workload.n}) first, on a dev server of its own`);
    probe = await runProbe({ workload, policy: BENCH_POLICY, drainMs, log });
    process.stdout.write(`\n${probeTable(probe)}\n\n`);
    if (values['probe-only']) {
      if (!values['no-json']) writeResult(`${label}-probe`, { kind: 'turnout-bench-probe', date: new Date().toISOString(), commit: gitCommit(), command: commandLine(), workload, policy: BENCH_POLICY, probe });
      process.exit(0);
    }
  }

  log(`standard workload: N=${workload.n}, concurrency ${workload.concurrency}, starts over ${workload.spreadMs / 1000} s from ${workload.startDelayMs / 1000} s, ${workload.loginShare * 100}% log in within ${workload.loginWindowMs / 1000} s; ${workers} worker process(es); Temporal ${temporalDb}`);
  const stack = new BenchStack({ temporalDb, databaseProxy: false, workers, env: productEnv, policy: BENCH_POLICY, temporalArgs, log });
  stopOnSignal(stack);
  let failed = true;
  const loadBefore = loadavg();
  try {
    await stack.start();
    const sampler = new ProcessSampler();
    stack.workers.forEach((w) => sampler.track(w.name, () => w.pid));
    sampler.track('api', () => stack.api?.pid);
    sampler.track('temporal dev server', () => stack.temporalPid());
    if (stack.embeddedDbPid()) sampler.track('embedded PostgreSQL', () => stack.embeddedDbPid());
    else {
      // Work moved into SQL is not free: the server's backends count (the whole server: run on an otherwise idle one).
      const pgPid = await stack.databaseServerPid();
      if (pgPid) sampler.track('PostgreSQL server', () => pgPid);
      else log('PostgreSQL server process not found: its CPU is not counted');
    }
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const driverCpu = process.cpuUsage();
    sampler.start();

    const since = Date.now();
    const run = startWorkload({ url: stack.apiUrl, keyId: stack.tenant.apiKeyId, secret: stack.tenant.apiSecret }, workload);
    const deadline = run.t0 + workload.startDelayMs + workload.spreadMs + 5_000 + drainMs;
    const ticker = setInterval(() => log(`  ${progressLine(stack, run, since)}`), 10_000);
    await run.done;
    clearInterval(ticker);
    log(`all events sent (t+${((Date.now() - run.t0) / 1000).toFixed(0)} s); waiting for every interview to end`);
    await waitForFinal(stack, run, deadline, () => progressLine(stack, run, since));
    // Messages still in flight to the stand-ins land within moments of the final state.
    await new Promise((r) => setTimeout(r, 1_000));
    sampler.stop();
    loop.disable();
    const cpu = process.cpuUsage(driverCpu);

    log('measuring: stand-ins, database, histories…');
    const outcome = await measureRun(stack, run, since);
    const history = sample > 0 ? await historyFigures({ temporalAddress: stack.temporalAddress, interviews: outcome.interviews, sample, policy: BENCH_POLICY }) : undefined;
    const procs = sampler.figures();
    const machine = sampler.machine();
    const spanSec = machine.spanSec;
    procs['load generator + stand-ins (bench)'] = {
      peakRssMb: Math.round(process.memoryUsage().rss / 1048576),
      meanCpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / spanSec) * 1000) / 10,
      p95CpuPct: NaN,
      peakCpuPct: NaN,
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
    };
    const loopFig = { p99: Math.round(loop.percentile(99) / 1e6), max: Math.round(loop.max / 1e6) };
    printFigures(outcome, history, procs, machine, loopFig);
    const outbound = { platformWebhooks: stack.platformReceiver.received.filter((r) => r.at >= since).length };
    log(`the platform's endpoint received ${outbound.platformWebhooks} webhook deliveries`);
    const compared = probe ? againstProbe(outcome, procs, probe) : undefined;
    if (probe && compared) process.stdout.write(`${ratioTable(compared.turnout, probe, compared.ratios)}\n\n`);

    const c = outcome.correctness;
    const doc = {
      kind: 'turnout-bench',
      date: new Date().toISOString(),
      commit: gitCommit(),
      command: commandLine(),
      machine: { cores: machine.cores, loadavgBefore: loadBefore, loadavgAfter: loadavg(), busyPct: machine.busyPct, node: process.version, temporalCli: TEMPORAL_CLI_VERSION },
      setup: { temporalDb, temporalArgs, database: process.env.DATABASE_URL ? 'PostgreSQL server of DATABASE_URL' : 'embedded PGlite', workers, productEnv, workload, policy: BENCH_POLICY },
      timeliness: outcome.timeliness,
      correctness: { ...c, missingDetail: c.missingDetail.slice(0, 50) },
      temporal: history,
      processes: procs,
      loadGeneratorEventLoopDelayMs: loopFig,
      outbound,
      probe,
      againstProbe: compared,
    };
    if (!values['no-json']) writeResult(label, doc);
    failed = c.interviewsLost > 0 || c.eventsLost > 0 || c.interviewsWrongState > 0;
    if (failed) log('some interviews or events were lost or ended wrong: logs kept');
  } finally {
    await stack.stop(failed || Boolean(values['keep-logs']));
  }
  process.exit(failed ? 1 : 0);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });
}
