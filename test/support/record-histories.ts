/**
 * Records one real history of the interview workflow per lifecycle path into
 * test/fixtures/histories/<path>.json; test/replay.test.ts replays them against
 * the current workflow code, so a change to workflows/interview.ts that would
 * break executions already running in production fails CI.
 *
 * When to re-record — almost never:
 * - A change meant to be compatible (refactoring, a new log line, a fix that
 *   keeps the same commands in the same order): do NOT re-record. The replay
 *   must pass against the histories as they are; if it fails, the change is
 *   not compatible, whatever it was meant to be.
 * - A change to what an existing path does (another activity, a new timer, a
 *   different order): guard the new code with `patched('<change-id>')` from
 *   @temporalio/workflow (later `deprecatePatch`), so the old histories still
 *   replay down the old branch. Keep the old fixtures; you may ADD a fixture
 *   recorded with the patch (a new name) to guard the new branch too.
 * - A new path: add it to PATHS below (and to REQUIRED in test/replay.test.ts)
 *   and record only it: `… record-histories.ts <new-path>`. Re-recording an
 *   existing fixture throws away the very history that guards running
 *   executions; do it only once no execution of the old code can still be running.
 *
 * Running it: a Temporal dev server with Turnout's search attributes and a
 * migrated PostgreSQL database, then
 *
 *   DATABASE_URL=postgresql://… TEMPORAL_ADDRESS=127.0.0.1:<port> \
 *   TEMPORAL_TASK_QUEUE=turnout-record TURNOUT_MASTER_KEY=… TURNOUT_JWT_SECRET=… \
 *   LOG_LEVEL=warn npx tsx test/support/record-histories.ts [path …]
 *
 * With path names it records only those (the others stay as they are). All
 * paths run side by side on one worker with second-long policies, so a full
 * recording takes about 20 seconds. Each history is checked for personal data
 * before it is written, and host-specific strings (worker identities, sticky
 * task queue names) are replaced by fixed ones so a fixture never names the
 * machine that recorded it; replay does not read them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as proto from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import {
  annotateUpdate,
  rescheduleUpdate,
  stateQuery,
  type Classification,
  type InterviewState,
  type Status,
} from '../../workflows/definitions';
import {
  candidateEvent,
  confirmedEvent,
  createTestTenant,
  eventually,
  FAST_POLICY,
  postEvent,
  startHarness,
  type Harness,
  type TestTenant,
} from './harness';

/** The lifecycle paths with a recorded history; the replay test expects every one. */
export const PATHS = [
  'attended',
  'no-show-annotated',
  'reschedule-before-start',
  'reschedule-after-no-show',
  'cancel-early',
  'cancel-late',
  'annotation-expired',
] as const;
export type PathName = (typeof PATHS)[number];

/**
 * Runs that are not the first of their path: after a continue-as-new the next
 * run starts from carried state, a branch the first runs never take.
 */
export const CONTINUED_RUNS = ['reschedule-after-no-show.continued'] as const;

export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'histories');

/** The contact details the test fixtures give a candidate: none may reach a history. */
export function candidatePersonalData(): string[] {
  const { name, phone, email } = confirmedEvent().data.candidate;
  return [name, phone, phone.replace(/^\+/, ''), email];
}

/**
 * The personal data found in a history's JSON text. Payloads are base64 in
 * history JSON, so every string is searched as it is and, when it decodes as
 * base64, decoded too.
 */
export function personalDataIn(jsonText: string, needles: string[] = candidatePersonalData()): string[] {
  const texts: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      texts.push(v);
      if (v.length >= 4 && /^[A-Za-z0-9+/]+={0,2}$/.test(v)) texts.push(Buffer.from(v, 'base64').toString('utf8'));
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      Object.entries(v).forEach(([k, x]) => {
        texts.push(k);
        walk(x);
      });
    }
  };
  walk(JSON.parse(jsonText));
  const haystack = texts.join('\n').toLowerCase();
  return needles.filter((n) => haystack.includes(n.toLowerCase()));
}

// ---- history JSON ------------------------------------------------------------------

type History = proto.temporal.api.history.v1.IHistory;

/**
 * The SDK's historyToJSON / historyFromJSON (@temporalio/common/lib/proto-utils),
 * done with the protobufjs copy that @temporalio/proto itself uses. Ours
 * installs protobufjs 7 at the top for grpc, so npm nests a separate protobufjs 8
 * under both @temporalio/common and @temporalio/proto, and the SDK's helpers
 * (and Worker.runReplayHistories given JSON) fail with "type must be a Type":
 * common's protojson does not recognise the other copy's types. Resolving
 * protojson from @temporalio/proto's own directory works in any layout and
 * gives the same canonical proto JSON the Temporal CLI and UI export.
 */
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}
const protoJson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto/package.json'))] }),
) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJson(history: History): string {
  return JSON.stringify(protoJson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

export function historyFromJson(text: string): History {
  const history = protoJson.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new TypeError('not a workflow history');
  return history;
}

// ---- recording ------------------------------------------------------------------

const HR_USER = 'hr-user-recorder';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const at = (msFromNow: number) => new Date(Date.now() + msFromNow);

interface Recorded {
  name: string;
  workflowId: string;
  runId: string;
}

interface PathResult {
  /** Runs whose histories become fixtures. */
  runs: Recorded[];
  /** What the workflow (following continue-as-new) returned. */
  result: Status;
}

class Recorder {
  constructor(private readonly h: Harness) {}

  async confirm(tenant: TestTenant, path: string, startsAt: Date, channels?: string[]): Promise<{ interviewId: string; workflowId: string }> {
    const event = confirmedEvent({ interviewId: `iv-${path}`, startsAt, channels });
    const res = await postEvent(this.h, tenant, event);
    if (res.statusCode !== 202) throw new Error(`${path}: confirmation answered ${res.statusCode} ${res.body}`);
    const { workflowId } = res.json() as { workflowId: string };
    // Updates are rejected until the plan is in place; the state's `next` says it is.
    await eventually(async () => ((await this.state(workflowId)).next ? true : undefined), 20_000, `${path} planned`);
    return { interviewId: event.data.interviewId, workflowId };
  }

  state(workflowId: string): Promise<InterviewState> {
    return this.h.client.workflow.getHandle(workflowId).query(stateQuery);
  }

  async waitForStatus(workflowId: string, status: Status, timeoutMs = 20_000): Promise<InterviewState> {
    return eventually(async () => {
      const s = await this.state(workflowId);
      return s.status === status ? s : undefined;
    }, timeoutMs, `${workflowId} ${status}`);
  }

  async event(tenant: TestTenant, path: string, body: unknown): Promise<void> {
    const res = await postEvent(this.h, tenant, body);
    if (res.statusCode !== 202) throw new Error(`${path}: ${(body as { type: string }).type} answered ${res.statusCode} ${res.body}`);
  }

  login(tenant: TestTenant, path: string, interviewId: string) {
    return this.event(tenant, path, candidateEvent('candidate.logged_in', interviewId));
  }

  /** HR's note lives in an audit entry; the workflow carries only its id. */
  async auditEntry(tenant: TestTenant, workflowId: string, action: string, payload: Record<string, unknown>): Promise<string> {
    const interview = await this.h.prisma.interview.findUniqueOrThrow({ where: { workflowId } });
    const row = await this.h.prisma.auditEntry.create({
      data: {
        actorType: 'hr',
        actorId: HR_USER,
        groupId: tenant.groupId,
        subsidiaryId: tenant.subsidiaryId,
        action,
        interviewId: interview.id,
        payload: payload as never,
      },
    });
    return row.id;
  }

  async annotate(tenant: TestTenant, workflowId: string, classification: Classification): Promise<InterviewState> {
    const ref = await this.auditEntry(tenant, workflowId, 'interview.annotate', { classification, note: 'recorded for the replay tests' });
    return this.h.client.workflow
      .getHandle(workflowId)
      .executeUpdate(annotateUpdate, { args: [{ classification, hrUserId: HR_USER, ref }] });
  }

  async runId(workflowId: string): Promise<string> {
    return (await this.h.client.workflow.getHandle(workflowId).describe()).runId;
  }

  /** Waits for the workflow, following continue-as-new, and returns its result with the first run's id. */
  async finish(name: string, workflowId: string, firstRunId?: string): Promise<PathResult> {
    const runId = firstRunId ?? (await this.runId(workflowId));
    const result = (await this.h.client.workflow.getHandle(workflowId).result()) as Status;
    return { runs: [{ name, workflowId, runId }], result };
  }

  async expectDb(path: string, check: () => Promise<string | undefined>): Promise<void> {
    const problem = await check();
    if (problem) throw new Error(`${path}: ${problem}`);
  }

  // ---- the paths ----------------------------------------------------------------

  async attended(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const startsAt = at(6000);
    const { interviewId, workflowId } = await this.confirm(tenant, 'attended', startsAt);
    await sleep(startsAt.getTime() + 500 - Date.now());
    await this.login(tenant, 'attended', interviewId);
    return this.finish('attended', workflowId);
  }

  async noShowAnnotated(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const { workflowId } = await this.confirm(tenant, 'no-show-annotated', at(3000), ['sms']);
    await this.waitForStatus(workflowId, 'NO_SHOW');
    const state = await this.annotate(tenant, workflowId, 'NO_REASON');
    if (state.status !== 'CLOSED') throw new Error(`no-show-annotated: annotation answered ${state.status}`);
    return this.finish('no-show-annotated', workflowId);
  }

  async rescheduleBeforeStart(): Promise<PathResult> {
    // Reminders 8 s and 4 s ahead: the first goes out, then the platform moves
    // the interview, and only the second is planned again (never repeated).
    const tenant = await createTestTenant(this.h, { ...FAST_POLICY, reminderOffsets: ['PT8S', 'PT4S'] });
    const path = 'reschedule-before-start';
    const { interviewId, workflowId } = await this.confirm(tenant, path, at(12_000), ['sms']);
    await eventually(async () => ((await this.state(workflowId)).sentPoints.includes('PT8S') ? true : undefined), 20_000, `${path} first reminder`);
    const newStart = at(10_000);
    await this.event(tenant, path, {
      id: `evt-${path}-rescheduled`,
      type: 'interview.rescheduled',
      occurredAt: new Date().toISOString(),
      data: { interviewId, startsAt: newStart.toISOString(), reason: 'platform moved the slot' },
    });
    const state = await this.state(workflowId);
    if (state.status !== 'SCHEDULED' || state.startsAt !== newStart.toISOString() || state.attempt !== 1) {
      throw new Error(`${path}: after the reschedule the state is ${JSON.stringify(state)}`);
    }
    await sleep(newStart.getTime() + 500 - Date.now());
    await this.login(tenant, path, interviewId);
    const done = await this.finish(path, workflowId);
    await this.expectDb(path, async () => {
      const interview = await this.h.prisma.interview.findUniqueOrThrow({ where: { workflowId } });
      const points = (await this.h.prisma.notification.findMany({ where: { interviewId: interview.id } })).map((n) => n.point).sort();
      return JSON.stringify(points) === JSON.stringify(['PT4S', 'PT8S', 'confirmation']) ? undefined : `notifications sent: ${points.join(', ')}`;
    });
    return done;
  }

  async rescheduleAfterNoShow(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const path = 'reschedule-after-no-show';
    const { interviewId, workflowId } = await this.confirm(tenant, path, at(3000), ['sms']);
    await this.waitForStatus(workflowId, 'NO_SHOW');
    const firstRunId = await this.runId(workflowId);
    const newStart = at(6000);
    const ref = await this.auditEntry(tenant, workflowId, 'interview.reschedule', { startsAt: newStart.toISOString(), reason: 'candidate asked HR for a new slot' });
    const state = await this.h.client.workflow
      .getHandle(workflowId)
      .executeUpdate(rescheduleUpdate, { args: [{ startsAt: newStart.toISOString(), by: 'hr', ref }] });
    if (state.status !== 'SCHEDULED' || state.attempt !== 2) throw new Error(`${path}: the reschedule answered ${JSON.stringify(state)}`);

    // The first run ends in continue-as-new; the next one starts from the carried state.
    const first = this.h.client.workflow.getHandle(workflowId, firstRunId);
    await eventually(async () => ((await first.describe()).status.name === 'CONTINUED_AS_NEW' ? true : undefined), 20_000, `${path} continued as new`);
    const secondRunId = await eventually(async () => {
      const id = await this.runId(workflowId);
      return id !== firstRunId ? id : undefined;
    }, 20_000, `${path} second run`);
    await sleep(newStart.getTime() + 500 - Date.now());
    await this.login(tenant, path, interviewId);
    const result = (await this.h.client.workflow.getHandle(workflowId).result()) as Status;
    await this.expectDb(path, async () => {
      const interview = await this.h.prisma.interview.findUniqueOrThrow({ where: { workflowId } });
      const record = await this.h.prisma.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId: interview.id, attempt: 1 } } });
      if (!record) return 'the first attempt lost its no-show record';
      if (record.nextAttempt !== 2) return `the no-show record links to attempt ${record.nextAttempt}, not 2`;
      return interview.attempt === 2 ? undefined : `the interview is at attempt ${interview.attempt}`;
    });
    return {
      runs: [
        { name: path, workflowId, runId: firstRunId },
        { name: `${path}.continued`, workflowId, runId: secondRunId },
      ],
      result,
    };
  }

  async cancelEarly(): Promise<PathResult> {
    // Two days ahead with second-long reminders: nothing is due before the cancellation.
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const path = 'cancel-early';
    const { interviewId, workflowId } = await this.confirm(tenant, path, at(2 * 86_400_000), ['sms']);
    await this.event(tenant, path, {
      id: `evt-${path}-cancelled`,
      type: 'interview.cancelled',
      occurredAt: new Date().toISOString(),
      data: { interviewId, reason: 'found another position' },
    });
    const done = await this.finish(path, workflowId);
    await this.expectDb(path, async () => {
      const interview = await this.h.prisma.interview.findUniqueOrThrow({ where: { workflowId } });
      const records = await this.h.prisma.noShowRecord.count({ where: { interviewId: interview.id } });
      return records === 0 ? undefined : `an early cancellation left ${records} record(s)`;
    });
    return done;
  }

  async cancelLate(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const path = 'cancel-late';
    const { interviewId, workflowId } = await this.confirm(tenant, path, at(3600_000), ['sms']);
    await this.event(tenant, path, {
      id: `evt-${path}-cancelled`,
      type: 'interview.cancelled',
      occurredAt: new Date().toISOString(),
      data: { interviewId, reason: 'emergency' },
    });
    await this.waitForStatus(workflowId, 'LATE_CANCELLED');
    const state = await this.annotate(tenant, workflowId, 'FORCE_MAJEURE');
    if (state.status !== 'CLOSED') throw new Error(`${path}: annotation answered ${state.status}`);
    const done = await this.finish(path, workflowId);
    await this.expectDb(path, async () => {
      const interview = await this.h.prisma.interview.findUniqueOrThrow({ where: { workflowId } });
      const record = await this.h.prisma.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId: interview.id, attempt: 1 } } });
      if (record?.kind !== 'LATE_CANCEL' || record.classification !== 'FORCE_MAJEURE') {
        return `expected a LATE_CANCEL record classified FORCE_MAJEURE, got ${JSON.stringify(record && { kind: record.kind, classification: record.classification })}`;
      }
      return undefined;
    });
    return done;
  }

  async annotationExpired(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, { ...FAST_POLICY, annotationWindow: 'PT4S' });
    const path = 'annotation-expired';
    const { workflowId } = await this.confirm(tenant, path, at(3000), ['sms']);
    const done = await this.finish(path, workflowId);
    await this.expectDb(path, async () => {
      const interview = await this.h.prisma.interview.findUniqueOrThrow({ where: { workflowId } });
      const alerts = (await this.h.prisma.hrAlert.findMany({ where: { interviewId: interview.id } })).map((a) => a.kind).sort();
      if (JSON.stringify(alerts) !== JSON.stringify(['ANNOTATION_DUE', 'NO_SHOW'])) return `HR alerts: ${alerts.join(', ')}`;
      const record = await this.h.prisma.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId: interview.id, attempt: 1 } } });
      if (record?.classification !== 'UNANNOTATED') return `record classification ${record?.classification}`;
      return interview.status === 'CLOSED' ? undefined : `interview status ${interview.status}`;
    });
    return done;
  }
}

const EXPECTED_RESULT: Record<PathName, Status> = {
  attended: 'ATTENDED',
  'no-show-annotated': 'CLOSED',
  'reschedule-before-start': 'ATTENDED',
  'reschedule-after-no-show': 'ATTENDED',
  'cancel-early': 'CANCELLED',
  'cancel-late': 'CLOSED',
  'annotation-expired': 'CLOSED',
};

/**
 * Fixed stand-ins for what names the recording machine: worker and client
 * identities ("<pid>@<host>") and sticky task queues. Replay reads none of them.
 */
function scrubHostDetails(historyJson: string, taskQueue: string): string {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'identity' && typeof x === 'string') out[k] = 'recorder';
      else if (k === 'workerInstanceKey' && typeof x === 'string') out[k] = 'recorder';
      else if (k === 'taskQueue' && x && typeof x === 'object') {
        const q = x as { name?: string; kind?: string; normalName?: string };
        const sticky = q.kind === 'TASK_QUEUE_KIND_STICKY';
        out[k] = { ...q, name: sticky ? 'recorder-sticky' : q.name === taskQueue ? 'turnout-interviews' : q.name, ...(q.normalName ? { normalName: 'turnout-interviews' } : {}) };
      } else out[k] = walk(x);
    }
    return out;
  };
  return `${JSON.stringify(walk(JSON.parse(historyJson)), null, 2)}\n`;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((p) => !(PATHS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`unknown path(s): ${unknown.join(', ')}; known: ${PATHS.join(', ')}`);
  const paths = (wanted.length ? wanted : [...PATHS]) as PathName[];

  const started = Date.now();
  // The worker's per-activity INFO lines would drown the summary.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const h = await startHarness();
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE ?? 'turnout-interviews';
  try {
    const r = new Recorder(h);
    const drivers: Record<PathName, () => Promise<PathResult>> = {
      attended: () => r.attended(),
      'no-show-annotated': () => r.noShowAnnotated(),
      'reschedule-before-start': () => r.rescheduleBeforeStart(),
      'reschedule-after-no-show': () => r.rescheduleAfterNoShow(),
      'cancel-early': () => r.cancelEarly(),
      'cancel-late': () => r.cancelLate(),
      'annotation-expired': () => r.annotationExpired(),
    };
    const outcomes = await Promise.allSettled(paths.map((p) => drivers[p]()));
    const failures: string[] = [];
    const runs: Recorded[] = [];
    outcomes.forEach((o, i) => {
      const path = paths[i]!;
      if (o.status === 'rejected') failures.push(`${path}: ${(o.reason as Error).stack ?? String(o.reason)}`);
      else if (o.value.result !== EXPECTED_RESULT[path]) failures.push(`${path}: the workflow returned ${o.value.result}, expected ${EXPECTED_RESULT[path]}`);
      else runs.push(...o.value.runs);
    });
    if (failures.length) throw new Error(`not recorded:\n${failures.join('\n')}`);

    mkdirSync(FIXTURE_DIR, { recursive: true });
    for (const run of runs) {
      const history = await h.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const text = scrubHostDetails(historyToJson(history), taskQueue);
      const found = personalDataIn(text);
      if (found.length) throw new Error(`${run.name}: the history holds personal data (${found.join(', ')}); not written`);
      const file = join(FIXTURE_DIR, `${run.name}.json`);
      writeFileSync(file, text);
      console.log(`${run.name}: ${history.events?.length ?? 0} events`);
    }
    console.log(`recorded ${runs.length} histories in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await h.close();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack ?? err.message);
    process.exitCode = 1;
  });
}
