/**
 * What a run did, read from the outside: the stand-ins' arrival times, the
 * database the activities keep, and real Temporal histories. Nothing here
 * asks the product to report on itself.
 */
import { Client as PgClient } from 'pg';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { poolConfigFromUrl } from '../lib/database-url';
import { durationMs } from '../domain/policy';
import type { AcceptedMessage } from '../dev/standins/http-standin';
import type { SendGridStandIn } from '../dev/standins/sendgrid';
import type { TwilioStandIn } from '../dev/standins/twilio';
import { interviewWorkflowId, UPCOMING_STATUSES } from '../domain/interview';
import type { EventOutcome, WorkloadRun } from './workload';

export interface Spread {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** Nearest-rank percentiles, milliseconds rounded. */
export function spread(values: number[]): Spread {
  if (values.length === 0) return { n: 0, p50: null, p99: null, max: null, mean: null };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: Math.round(s.at(-1)!), mean: Math.round(s.reduce((a, b) => a + b, 0) / s.length) };
}

export interface BenchPolicy {
  reminderOffsets: string[];
  grace: string;
}

interface InterviewRow {
  id: string;
  externalId: string;
  workflowId: string;
  status: string;
  startsAt: Date;
}

interface NotificationRow {
  id: string;
  interviewId: string;
  point: string;
  channel: string;
  dueAt: Date;
  status: string;
}

/** The notification a stand-in's message was sent for: Twilio's callback URL and SendGrid's custom arg carry it. */
function notificationOf(provider: 'twilio' | 'sendgrid', m: AcceptedMessage): string | undefined {
  if (provider === 'twilio') {
    const callback = (m.request as Record<string, string>).StatusCallback;
    if (!callback) return undefined;
    try {
      return new URL(callback).searchParams.get('notification') ?? undefined;
    } catch {
      return undefined;
    }
  }
  const mail = m.request as { custom_args?: Record<string, string>; personalizations?: Array<{ custom_args?: Record<string, string> }> };
  return mail.custom_args?.turnoutNotificationId ?? mail.personalizations?.[0]?.custom_args?.turnoutNotificationId;
}

export interface Correctness {
  confirmationsSent: number;
  confirmationsAccepted: number;
  /** Never accepted within the retry budget (not lost: the platform knows it failed). */
  confirmationsRefused: number;
  loginsAccepted: number;
  loginsRefused: number;
  remindersExpected: number;
  remindersReceived: number;
  remindersMissing: number;
  /** Each missing reminder; `attempted` when the workflow created its notification row. */
  missingDetail: Array<{ interviewId: string; point: string; channel: string; dueAt: string; startsAt: string; attempted: boolean }>;
  /** Due between the request and its 202: either outcome is right. */
  remindersBorderline: number;
  /** Due before the confirmation reached the API: skipped by design. */
  remindersSkippedByDesign: number;
  /** After the start: allowed (never skipped once planned) but worth knowing. */
  remindersAfterStart: number;
  confirmationMessagesExpected: number;
  confirmationMessagesReceived: number;
  /** Notifications the stand-ins accepted more than once. */
  duplicates: number;
  duplicateDetail: Array<{ notificationId: string; point: string; channel: string; copies: number }>;
  /** Stand-in messages that name no known notification. */
  unattributedMessages: number;
  /** Accepted, not final when measured, workflow still running: late (a backlog), not lost. */
  interviewsNotFinal: number;
  /** Accepted, not final, and no running workflow will ever finish it (missing, failed, terminated). */
  interviewsLost: number;
  lostDetail: string[];
  /** Final, but not the state the events call for. */
  interviewsWrongState: number;
  wrongStateDetail: string[];
  /** Candidates who never logged in (no login accepted): each should leave a standing no-show. */
  noShowsExpected: number;
  /** No-show records that stand (not withdrawn). */
  noShowsRecorded: number;
  /** No-shows recorded and then withdrawn by a login whose own time was inside the window. */
  noShowsWithdrawn: number;
  /** Logins whose own time (`at`) was inside the window but that the API accepted only after start + grace (held back by a fault). */
  loginsDeliveredAfterGrace: number;
  /** Logins whose own time (`at`) was after start + grace: NO_SHOW with a LATE_LOGIN row is right. */
  lateLogins: number;
  /** Accepted events that left no trace (an interview, a LOGIN or LATE_LOGIN row). */
  eventsLost: number;
  eventsLostDetail: string[];
  finalStates: Record<string, number>;
}

export interface Timeliness {
  apiIngest: { eventsPerSecond: number; latency: Spread; loginLatency: Spread; spanSeconds: number };
  reminderLatenessMs: Spread;
  reminderLatenessByPoint: Record<string, Spread>;
  confirmationMessageAfter202Ms: Spread;
  noShowDetectionMs: Spread;
  noShowCommittedMs: Spread;
  /** How late the driver sent logins against their plan: the load generator's own lag. */
  loginSendLagMs: Spread;
}

export interface Outcome {
  correctness: Correctness;
  timeliness: Timeliness;
  /** Per interview, for the history sample. */
  interviews: Array<{ externalId: string; workflowId: string; status: string; path: 'attended' | 'no-show' | 'other'; startsAt: number }>;
}

/**
 * Counts what is final now, for the run's interviews: ATTENDED rows, and
 * no-show records of interviews whose candidate did not log in inside the
 * window (`attending`: the platform's ids of those who did, which only
 * ATTENDED finishes, a withdrawn no-show included).
 */
export async function countFinal(databaseUrl: string, subsidiaryId: string, runId: string, attending: string[] = []): Promise<number> {
  const db = new PgClient(poolConfigFromUrl(databaseUrl));
  await db.connect();
  try {
    const r = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Interview" i
        WHERE i."subsidiaryId" = $1 AND i."externalId" LIKE $2
          AND (i.status = 'ATTENDED'
               OR (i."externalId" <> ALL($3::text[]) AND EXISTS (SELECT 1 FROM "NoShowRecord" r WHERE r."interviewId" = i.id)))`,
      [subsidiaryId, `${runId}-%`, attending],
    );
    return r.rows[0]!.n;
  } finally {
    await db.end();
  }
}

export async function measure(args: {
  databaseUrl: string;
  subsidiaryId: string;
  run: WorkloadRun;
  policy: BenchPolicy;
  twilio: TwilioStandIn;
  sendgrid: SendGridStandIn;
  /** Only messages that arrived at or after this time belong to the run (stand-ins are shared by phases). */
  since: number;
  channels: string[];
  /** The workflow's status (RUNNING, COMPLETED, FAILED, …, NOT_FOUND), to tell a backlog from a loss. */
  describe?: (workflowId: string) => Promise<string>;
}): Promise<Outcome> {
  const { run, policy } = args;
  const graceMs = durationMs(policy.grace, 'grace');
  const offsets = policy.reminderOffsets.map((o) => ({ point: o, ms: durationMs(o, 'offset') }));
  const db = new PgClient(poolConfigFromUrl(args.databaseUrl));
  await db.connect();
  let interviews: InterviewRow[];
  let notifications: NotificationRow[];
  let records: Array<{ interviewId: string; detectedAt: Date; committedAt: Date | null; withdrawn: boolean }>;
  let evidence: Array<{ interviewId: string; kind: string }>;
  try {
    const like = `${run.runId}-%`;
    interviews = (
      await db.query<InterviewRow>(
        `SELECT id, "externalId", "workflowId", status::text AS status, "startsAt" FROM "Interview" WHERE "subsidiaryId" = $1 AND "externalId" LIKE $2`,
        [args.subsidiaryId, like],
      )
    ).rows;
    notifications = (
      await db.query<NotificationRow>(
        `SELECT n.id, n."interviewId", n.point, n.channel, n."dueAt", n.status::text AS status FROM "Notification" n
           JOIN "Interview" i ON i.id = n."interviewId" WHERE i."subsidiaryId" = $1 AND i."externalId" LIKE $2`,
        [args.subsidiaryId, like],
      )
    ).rows;
    records = (
      await db.query(
        `SELECT r."interviewId", r."detectedAt", r."withdrawnAt" IS NOT NULL AS withdrawn,
                (SELECT e."recordedAt" FROM "Evidence" e WHERE e."interviewId" = r."interviewId" AND e.kind = 'NO_SHOW_RECORDED' LIMIT 1) AS "committedAt"
           FROM "NoShowRecord" r JOIN "Interview" i ON i.id = r."interviewId"
          WHERE i."subsidiaryId" = $1 AND i."externalId" LIKE $2 AND r.kind = 'NO_SHOW'`,
        [args.subsidiaryId, like],
      )
    ).rows;
    evidence = (
      await db.query(
        `SELECT e."interviewId", e.kind FROM "Evidence" e JOIN "Interview" i ON i.id = e."interviewId"
          WHERE i."subsidiaryId" = $1 AND i."externalId" LIKE $2 AND e.kind IN ('LOGIN', 'LATE_LOGIN')`,
        [args.subsidiaryId, like],
      )
    ).rows;
  } finally {
    await db.end();
  }

  const byExternal = new Map(interviews.map((i) => [i.externalId, i]));
  const byNotification = new Map(notifications.map((n) => [n.id, n]));
  // A withdrawn no-show (an in-window login arrived after it) is no no-show; it shows in noShowsWithdrawn.
  const recordByInterview = new Map(records.filter((r) => !r.withdrawn).map((r) => [r.interviewId, r]));
  const loginEvidence = new Set(evidence.map((e) => `${e.interviewId}:${e.kind}`));

  // ---- messages the stand-ins accepted ------------------------------------------
  const received = new Map<string, number[]>(); // notification id -> arrival times
  let unattributed = 0;
  for (const [provider, standIn] of [['twilio', args.twilio], ['sendgrid', args.sendgrid]] as const) {
    for (const m of standIn.accepted) {
      if (m.at < args.since) continue;
      const id = notificationOf(provider, m);
      if (!id || !byNotification.has(id)) {
        unattributed++;
        continue;
      }
      const list = received.get(id) ?? [];
      list.push(m.at);
      received.set(id, list);
    }
  }
  const duplicateDetail: Correctness['duplicateDetail'] = [];
  for (const [id, times] of received) {
    if (times.length > 1) {
      const n = byNotification.get(id)!;
      duplicateDetail.push({ notificationId: id, point: n.point, channel: n.channel, copies: times.length });
    }
  }
  const notifByKey = new Map(notifications.map((n) => [`${n.interviewId}:${n.point}:${n.channel}`, n]));
  const arrival = (interviewDbId: string, point: string, channel: string) => {
    const n = notifByKey.get(`${interviewDbId}:${point}:${channel}`);
    return n ? received.get(n.id)?.[0] : undefined;
  };

  // ---- per interview ----------------------------------------------------------------
  const confirmations = new Map<number, EventOutcome>(run.confirmations.map((c) => [c.index, c]));
  const logins = new Map<number, EventOutcome>(run.logins.map((l) => [l.index, l]));
  const c: Correctness = {
    confirmationsSent: run.confirmations.length,
    confirmationsAccepted: run.confirmations.filter((x) => x.acceptedAt !== undefined).length,
    confirmationsRefused: run.confirmations.filter((x) => x.acceptedAt === undefined).length,
    loginsAccepted: run.logins.filter((x) => x.acceptedAt !== undefined).length,
    loginsRefused: run.logins.filter((x) => x.acceptedAt === undefined).length,
    remindersExpected: 0,
    remindersReceived: 0,
    remindersMissing: 0,
    missingDetail: [],
    remindersBorderline: 0,
    remindersSkippedByDesign: 0,
    remindersAfterStart: 0,
    confirmationMessagesExpected: 0,
    confirmationMessagesReceived: 0,
    duplicates: duplicateDetail.reduce((a, d) => a + d.copies - 1, 0),
    duplicateDetail: duplicateDetail.slice(0, 20),
    unattributedMessages: unattributed,
    interviewsNotFinal: 0,
    interviewsLost: 0,
    lostDetail: [],
    interviewsWrongState: 0,
    wrongStateDetail: [],
    noShowsExpected: 0,
    noShowsRecorded: records.filter((r) => !r.withdrawn).length,
    noShowsWithdrawn: records.filter((r) => r.withdrawn).length,
    loginsDeliveredAfterGrace: 0,
    lateLogins: 0,
    eventsLost: 0,
    eventsLostDetail: [],
    finalStates: {},
  };
  const lateness: number[] = [];
  const latenessByPoint: Record<string, number[]> = Object.fromEntries(offsets.map((o) => [o.point, []]));
  const confirmationAfter202: number[] = [];
  const detection: number[] = [];
  const committed: number[] = [];
  const out: Outcome['interviews'] = [];
  const unfinished: Array<{ interviewId: string; workflowId: string; eventId?: string; what: string }> = [];

  for (const p of run.plan) {
    const conf = confirmations.get(p.index);
    if (!conf?.acceptedAt) continue;
    const startsAt = run.t0 + p.startOffsetMs;
    const deadline = startsAt + graceMs;
    const row = byExternal.get(p.interviewId);
    if (!row) {
      unfinished.push({ interviewId: p.interviewId, workflowId: interviewWorkflowId(args.subsidiaryId, p.interviewId), eventId: conf.eventId, what: 'no interview row yet' });
      continue;
    }
    c.finalStates[row.status] = (c.finalStates[row.status] ?? 0) + 1;
    const record = recordByInterview.get(row.id);

    // Reminders and the confirmation message, per channel.
    const sentAt = conf.acceptedAt - (conf.latencyMs ?? 0);
    for (const channel of args.channels) {
      c.confirmationMessagesExpected++;
      const confArrival = arrival(row.id, 'confirmation', channel);
      if (confArrival !== undefined) {
        c.confirmationMessagesReceived++;
        confirmationAfter202.push(confArrival - conf.acceptedAt);
      }
      for (const o of offsets) {
        const due = startsAt - o.ms;
        const got = arrival(row.id, o.point, channel);
        if (due <= sentAt) {
          c.remindersSkippedByDesign++;
          continue;
        }
        if (due <= conf.acceptedAt) {
          c.remindersBorderline++;
          if (got !== undefined) lateness.push(got - due);
          continue;
        }
        c.remindersExpected++;
        if (got === undefined) {
          c.remindersMissing++;
          c.missingDetail.push({
            interviewId: p.interviewId,
            point: o.point,
            channel,
            dueAt: new Date(due).toISOString(),
            startsAt: new Date(startsAt).toISOString(),
            attempted: notifByKey.has(`${row.id}:${o.point}:${channel}`),
          });
          continue;
        }
        c.remindersReceived++;
        lateness.push(got - due);
        latenessByPoint[o.point]!.push(got - due);
        if (got > startsAt) c.remindersAfterStart++;
      }
    }

    // The final state the events call for, judged as the product must judge it: by when the
    // login happened (its `at`, the planned moment the workload reports), not when it got through.
    const login = logins.get(p.index);
    const loginAccepted = login?.acceptedAt;
    const loginAt = login?.plannedAt;
    const final = row.status === 'ATTENDED' || record !== undefined;
    let path: 'attended' | 'no-show' | 'other' = row.status === 'ATTENDED' ? 'attended' : record ? 'no-show' : 'other';
    if (!final) {
      unfinished.push({ interviewId: p.interviewId, workflowId: row.workflowId, what: `${row.status} (start ${new Date(startsAt).toISOString()})` });
    } else if (loginAccepted === undefined) {
      c.noShowsExpected++;
      if (!record) {
        c.interviewsWrongState++;
        c.wrongStateDetail.push(`${p.interviewId}: ${row.status}, expected NO_SHOW (no login accepted)`);
      }
    } else if (loginAt! <= deadline) {
      if (loginAccepted > deadline) c.loginsDeliveredAfterGrace++;
      if (row.status !== 'ATTENDED') {
        c.interviewsWrongState++;
        c.wrongStateDetail.push(
          `${p.interviewId}: ${row.status}, expected ATTENDED (login at ${loginAt! - startsAt} ms after the start, accepted ${loginAccepted - startsAt} ms after it)`,
        );
      }
    } else {
      c.lateLogins++;
      if (row.status !== 'ATTENDED' && !loginEvidence.has(`${row.id}:LATE_LOGIN`)) {
        c.eventsLost++;
        c.eventsLostDetail.push(`${login!.eventId}: accepted after the grace period, no LATE_LOGIN evidence (interview ${row.status})`);
      }
      if (row.status !== 'ATTENDED') path = 'other';
    }
    if (loginAccepted !== undefined && row.status === 'ATTENDED' && !loginEvidence.has(`${row.id}:LOGIN`)) {
      c.eventsLost++;
      c.eventsLostDetail.push(`${login!.eventId}: ATTENDED without a LOGIN evidence row`);
    }
    if (record && loginAccepted === undefined) {
      detection.push(record.detectedAt.getTime() - deadline);
      if (record.committedAt) committed.push(record.committedAt.getTime() - deadline);
    }
    out.push({ externalId: p.interviewId, workflowId: row.workflowId, status: row.status, path, startsAt });
  }

  // Not final yet: a running workflow is a backlog; anything else means nobody will finish the interview.
  const statuses = args.describe ? await mapLimit(unfinished, 16, (u) => args.describe!(u.workflowId)) : unfinished.map(() => 'UNKNOWN');
  // The worker keeps working while this measures: a workflow that completed after the rows above
  // were read wrote its final state before it completed, so its row, read again now, shows it.
  // (A failed or terminated workflow stays lost, whatever its row says.)
  const endedSince = await rowsNowFinal(args.databaseUrl, unfinished.filter((_, i) => statuses[i] === 'COMPLETED').map((u) => u.workflowId));
  unfinished.forEach((u, i) => {
    const status = statuses[i]!;
    if (status === 'RUNNING' || endedSince.has(u.workflowId)) {
      c.interviewsNotFinal++;
      return;
    }
    c.interviewsLost++;
    c.lostDetail.push(`${u.interviewId}: ${u.what}, workflow ${status}`);
    if (u.eventId) {
      c.eventsLost++;
      c.eventsLostDetail.push(`${u.eventId}: accepted, no interview, workflow ${status}`);
    }
  });

  const acceptedConf = run.confirmations.filter((x) => x.acceptedAt !== undefined);
  const firstSent = Math.min(...run.confirmations.map((x) => x.firstSentAt));
  const lastAccepted = Math.max(...acceptedConf.map((x) => x.acceptedAt!));
  const span = (lastAccepted - firstSent) / 1000;
  return {
    correctness: c,
    timeliness: {
      apiIngest: {
        eventsPerSecond: Math.round((acceptedConf.length / Math.max(span, 0.001)) * 10) / 10,
        latency: spread(acceptedConf.map((x) => x.latencyMs!)),
        loginLatency: spread(run.logins.filter((x) => x.acceptedAt !== undefined).map((x) => x.latencyMs!)),
        spanSeconds: Math.round(span * 10) / 10,
      },
      reminderLatenessMs: spread(lateness),
      reminderLatenessByPoint: Object.fromEntries(Object.entries(latenessByPoint).map(([k, v]) => [k, spread(v)])),
      confirmationMessageAfter202Ms: spread(confirmationAfter202),
      noShowDetectionMs: spread(detection),
      noShowCommittedMs: spread(committed),
      loginSendLagMs: spread(run.logins.map((l) => l.firstSentAt - l.plannedAt)),
    },
    interviews: out,
  };
}

/** Of these workflows, those whose interview row now holds a decided state (attendance no longer upcoming). */
async function rowsNowFinal(databaseUrl: string, workflowIds: string[]): Promise<Set<string>> {
  if (workflowIds.length === 0) return new Set();
  const db = new PgClient(poolConfigFromUrl(databaseUrl));
  await db.connect();
  try {
    const { rows } = await db.query<{ workflowId: string }>(
      `SELECT "workflowId" FROM "Interview" WHERE "workflowId" = ANY($1) AND status::text <> ALL($2::text[])`,
      [workflowIds, UPCOMING_STATUSES],
    );
    return new Set(rows.map((r) => r.workflowId));
  } finally {
    await db.end();
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** A describe() for measure(): the workflow's status name, NOT_FOUND when Temporal has none. */
export async function workflowDescriber(temporalAddress: string): Promise<{ describe: (id: string) => Promise<string>; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  return {
    describe: async (id) => {
      try {
        return (await client.workflow.getHandle(id).describe()).status.name;
      } catch (err) {
        return (err as Error).name === 'WorkflowNotFoundError' ? 'NOT_FOUND' : `UNKNOWN (${(err as Error).message.split('\n')[0]})`;
      }
    },
    close: () => connection.close(),
  };
}

// ---- Temporal histories ------------------------------------------------------------

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The history event types read here (temporal.api.enums.v1.EventType: fixed by the protocol). */
const EventType = {
  EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: 1,
  EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: 5,
  EVENT_TYPE_WORKFLOW_TASK_STARTED: 6,
  EVENT_TYPE_WORKFLOW_TASK_COMPLETED: 7,
  EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: 10,
  EVENT_TYPE_ACTIVITY_TASK_STARTED: 11,
  EVENT_TYPE_ACTIVITY_TASK_COMPLETED: 12,
  EVENT_TYPE_TIMER_STARTED: 17,
  EVENT_TYPE_TIMER_FIRED: 18,
  EVENT_TYPE_MARKER_RECORDED: 25,
  EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: 26,
  EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: 29,
  EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: 37,
  EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 40,
  EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: 41,
} as const;

const ms = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  ts ? Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6) : NaN;

/**
 * Temporal Cloud's billable actions as far as a history shows them: a start,
 * each timer, each activity attempt, each signal, each search-attribute upsert
 * (not the patch marker's TemporalChangeVersion), each accepted update, each
 * local activity. Queries are actions too but leave no event: counted apart.
 */
export function billableActions(events: HistoryEvent[]): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  const add = (k: string, n = 1) => (byKind[k] = (byKind[k] ?? 0) + n);
  for (const e of events) {
    switch (e.eventType as number) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        add('workflow started');
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timer');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        add('activity');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const retries = (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1;
        if (retries > 0) add('activity retry', retries);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        add('signal');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const keys = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (keys.some((k) => k !== 'TemporalChangeVersion')) add('search attribute upsert');
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('update');
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') add('local activity');
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        add('child or external signal');
        break;
      default:
        break;
    }
  }
  return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
}

/**
 * Where the time goes between a timer's due instant and the work it triggers,
 * from one history: the timer, the workflow task that handles it (database
 * steps run inside it as local activities, recorded as markers), and the
 * activities it schedules (the sends), of which the slowest ends the step.
 */
interface Chain {
  kind: 'reminder' | 'window' | 'no-show';
  /** TimerStarted time + duration minus the planned instant: workflow time vs the server's anchor. */
  anchorMs: number;
  /** TimerFired minus its anchor: the server's timer queue. */
  fireLagMs: number;
  wftQueueMs: number;
  /** Includes the local activities the task ran. */
  wftRunMs: number;
  actQueueMs: number;
  actRunMs: number;
}

function chains(events: HistoryEvent[], planned: Array<{ kind: Chain['kind']; at: number }>): Chain[] {
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const out: Chain[] = [];
  const T = EventType;
  const idx = (from: number, type: number) => {
    for (let i = from; i < events.length; i++) if (events[i]!.eventType === type) return i;
    return -1;
  };
  for (let i = 0; i < events.length; i++) {
    const fired = events[i]!;
    if (fired.eventType !== T.EVENT_TYPE_TIMER_FIRED) continue;
    const started = byId.get(Number(fired.timerFiredEventAttributes?.startedEventId));
    if (!started) continue;
    const anchor = ms(started.eventTime) + ms(started.timerStartedEventAttributes?.startToFireTimeout as never);
    const nearest = planned.reduce((best, p) => (Math.abs(p.at - anchor) < Math.abs(best.at - anchor) ? p : best), planned[0]!);
    if (!nearest || Math.abs(nearest.at - anchor) > 2_000) continue;
    const firedAt = ms(fired.eventTime);
    const ws = idx(i, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    const wst = idx(Math.max(ws, 0), T.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const wc = idx(Math.max(wst, 0), T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    if ([ws, wst, wc].includes(-1)) continue;
    // The commands of that task follow its completion: markers (local activities, patches),
    // search-attribute upserts, a timer, and the activities it scheduled.
    const scheduled: number[] = [];
    for (let j = wc + 1; j < events.length; j++) {
      const type = events[j]!.eventType;
      if (type === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) scheduled.push(j);
      else if (type !== T.EVENT_TYPE_MARKER_RECORDED && type !== T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES && type !== T.EVENT_TYPE_TIMER_STARTED) break;
    }
    let actQueue = NaN;
    let actRun = NaN;
    let actEnd = -Infinity;
    for (const j of scheduled) {
      const sid = Number(events[j]!.eventId);
      const st = events.find((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED && Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === sid);
      const co = events.find((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === sid);
      if (!st || !co) continue;
      if (ms(co.eventTime) > actEnd) {
        actEnd = ms(co.eventTime);
        actQueue = ms(st.eventTime) - ms(events[j]!.eventTime);
        actRun = ms(co.eventTime) - ms(st.eventTime);
      }
    }
    const t = (k: number) => ms(events[k]!.eventTime);
    out.push({
      kind: nearest.kind,
      anchorMs: anchor - nearest.at,
      fireLagMs: firedAt - anchor,
      wftQueueMs: t(wst) - t(ws),
      wftRunMs: t(wc) - t(wst),
      actQueueMs: actQueue,
      actRunMs: actRun,
    });
  }
  return out;
}

export interface HistoryFigures {
  sampled: Record<'attended' | 'no-show', number>;
  eventsPerInterview: Record<'attended' | 'no-show', Spread>;
  actionsPerInterview: Record<'attended' | 'no-show', Spread>;
  actionBreakdown: Record<'attended' | 'no-show', Record<string, number>>;
  /** Median and p99 of each step after a timer, ms. */
  profile: Record<string, Record<string, Spread>>;
}

export async function historyFigures(args: {
  temporalAddress: string;
  interviews: Outcome['interviews'];
  sample: number;
  policy: BenchPolicy;
}): Promise<HistoryFigures> {
  const connection = await Connection.connect({ address: args.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const graceMs = durationMs(args.policy.grace, 'grace');
  const offsets = args.policy.reminderOffsets.map((o) => durationMs(o, 'offset'));
  const result: HistoryFigures = {
    sampled: { attended: 0, 'no-show': 0 },
    eventsPerInterview: {} as HistoryFigures['eventsPerInterview'],
    actionsPerInterview: {} as HistoryFigures['actionsPerInterview'],
    actionBreakdown: { attended: {}, 'no-show': {} },
    profile: {},
  };
  const allChains: Chain[] = [];
  try {
    for (const path of ['attended', 'no-show'] as const) {
      const pool = args.interviews.filter((i) => i.path === path);
      // Evenly over the run, so early and late interviews both count.
      const step = Math.max(1, Math.floor(pool.length / args.sample));
      const picked = pool.filter((_, k) => k % step === 0).slice(0, args.sample);
      const events: number[] = [];
      const actions: number[] = [];
      const breakdown: Record<string, number> = {};
      for (const iv of picked) {
        const history = await client.workflow.getHandle(iv.workflowId).fetchHistory();
        const evs = history.events ?? [];
        events.push(evs.length);
        const b = billableActions(evs);
        actions.push(b.total);
        for (const [k, v] of Object.entries(b.byKind)) breakdown[k] = (breakdown[k] ?? 0) + v;
        const planned: Array<{ kind: Chain['kind']; at: number }> = [
          ...offsets.map((o) => ({ kind: 'reminder' as const, at: iv.startsAt - o })),
          { kind: 'window', at: iv.startsAt },
          { kind: 'no-show', at: iv.startsAt + graceMs },
        ];
        allChains.push(...chains(evs, planned));
      }
      result.sampled[path] = picked.length;
      result.eventsPerInterview[path] = spread(events);
      result.actionsPerInterview[path] = spread(actions);
      result.actionBreakdown[path] = Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, Math.round((v / Math.max(1, picked.length)) * 100) / 100]));
    }
  } finally {
    await connection.close();
  }
  for (const kind of ['reminder', 'no-show'] as const) {
    const cs = allChains.filter((c) => c.kind === kind);
    const keys: Array<keyof Chain> = ['anchorMs', 'fireLagMs', 'wftQueueMs', 'wftRunMs', 'actQueueMs', 'actRunMs'];
    result.profile[kind] = Object.fromEntries(keys.map((k) => [k, spread(cs.map((c) => c[k] as number).filter((v) => Number.isFinite(v)))]));
  }
  return result;
}
