/**
 * Runs the benchmark's reference, the thinnest Temporal design
 * (bench/probe/workflow.ts), against the same workload as Turnout: a fresh
 * dev server with the settings `npm start` uses, one worker process with the
 * SDK's defaults, a receiver in this process that records when each message
 * arrives. Also measures the bare dev server's start rate (workflow starts
 * only, nothing polling), the ceiling of any design's ingest.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowIdReusePolicy } from '@temporalio/client';
import { ensureTemporalCli } from '../../dev/temporal-cli';
import { startTemporalDevServer } from '../../dev/temporal-server';
import { durationMs } from '../../domain/policy';
import { spread, type BenchPolicy, type Spread } from '../measure';
import { ProcessSampler, type ProcessFigures } from '../sampler';
import { devServerPid, ManagedChild } from '../stack';
import { planWorkload, type WorkloadOptions } from '../workload';
import type { ProbeMessage } from './activities';
import type { ProbeInterview } from './workflow';

export interface ProbeFigures {
  bareStartsPerSecond: number;
  ingest: { eventsPerSecond: number; accepted: number; spanSeconds: number };
  remindersExpected: number;
  remindersReceived: number;
  remindersMissing: number;
  remindersAfterStart: number;
  duplicates: number;
  reminderLatenessMs: Spread;
  noShowsExpected: number;
  noShowsReceived: number;
  noShowDetectionMs: Spread;
  notFinal: number;
  processes: Record<string, ProcessFigures>;
  cpuSecondsPerInterview: number;
  peakRssMb: number;
}

interface Arrival extends ProbeMessage {
  at: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Bounded concurrency over a list, in order. */
async function pool<T>(items: T[], inFlight: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, items.length) }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}

function receiver(arrivals: Arrival[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      arrivals.push({ ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProbeMessage), at });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/send` })));
}

/** Starts `count` workflows of a type nobody runs, `inFlight` at a time: what the server alone takes. */
async function bareStartRate(client: Client, count: number, inFlight: number): Promise<number> {
  const ids = Array.from({ length: count }, (_, i) => `bare-${i}`);
  const t0 = Date.now();
  await pool(ids, inFlight, async (id) => {
    await client.workflow.start('probeNothing', { taskQueue: 'probe-bare-nobody-polls', workflowId: id, args: [] });
  });
  return Math.round((count / ((Date.now() - t0) / 1000)) * 10) / 10;
}

export async function runProbe(args: {
  workload: WorkloadOptions;
  policy: BenchPolicy & { channels: string[] };
  drainMs: number;
  log: (msg: string) => void;
}): Promise<ProbeFigures> {
  const { workload, policy, log } = args;
  const dir = mkdtempSync(join(tmpdir(), 'turnout-probe-'));
  const arrivals: Arrival[] = [];
  const { server, url } = await receiver(arrivals);
  const cli = await ensureTemporalCli(log);
  const temporal = await startTemporalDevServer({ cliPath: cli, uiPort: null, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log'), readyTimeoutMs: 120_000 });
  const port = Number(temporal.address.split(':').at(-1));
  const taskQueue = `probe-${Date.now()}`;
  const worker = new ManagedChild('probe worker', ['bench/probe/worker.ts'], { ...process.env, PROBE_TEMPORAL_ADDRESS: temporal.address, PROBE_TASK_QUEUE: taskQueue, PROBE_RECEIVER_URL: url }, join(dir, 'worker.log'));
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  try {
    log('probe: bare start rate (1000 starts, nothing polling)…');
    const bareStartsPerSecond = await bareStartRate(client, 1000, workload.concurrency);
    log(`probe: ${bareStartsPerSecond} starts/s; starting the probe's worker`);
    await worker.start((out) => out.includes('PROBE WORKER READY'));

    const offsetsMs = policy.reminderOffsets.map((o) => durationMs(o, 'reminderOffsets'));
    const graceMs = durationMs(policy.grace, 'grace');
    const channels = policy.channels;
    const sampler = new ProcessSampler();
    sampler.track('probe worker', () => worker.pid);
    sampler.track('temporal dev server', () => devServerPid(port));
    sampler.start();

    const runId = `p${Date.now().toString(36)}`;
    const plan = planWorkload(workload, runId);
    const t0 = Date.now();
    const started = new Map<number, { sentAt: number; acceptedAt: number }>();
    let lastAccepted = t0;
    const starts = pool(plan, workload.concurrency, async (p) => {
      const iv: ProbeInterview = { interviewId: p.interviewId, startsAtMs: t0 + p.startOffsetMs, offsetsMs, graceMs, channels };
      const sentAt = Date.now();
      await client.workflow.start('probeInterview', { taskQueue, workflowId: p.interviewId, args: [iv], workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE });
      lastAccepted = Date.now();
      started.set(p.index, { sentAt, acceptedAt: lastAccepted });
    });
    const logins = Promise.all(
      plan
        .filter((p) => p.loginOffsetMs !== null)
        .map(async (p) => {
          await sleep(Math.max(0, t0 + p.loginOffsetMs! - Date.now()));
          if (!started.has(p.index)) await starts;
          await client.workflow.getHandle(p.interviewId).signal('loggedIn');
        }),
    );
    await Promise.all([starts, logins]);
    const deadline = t0 + workload.startDelayMs + workload.spreadMs + 5_000 + args.drainMs;
    let running = plan.length;
    for (;;) {
      running = (await client.workflow.count(`WorkflowType = 'probeInterview' AND ExecutionStatus = 'Running'`)).count;
      if (running === 0 || Date.now() > deadline) break;
      await sleep(1_000);
    }
    await sleep(1_000);
    sampler.stop();

    // Judged as Turnout is judged (bench/measure.ts): a point due before the start request is skipped by design.
    const byKey = new Map<string, number[]>();
    for (const a of arrivals) {
      const key = `${a.interviewId}:${a.point}:${a.channel}`;
      byKey.set(key, [...(byKey.get(key) ?? []), a.at]);
    }
    let remindersExpected = 0;
    let remindersReceived = 0;
    let remindersAfterStart = 0;
    let noShowsExpected = 0;
    let noShowsReceived = 0;
    const lateness: number[] = [];
    const detection: number[] = [];
    for (const p of plan) {
      const s = started.get(p.index);
      if (!s) continue;
      const startsAt = t0 + p.startOffsetMs;
      for (const o of policy.reminderOffsets) {
        const due = startsAt - durationMs(o, 'reminderOffsets');
        if (due <= s.acceptedAt) continue;
        for (const channel of channels) {
          remindersExpected++;
          const got = byKey.get(`${p.interviewId}:${o}:${channel}`)?.[0];
          if (got === undefined) continue;
          remindersReceived++;
          lateness.push(got - due);
          if (got > startsAt) remindersAfterStart++;
        }
      }
      if (p.loginOffsetMs === null) {
        noShowsExpected++;
        const got = byKey.get(`${p.interviewId}:no-show:hr`)?.[0];
        if (got !== undefined) {
          noShowsReceived++;
          detection.push(got - startsAt - graceMs);
        }
      }
    }
    const accepted = started.size;
    const processes = sampler.figures();
    const cpu = Object.values(processes).reduce((a, f) => a + f.cpuSeconds, 0);
    return {
      bareStartsPerSecond,
      ingest: { eventsPerSecond: Math.round((accepted / Math.max(0.001, (lastAccepted - t0) / 1000)) * 10) / 10, accepted, spanSeconds: Math.round((lastAccepted - t0) / 100) / 10 },
      remindersExpected,
      remindersReceived,
      remindersMissing: remindersExpected - remindersReceived,
      remindersAfterStart,
      duplicates: [...byKey.values()].filter((v) => v.length > 1).length,
      reminderLatenessMs: spread(lateness),
      noShowsExpected,
      noShowsReceived,
      noShowDetectionMs: spread(detection),
      notFinal: running,
      processes,
      cpuSecondsPerInterview: Math.round((cpu / Math.max(1, accepted)) * 1000) / 1000,
      peakRssMb: Object.values(processes).reduce((a, f) => a + f.peakRssMb, 0),
    };
  } finally {
    await worker.stop(5_000).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await temporal.stop().catch(() => undefined);
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}
