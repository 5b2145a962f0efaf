/**
 * Records one real history of the interview workflow per path into
 * test/fixtures/histories/<generation>/; test/replay.test.ts replays them
 * against the current workflow code, so a change to workflows/ that would
 * send an execution already running down another path fails CI.
 *
 * One generation (GENERATION below): every path recorded on the current code.
 *
 *   npx tsx test/support/record-histories.ts            every path; the generation is replaced whole
 *   npx tsx test/support/record-histories.ts <path> …   only these paths (and their continued runs)
 *
 * Until the first release (the v1.0.0 tag) no execution runs anywhere, so a
 * change may alter the workflow freely; it re-records the generation with the
 * first command and commits the new histories with the change. From v1.0.0
 * on, a released generation is never re-recorded: it guards the executions
 * started on its code. A change that keeps the same commands in the same
 * order records nothing (the replay must pass as it is); a change to what a
 * running execution does is versioned (Worker Versioning or `patched()`, see
 * the README) and records a new generation beside the released one: give
 * GENERATION the next name (a new directory), keep the released directories,
 * make test/replay.test.ts replay every one of them, then run the command.
 *
 * Running it. With nothing set, the recorder starts what jest's global setup
 * starts (test/support/test-stack.ts): a Temporal dev server with Turnout's
 * search attributes and a fresh migrated database (on the PostgreSQL server
 * of DATABASE_URL when it is set, else embedded PGlite in the recorder's own
 * process, which is slower), and stops it at the end. With TEMPORAL_ADDRESS
 * set it uses that server instead, and DATABASE_URL as the (migrated)
 * database itself, with TEMPORAL_TASK_QUEUE, TURNOUT_MASTER_KEY and
 * TURNOUT_JWT_SECRET set too.
 *
 * Messages go to local stand-ins of the Twilio and SendGrid APIs
 * (dev/standins/), through the real SDKs, exactly as
 * test/notifications.test.ts drives them: the notification paths script the
 * stand-ins' refusals and post signed delivery receipts. Paths run side by
 * side on one worker with second-long policies; the two that script a
 * stand-in's answers run alone afterwards, so a scripted refusal reaches only
 * their message. The quiet-hours path waits for a night that ends on a whole
 * minute, so a full recording takes one to two minutes. A path that a slow
 * machine sent down another branch (a message abandoned at the start, a
 * reminder never planned) is refused, and nothing is written: run it again.
 *
 * Before anything is written every path must have reached its expected state
 * (the workflow's result and what it left in the database), and each history
 * is checked for personal data and for details of the recording machine;
 * host-specific strings (worker identities, sticky task queue names, the run's
 * task queue, stack traces) are replaced by fixed ones first. Replay does not
 * read them.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as proto from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { DateTime } from 'luxon';
import type { Classification, Status } from '../../domain/interview';
import { NOTIFICATION_ARG } from '../../domain/receipts';
import { annotateUpdate, rescheduleUpdate, stateQuery, type InterviewState } from '../../workflows/definitions';
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
import type { AcceptedMessage } from '../../dev/standins/http-standin';
import { SendGridSigner, SendGridStandIn, sendgridEvent } from '../../dev/standins/sendgrid';
import { TwilioStandIn, twilioError } from '../../dev/standins/twilio';

/** The lifecycle paths. */
export const LIFECYCLE_PATHS = [
  'attended',
  'no-show-annotated',
  'reschedule-before-start',
  'reschedule-after-no-show',
  'cancel-early',
  'cancel-late',
  'annotation-expired',
  /** The login reaches the workflow after the no-show was recorded, its own time inside the window: withdrawn. */
  'no-show-withdrawn',
] as const;

/** Paths through the notification rules: fallback, the message deadline, receipts, quiet hours. */
export const NOTIFICATION_PATHS = [
  /** Twilio refuses the confirmation for good (21211): the same message goes by e-mail. */
  'sms-rejected-fallback',
  /** Twilio answers 500 until the start: MESSAGE_ABANDONED, the window opens on time, then a no-show. */
  'provider-down-until-start',
  /** SendGrid accepts, then its bounce receipt signals messageUndeliverable: the message goes by SMS. */
  'bounce-fallback',
  /** A reminder due in the candidate's night is deferred to its end, then sent before the start. */
  'quiet-hours-deferred',
] as const;

export const PATHS = [...LIFECYCLE_PATHS, ...NOTIFICATION_PATHS] as const;
export type PathName = (typeof PATHS)[number];

/**
 * Runs that are not the first of their path: after a continue-as-new the next
 * run starts from carried state, a branch the first runs never take.
 */
export const CONTINUED_RUNS = ['reschedule-after-no-show.continued'] as const;

export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'histories');

/** The generation the current workflow code records, and where its histories live. */
export const GENERATION = { name: 'v1', dir: join(FIXTURE_DIR, 'v1') } as const;

/** The history files of a path: its first run and the runs it continued as. */
function runNames(path: PathName): string[] {
  return [path, ...CONTINUED_RUNS.filter((c) => c.startsWith(`${path}.`))];
}

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

/** The provider stand-ins the worker's transport and the API's receipt checks are configured for. */
interface Providers {
  twilio: TwilioStandIn;
  sendgrid: SendGridStandIn;
  signer: SendGridSigner;
}

/** Where Twilio posts receipts, as the product is configured (the signature covers it); never called. */
const TWILIO_CALLBACK_URL = 'https://turnout.example.test/v1/webhooks/twilio/status';

/** The product's provider settings, pointed at the stand-ins, as test/notifications.test.ts sets them. */
function providerEnv(p: Providers): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: p.twilio.accountSid,
    TWILIO_AUTH_TOKEN: p.twilio.authToken,
    TWILIO_MESSAGING_SERVICE_SID: p.twilio.messagingServiceSid,
    TWILIO_STATUS_CALLBACK_URL: TWILIO_CALLBACK_URL,
    TWILIO_API_BASE_URL: p.twilio.url,
    SENDGRID_API_KEY: p.sendgrid.apiKey,
    SENDGRID_FROM_EMAIL: 'reminders@turnout.example.test',
    SENDGRID_API_BASE_URL: p.sendgrid.url,
    SENDGRID_WEBHOOK_PUBLIC_KEY: p.signer.publicKeyBase64,
    PROVIDER_TIMEOUT_MS: '1000',
  };
}

class Recorder {
  constructor(
    private readonly h: Harness,
    private readonly p: Providers,
  ) {}

  /** The interview's row id (the workflow carries it; the platform's id is another). */
  async interviewRow(workflowId: string): Promise<string> {
    // The workflow writes it in its first activity, which may still be running when confirm() returns.
    const row = await eventually(
      async () => (await this.h.prisma.interview.findUnique({ where: { workflowId } })) ?? undefined,
      20_000,
      `${workflowId}: the interview row`,
    );
    return row.id;
  }

  notifications(interviewRowId: string) {
    return this.h.prisma.notification.findMany({ where: { interviewId: interviewRowId }, orderBy: [{ attemptedAt: 'asc' }, { channel: 'asc' }] });
  }

  /** The interview's evidence trail, oldest first. */
  async trail(interviewRowId: string): Promise<{ kind: string; at: Date; data: Record<string, unknown> }[]> {
    const rows = await this.h.prisma.evidence.findMany({ where: { interviewId: interviewRowId }, orderBy: { seq: 'asc' } });
    return rows.map((e) => ({ kind: e.kind, at: e.at, data: e.data as Record<string, unknown> }));
  }

  /** Waits for `count` messages of the interview, each SENT or FAILED. */
  async settled(path: string, interviewRowId: string, count: number) {
    return eventually(async () => {
      const rows = await this.notifications(interviewRowId);
      return rows.length === count && rows.every((r) => r.status === 'SENT' || r.status === 'FAILED') ? rows : undefined;
    }, 30_000, `${path}: ${count} settled message(s)`);
  }

  /** One SendGrid event for an accepted e-mail, signed and posted as SendGrid's event webhook does. */
  async sendgridEvents(path: string, m: AcceptedMessage, event: string, extra: Record<string, unknown> = {}) {
    const raw = JSON.stringify([sendgridEvent(m, event, extra)]);
    const res = await this.h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/sendgrid/events',
      headers: { 'content-type': 'application/json', ...this.p.signer.headers(raw) },
      payload: raw,
    });
    if (res.statusCode !== 200) throw new Error(`${path}: the SendGrid ${event} event answered ${res.statusCode} ${res.body}`);
    return res.json() as { recorded: number; duplicates: number; unknown: number };
  }

  async confirm(tenant: TestTenant, path: string, startsAt: Date, channels?: string[]): Promise<{ interviewId: string; workflowId: string }> {
    const event = confirmedEvent({ interviewId: `iv-${path}`, startsAt, channels });
    const res = await postEvent(this.h, tenant, event);
    if (res.statusCode !== 202) throw new Error(`${path}: confirmation answered ${res.statusCode} ${res.body}`);
    const { workflowId } = res.json() as { workflowId: string };
    // Updates are rejected until the plan is in place. `next` is set before it is (step "confirmation"),
    // `startsAt` in the same step as the plan, once the confirmation is accepted.
    await eventually(async () => ((await this.state(workflowId)).startsAt ? true : undefined), 20_000, `${path} planned`);
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

  /**
   * A message abandoned at the start (its retries end there) or left
   * pending means a slow machine sent this path down another branch than the
   * one it is meant to record; only provider-down-until-start takes it on purpose.
   */
  async checkMessages(path: PathName, workflowId: string): Promise<void> {
    const rows = await this.notifications(await this.interviewRow(workflowId));
    const abandoned = rows.filter((r) => r.error?.includes('abandoned at the interview start')).map((r) => `${r.point}/${r.channel}`);
    const expected = path === 'provider-down-until-start' ? ['confirmation/sms'] : [];
    if (JSON.stringify(abandoned) !== JSON.stringify(expected)) {
      throw new Error(`${path}: messages abandoned at the start: ${abandoned.join(', ') || 'none'}, expected ${expected.join(', ') || 'none'} (a slow machine: record again)`);
    }
    const pending = rows.filter((r) => r.status === 'PENDING').map((r) => `${r.point}/${r.channel}`);
    if (pending.length) throw new Error(`${path}: messages still pending: ${pending.join(', ')}`);
  }

  // ---- the paths ----------------------------------------------------------------
  //
  // Starts are seconds away, with a few seconds of slack: a send still retrying
  // at the start is abandoned, and a reminder already due when the workflow
  // starts is never planned. On a loaded two-core machine tighter starts sent
  // paths down those branches (checkMessages refuses that).

  async attended(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const startsAt = at(10_000);
    const { interviewId, workflowId } = await this.confirm(tenant, 'attended', startsAt);
    await sleep(startsAt.getTime() + 500 - Date.now());
    await this.login(tenant, 'attended', interviewId);
    const done = await this.finish('attended', workflowId);
    // The path with every reminder on both channels: none skipped at planning, none abandoned.
    await this.expectDb('attended', async () => {
      const sent = (await this.notifications(await this.interviewRow(workflowId))).map((n) => `${n.point}/${n.channel}/${n.status}`).sort();
      const expected = ['confirmation', 'PT2S', 'PT4S'].flatMap((p) => [`${p}/email/SENT`, `${p}/sms/SENT`]).sort();
      return JSON.stringify(sent) === JSON.stringify(expected) ? undefined : `messages: ${sent.join(', ')}`;
    });
    return done;
  }

  async noShowAnnotated(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const { workflowId } = await this.confirm(tenant, 'no-show-annotated', at(6000), ['sms']);
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
      // The reminders not repeated, and the notice of the move (domain/notices.ts), named by its time.
      const points = (await this.h.prisma.notification.findMany({ where: { interviewId: interview.id } }))
        .map((n) => n.point.replace(/^moved-\d+$/, 'moved'))
        .sort();
      return JSON.stringify(points) === JSON.stringify(['PT4S', 'PT8S', 'confirmation', 'moved']) ? undefined : `notifications sent: ${points.join(', ')}`;
    });
    return done;
  }

  async rescheduleAfterNoShow(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const path = 'reschedule-after-no-show';
    const { interviewId, workflowId } = await this.confirm(tenant, path, at(6000), ['sms']);
    await this.waitForStatus(workflowId, 'NO_SHOW');
    const firstRunId = await this.runId(workflowId);
    const newStart = at(8000);
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
    const { workflowId } = await this.confirm(tenant, path, at(6000), ['sms']);
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

  async noShowWithdrawn(): Promise<PathResult> {
    const tenant = await createTestTenant(this.h, FAST_POLICY);
    const path = 'no-show-withdrawn';
    const startsAt = at(6000);
    const { interviewId, workflowId } = await this.confirm(tenant, path, startsAt, ['sms']);
    await this.waitForStatus(workflowId, 'NO_SHOW');
    await eventually(
      async () => ((await this.h.prisma.hrAlert.count({ where: { interview: { workflowId }, kind: 'NO_SHOW' } })) ? true : undefined),
      20_000,
      `${path}: the no-show alert`,
    );
    // As a platform delivers it after an outage: the login happened one second after the start.
    await this.event(tenant, path, candidateEvent('candidate.logged_in', interviewId, new Date(startsAt.getTime() + 1000)));
    const done = await this.finish(path, workflowId);
    await this.expectDb(path, async () => {
      const interview = await this.h.prisma.interview.findUniqueOrThrow({ where: { workflowId } });
      const record = await this.h.prisma.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId: interview.id, attempt: 1 } } });
      if (!record?.withdrawnAt) return 'the no-show record was not withdrawn';
      const open = await this.h.prisma.hrAlert.count({ where: { interviewId: interview.id, resolvedAt: null } });
      return open === 0 ? undefined : `${open} HR alert(s) left unresolved`;
    });
    return done;
  }

  // ---- paths through the notification rules -----------------------------------------

  async smsRejectedFallback(): Promise<PathResult> {
    // Runs alone: the scripted refusal is the next SMS send, which is this path's confirmation.
    const path = 'sms-rejected-fallback';
    const tenant = await createTestTenant(this.h, { ...FAST_POLICY, reminderOffsets: [] });
    const { phone } = confirmedEvent().data.candidate;
    this.p.twilio.reset();
    this.p.sendgrid.reset();
    this.p.twilio.script = [twilioError(400, 21211, `The 'To' number ${phone} is not a valid phone number.`)];
    const startsAt = at(8000);
    const { interviewId, workflowId } = await this.confirm(tenant, path, startsAt, ['sms']);
    const row = await this.interviewRow(workflowId);
    const rows = await this.settled(path, row, 2);
    await this.expectDb(path, async () => {
      const sms = rows.find((r) => r.channel === 'sms');
      const email = rows.find((r) => r.channel === 'email');
      if (sms?.status !== 'FAILED' || !sms.error?.includes('21211')) return `the SMS is ${sms?.status} (${sms?.error})`;
      if (email?.status !== 'SENT' || email.transport !== 'sendgrid' || email.point !== 'confirmation') return `the e-mail is ${email?.status} via ${email?.transport}`;
      if (this.p.twilio.sends().length !== 1) return `Twilio was asked ${this.p.twilio.sends().length} times`;
      const messages = (await this.trail(row)).filter((e) => e.kind.startsWith('MESSAGE_'));
      const seen = messages.map((e) => `${e.kind}/${e.data.channel}/${e.data.code ?? e.data.fallbackFor ?? ''}`);
      return JSON.stringify(seen) === JSON.stringify(['MESSAGE_REJECTED/sms/21211', 'MESSAGE_SENT/email/sms']) ? undefined : `message evidence: ${seen.join(', ')}`;
    });
    await sleep(startsAt.getTime() + 500 - Date.now());
    await this.login(tenant, path, interviewId);
    return this.finish(path, workflowId);
  }

  async providerDownUntilStart(): Promise<PathResult> {
    // Runs alone: every SMS send until the start gets Twilio's 500.
    const path = 'provider-down-until-start';
    const tenant = await createTestTenant(this.h, { ...FAST_POLICY, reminderOffsets: [] });
    this.p.twilio.reset();
    this.p.twilio.script = Array.from({ length: 30 }, () => twilioError(500, 20500, 'Internal Server Error'));
    const startsAt = at(6000);
    let tries: number;
    let workflowId: string;
    try {
      ({ workflowId } = await this.confirm(tenant, path, startsAt, ['sms']));
      await this.waitForStatus(workflowId, 'NO_SHOW');
      tries = this.p.twilio.sends().length;
    } finally {
      this.p.twilio.script = [];
    }
    const row = await this.interviewRow(workflowId);
    await this.expectDb(path, async () => {
      const [sms, ...others] = await this.notifications(row);
      if (others.length) return `${others.length + 1} messages, expected the one SMS`;
      if (sms?.status !== 'FAILED' || !sms.error?.includes('abandoned at the interview start')) return `the SMS is ${sms?.status} (${sms?.error})`;
      if (tries < 2) return `Twilio was tried ${tries} time(s) before the start, expected retries`;
      const trail = await this.trail(row);
      const abandoned = trail.findIndex((e) => e.kind === 'MESSAGE_ABANDONED' && e.data.channel === 'sms' && e.data.point === 'confirmation');
      const opened = trail.findIndex((e) => e.kind === 'WINDOW_OPENED');
      if (abandoned < 0 || opened < abandoned) return `evidence: ${trail.map((e) => e.kind).join(', ')}`;
      const late = trail[opened]!.at.getTime() - startsAt.getTime();
      return late < 2000 ? undefined : `the window opened ${late} ms after the start`;
    });
    const state = await this.annotate(tenant, workflowId, 'UNREACHABLE');
    if (state.status !== 'CLOSED') throw new Error(`${path}: annotation answered ${state.status}`);
    const done = await this.finish(path, workflowId);
    await this.expectDb(path, async () => {
      const record = await this.h.prisma.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId: row, attempt: 1 } } });
      return record?.kind === 'NO_SHOW' && record.classification === 'UNREACHABLE' ? undefined : `record ${record?.kind} ${record?.classification}`;
    });
    return done;
  }

  async bounceFallback(): Promise<PathResult> {
    // E-mail only; SendGrid accepts, then bounces it: the workflow sends the same confirmation by SMS.
    const path = 'bounce-fallback';
    const tenant = await createTestTenant(this.h, { ...FAST_POLICY, reminderOffsets: [] });
    const startsAt = at(12_000);
    const { interviewId, workflowId } = await this.confirm(tenant, path, startsAt, ['email']);
    const row = await this.interviewRow(workflowId);
    const [email] = await this.settled(path, row, 1);
    if (email?.status !== 'SENT' || email.channel !== 'email') throw new Error(`${path}: the e-mail is ${email?.status}`);
    // Other paths send at the same time: this path's message is the one carrying its notification id.
    const m = this.p.sendgrid.accepted.find((a) => (a.request as { custom_args?: Record<string, string> }).custom_args?.[NOTIFICATION_ARG] === email.id);
    if (!m) throw new Error(`${path}: SendGrid never accepted notification ${email.id}`);
    const { email: address } = confirmedEvent().data.candidate;
    const bounce = { type: 'bounce', status: '5.1.1', bounce_classification: 'Invalid Address', reason: `550 5.1.1 <${address}>: Recipient address rejected: User unknown` };
    const first = await this.sendgridEvents(path, m, 'bounce', bounce);
    if (first.recorded !== 1) throw new Error(`${path}: the bounce answered ${JSON.stringify(first)}`);
    const rows = await this.settled(path, row, 2);
    await this.expectDb(path, async () => {
      const sms = rows.find((r) => r.channel === 'sms');
      if (sms?.status !== 'SENT' || sms.transport !== 'twilio' || sms.point !== 'confirmation') return `the SMS is ${sms?.status} via ${sms?.transport}`;
      const bounced = await this.h.prisma.notification.findUniqueOrThrow({ where: { id: email.id } });
      if (bounced.deliveryStatus !== 'bounced') return `the e-mail's delivery status is ${bounced.deliveryStatus}`;
      const seen = (await this.trail(row)).filter((e) => e.kind.startsWith('MESSAGE_')).map((e) => `${e.kind}/${e.data.channel}/${e.data.status ?? e.data.fallbackFor ?? ''}`);
      return JSON.stringify(seen) === JSON.stringify(['MESSAGE_SENT/email/', 'MESSAGE_RECEIPT/email/bounced', 'MESSAGE_SENT/sms/email'])
        ? undefined
        : `message evidence: ${seen.join(', ')}`;
    });
    await sleep(startsAt.getTime() + 500 - Date.now());
    await this.login(tenant, path, interviewId);
    return this.finish(path, workflowId);
  }

  async quietHoursDeferred(): Promise<PathResult> {
    // Quiet hours are whole minutes in the candidate's zone: a night from a
    // minute ago to the next whole minute at least 25 s away. The one reminder
    // is due in ~10 s, in the night; the start is 6 s after the night ends, so
    // the reminder is deferred to the night's end, sent then, and the candidate attends.
    const path = 'quiet-hours-deferred';
    const zone = confirmedEvent().data.candidate.timezone;
    const now = DateTime.now().setZone(zone);
    let nightEnds = now.startOf('minute').plus({ minutes: 1 });
    if (nightEnds.toMillis() - Date.now() < 25_000) nightEnds = nightEnds.plus({ minutes: 1 });
    const quietHours = { start: now.minus({ minutes: 1 }).toFormat('HH:mm'), end: nightEnds.toFormat('HH:mm') };
    const startsAt = new Date(nightEnds.toMillis() + 6000);
    const offsetS = Math.floor((startsAt.getTime() - Date.now() - 10_000) / 1000);
    const point = `PT${offsetS}S`;
    const dueAt = startsAt.getTime() - offsetS * 1000;
    const tenant = await createTestTenant(this.h, { ...FAST_POLICY, reminderOffsets: [point], quietHours, channels: ['sms'] });
    const { interviewId, workflowId } = await this.confirm(tenant, path, startsAt, ['sms']);
    const row = await this.interviewRow(workflowId);
    const planned = await eventually(async () => {
      const s = await this.state(workflowId);
      return s.next && s.next.step !== 'confirmation' ? s.next : undefined;
    }, 20_000, `${path}: the confirmation sent`);
    if (planned.step !== `reminder ${point}`) {
      throw new Error(`${path}: next is ${JSON.stringify(planned)}, not the ${point} reminder: it was due before the confirmation was accepted (a slow machine: record again)`);
    }
    const deferred = await eventually(
      async () => (await this.trail(row)).find((e) => e.kind === 'REMINDER_DEFERRED'),
      dueAt - Date.now() + 20_000,
      `${path}: REMINDER_DEFERRED`,
    );
    await this.expectDb(path, async () => {
      if (deferred.data.point !== point) return `deferred ${String(deferred.data.point)}, not ${point}`;
      if (Date.parse(String(deferred.data.sendAt)) !== nightEnds.toMillis()) return `deferred to ${String(deferred.data.sendAt)}, not to the night's end ${nightEnds.toISO()}`;
      const state = await this.state(workflowId);
      if (state.next?.step !== `reminder ${point}` || state.next.at !== new Date(nightEnds.toMillis()).toISOString()) return `the workflow waits for ${JSON.stringify(state.next)}`;
      const early = await this.h.prisma.notification.count({ where: { interviewId: row, point } });
      return early === 0 ? undefined : 'the reminder went out in the night';
    });
    const sent = await eventually(
      async () => (await this.h.prisma.notification.findMany({ where: { interviewId: row, point, status: 'SENT' } }))[0],
      nightEnds.toMillis() - Date.now() + 20_000,
      `${path}: the deferred reminder sent`,
    );
    await this.expectDb(path, async () =>
      sent.channel === 'sms' && sent.sentAt && sent.sentAt.getTime() >= nightEnds.toMillis() && sent.sentAt.getTime() < startsAt.getTime()
        ? undefined
        : `the reminder went out at ${sent.sentAt?.toISOString()} on ${sent.channel}, the night ended at ${nightEnds.toISO()}`,
    );
    await sleep(startsAt.getTime() + 500 - Date.now());
    await this.login(tenant, path, interviewId);
    return this.finish(path, workflowId);
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
  'no-show-withdrawn': 'ATTENDED',
  'sms-rejected-fallback': 'ATTENDED',
  'provider-down-until-start': 'CLOSED',
  'bounce-fallback': 'ATTENDED',
  'quiet-hours-deferred': 'ATTENDED',
};

/**
 * Paths that script a stand-in's next answers (which the stand-in gives to
 * whichever send comes next): each runs alone, after the others have finished.
 */
const RUNS_ALONE: readonly PathName[] = ['sms-rejected-fallback', 'provider-down-until-start'];

/**
 * Fixed stand-ins for what names the recording machine or the run: worker and
 * client identities ("<pid>@<host>"), sticky task queues, the run's task queue
 * and its per-channel queues, and failure stack traces (file paths). Replay
 * reads none of them: the workflow names its channel queues after the task
 * queue of the history's first event, which is replaced the same way.
 */
function scrubHostDetails(historyJson: string, taskQueue: string): string {
  const queue = (name: string | undefined) =>
    name === taskQueue ? 'turnout-interviews' : name?.startsWith(`${taskQueue}-`) ? `turnout-interviews-${name.slice(taskQueue.length + 1)}` : name;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'identity' && typeof x === 'string') out[k] = 'recorder';
      else if (k === 'workerInstanceKey' && typeof x === 'string') out[k] = 'recorder';
      else if (k === 'stackTrace' && typeof x === 'string') out[k] = '';
      else if (k === 'taskQueue' && x && typeof x === 'object') {
        const q = x as { name?: string; kind?: string; normalName?: string };
        const sticky = q.kind === 'TASK_QUEUE_KIND_STICKY';
        out[k] = { ...q, name: sticky ? 'recorder-sticky' : queue(q.name), ...(q.normalName ? { normalName: queue(q.normalName) } : {}) };
      } else out[k] = walk(x);
    }
    return out;
  };
  return `${JSON.stringify(walk(JSON.parse(historyJson)), null, 2)}\n`;
}

/** Strings that would name this machine or this run's services; none may reach a fixture. */
function hostDetails(taskQueue: string, providers: Providers): string[] {
  const repo = join(__dirname, '..', '..');
  const host = hostname();
  return [
    repo,
    homedir(),
    tmpdir(),
    taskQueue,
    providers.twilio.url,
    providers.sendgrid.url,
    process.env.TEMPORAL_ADDRESS ?? '',
    process.env.DATABASE_URL ?? '',
    ...(host.length >= 6 ? [host] : []),
  ].filter((x) => x.length > 1);
}

interface Options {
  /** Every path: the generation is replaced whole, files of paths no longer recorded included. */
  all: boolean;
  paths: PathName[];
}

function parseArgs(argv: string[]): Options {
  const option = argv.find((a) => a.startsWith('-'));
  if (option) throw new Error(`unknown option ${option}; usage: record-histories.ts [path …]`);
  const unknown = argv.filter((p) => !(PATHS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`unknown path(s): ${unknown.join(', ')}; known: ${PATHS.join(', ')}`);
  return argv.length ? { all: false, paths: [...new Set(argv)] as PathName[] } : { all: true, paths: [...PATHS] };
}

/** Runs the paths side by side, then those that script a stand-in one at a time; each settles on its own. */
async function drive(paths: PathName[], drivers: Record<PathName, () => Promise<PathResult>>, recorder: Recorder) {
  const run = async (path: PathName) => {
    const started = Date.now();
    let outcome: PromiseSettledResult<PathResult>;
    try {
      const value = await drivers[path]();
      for (const id of new Set(value.runs.map((x) => x.workflowId))) await recorder.checkMessages(path, id);
      outcome = { status: 'fulfilled', value };
    } catch (reason) {
      outcome = { status: 'rejected', reason };
    }
    return { path, ms: Date.now() - started, outcome };
  };
  const results = await Promise.all(paths.filter((p) => !RUNS_ALONE.includes(p)).map(run));
  for (const p of paths.filter((x) => RUNS_ALONE.includes(x))) results.push(await run(p));
  return results;
}

async function main(): Promise<void> {
  const { all, paths } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  // The worker's per-activity INFO lines would drown the summary.
  Runtime.install({ logger: new DefaultLogger('WARN') });

  // Without a Temporal server named, the same stack jest's global setup starts.
  let stopStack: (() => Promise<void>) | undefined;
  if (!process.env.TEMPORAL_ADDRESS) {
    const stack = await import('./test-stack');
    await stack.startTestStack();
    stopStack = stack.stopTestStack;
  }
  const providers: Providers = { twilio: new TwilioStandIn(), sendgrid: new SendGridStandIn(), signer: new SendGridSigner() };
  let h: Harness | undefined;
  try {
    await Promise.all([providers.twilio.start(), providers.sendgrid.start()]);
    Object.assign(process.env, providerEnv(providers));
    const { transportsFromConfig } = await import('../../activities/messaging/providers');
    const { providersConfig } = await import('../../lib/config');
    const { transport, chosen } = transportsFromConfig(providersConfig(), () => undefined);
    if (chosen.sms !== 'twilio' || chosen.email !== 'sendgrid') throw new Error(`the worker would send through ${JSON.stringify(chosen)}`);
    h = await startHarness({ transport });
    const taskQueue = process.env.TEMPORAL_TASK_QUEUE ?? 'turnout-interviews';
    const r = new Recorder(h, providers);
    const drivers: Record<PathName, () => Promise<PathResult>> = {
      attended: () => r.attended(),
      'no-show-annotated': () => r.noShowAnnotated(),
      'reschedule-before-start': () => r.rescheduleBeforeStart(),
      'reschedule-after-no-show': () => r.rescheduleAfterNoShow(),
      'cancel-early': () => r.cancelEarly(),
      'cancel-late': () => r.cancelLate(),
      'annotation-expired': () => r.annotationExpired(),
      'no-show-withdrawn': () => r.noShowWithdrawn(),
      'sms-rejected-fallback': () => r.smsRejectedFallback(),
      'provider-down-until-start': () => r.providerDownUntilStart(),
      'bounce-fallback': () => r.bounceFallback(),
      'quiet-hours-deferred': () => r.quietHoursDeferred(),
    };
    const outcomes = await drive(paths, drivers, r);
    const failures: string[] = [];
    const runs: Recorded[] = [];
    for (const { path, ms, outcome: o } of outcomes) {
      if (o.status === 'rejected') failures.push(`${path}: ${(o.reason as Error).stack ?? String(o.reason)}`);
      else if (o.value.result !== EXPECTED_RESULT[path]) failures.push(`${path}: the workflow returned ${o.value.result}, expected ${EXPECTED_RESULT[path]}`);
      else runs.push(...o.value.runs);
      console.log(`${path}: ${o.status === 'fulfilled' ? o.value.result : 'FAILED'} after ${(ms / 1000).toFixed(1)} s`);
    }
    if (failures.length) throw new Error(`not recorded:\n${failures.join('\n')}`);

    // Every history is checked before any is written: the recording is written whole or not at all.
    const where = relative(join(__dirname, '..', '..'), GENERATION.dir);
    const files: { name: string; text: string; events: number }[] = [];
    const hostNeedles = hostDetails(taskQueue, providers);
    for (const run of runs) {
      const history = await h.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const text = scrubHostDetails(historyToJson(history), taskQueue);
      const found = personalDataIn(text);
      if (found.length) throw new Error(`${run.name}: the history holds personal data (${found.join(', ')}); nothing written`);
      const host = personalDataIn(text, hostNeedles);
      if (host.length) throw new Error(`${run.name}: the history names this machine or run (${host.length} string(s)); nothing written`);
      files.push({ name: run.name, text, events: history.events?.length ?? 0 });
    }
    const expected = paths.flatMap(runNames).sort();
    const got = files.map((f) => f.name).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`recorded ${got.join(', ')}, expected ${expected.join(', ')}; nothing written`);
    if (all) rmSync(GENERATION.dir, { recursive: true, force: true });
    mkdirSync(GENERATION.dir, { recursive: true });
    for (const f of files) {
      writeFileSync(join(GENERATION.dir, `${f.name}.json`), f.text);
      console.log(`${GENERATION.name}/${f.name}: ${f.events} events`);
    }
    console.log(`recorded ${files.length} histories of generation ${GENERATION.name} into ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await h?.close();
    await Promise.all([providers.twilio.close(), providers.sendgrid.close()]);
    await stopStack?.();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack ?? err.message);
    process.exitCode = 1;
  });
}
