/**
 * One workflow per confirmed interview: the single writer of its lifecycle.
 *
 *   SCHEDULED --reminders--> IN_WINDOW --login--> ATTENDED
 *   IN_WINDOW --grace elapsed--> NO_SHOW --annotate--> CLOSED
 *   NO_SHOW --reschedule--> SCHEDULED (next attempt, continue-as-new)
 *   NO_SHOW --annotation window elapsed--> CLOSED (UNANNOTATED)
 *   SCHEDULED --cancel--> CANCELLED, or LATE_CANCELLED (then like NO_SHOW)
 *
 * Deterministic code only: time is workflow time (Date.now() inside a workflow
 * is replay-safe), every side effect is an activity, and the history carries
 * ids, times and states — never names, phone numbers or e-mail addresses.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SendResult } from '../activities/messages';
import { FALLBACK_ORDER, channelTaskQueue } from '../domain/channels';
import { AWAITING_CLASSIFICATION, type InterviewPlan, type Status } from '../domain/interview';
import {
  INVALID_TRANSITION,
  annotateUpdate,
  cancelUpdate,
  linkClickedSignal,
  loggedInSignal,
  messageUndeliverableSignal,
  rescheduleUpdate,
  stateQuery,
  type AnnotateRequest,
  type CancelRequest,
  type CarriedState,
  type EventRef,
  type InterviewInput,
  type InterviewState,
  type RescheduleRequest,
} from './definitions';
import { planReminders, type ReminderPoint } from './reminder-plan';
import { InterviewStatus, NoShowClassification, ScheduledStart } from './search-attributes';

// Retries are unlimited on purpose: a database down for a minute or a worker
// killed mid-write must delay an interview, never lose it. Activities are
// idempotent by business key, so a retry never writes or sends twice. The
// interval stays short because a reminder is due at a moment: after an outage
// it should go within seconds, not at the next step of a long backoff.
const RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s' } as const;

/**
 * Database writes as activities on the task queue (executions started before
 * 'local-db-steps'). The timeout outlasts a transaction's own limits
 * (lib/database.ts: 10 s to get a connection, 15 s to finish), so an attempt
 * is not retried while it may still commit.
 */
const queuedDb = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: RETRY });
/**
 * The same writes as local activities: run by the worker that runs the
 * workflow task, recorded as one marker event. A database step then costs no
 * task-queue round trip and no extra workflow task, which is most of a
 * reminder's and a no-show's latency (bench/README.md). They suit steps that
 * take milliseconds and are idempotent: a worker that dies mid-step makes the
 * next one run it again.
 */
const localDb = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: RETRY });
const messages = proxyActivities<Activities>({ startToCloseTimeout: '60s', retry: RETRY });
/**
 * Sends on the channel's own task queue, whose workers hold the provider's
 * rate limit (workers/worker.ts); the queue is named after this workflow's own.
 * With a deadline, retries stop there (scheduleToCloseTimeout).
 */
const messagesOn = (channel: string, deadlineMs?: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '60s',
    retry: RETRY,
    taskQueue: channelTaskQueue(workflowInfo().taskQueue, channel),
    ...(deadlineMs === undefined ? {} : { scheduleToCloseTimeout: deadlineMs }),
  });

type Request =
  | { kind: 'reschedule'; req: RescheduleRequest; done: boolean }
  | { kind: 'cancel'; req: CancelRequest; done: boolean }
  | { kind: 'annotate'; req: AnnotateRequest; done: boolean };

export async function interviewWorkflow(input: InterviewInput): Promise<Status> {
  const { workflowId } = workflowInfo();
  // Asked at every step: an execution that began on queued steps replays them, then goes on locally.
  const db = () => (patched('local-db-steps') ? localDb : queuedDb);
  let plan: InterviewPlan | undefined = input.carried?.plan;
  let status: Status = 'SCHEDULED';
  let attempt = input.carried?.attempt ?? 1;
  let startsAt = input.carried ? Date.parse(input.carried.startsAt) : NaN;
  let sentPoints: string[] = input.carried?.sentPoints ?? [];
  let pending: ReminderPoint[] = input.carried?.pending ?? [];
  let selfReschedules = input.carried?.selfReschedules ?? 0;
  /** Whether plan.quietHours === false may skip the quiet-hours question (set at the confirmation). */
  let quietHoursKnown = input.carried !== undefined;
  let login: EventRef | null = null;
  let request: Request | null = null;
  let next: InterviewState['next'] = null;

  const nowIso = () => new Date(Date.now()).toISOString();
  const state = (): InterviewState => ({
    status,
    attempt,
    startsAt: Number.isNaN(startsAt) ? '' : new Date(startsAt).toISOString(),
    sentPoints: [...sentPoints],
    selfReschedules,
    next,
  });

  const setStatus = (s: Status) => {
    status = s;
    upsertSearchAttributes([{ key: InterviewStatus, value: s }]);
  };
  const setNext = (step: string, at: number | null) => {
    next = { step, at: at === null ? null : new Date(at).toISOString() };
    setCurrentDetails(`${status} · attempt ${attempt} · next: ${step}${at === null ? '' : ` at ${next.at}`}`);
  };

  /** Sleeps until `at` unless `wake` becomes true first; true when woken. */
  const waitUntil = async (at: number, wake: () => boolean): Promise<boolean> => {
    const ms = at - Date.now();
    if (ms <= 0) return wake();
    return condition(wake, ms);
  };

  // ---- messages from outside -------------------------------------------------

  setHandler(stateQuery, state);

  setHandler(loggedInSignal, async (ref) => {
    if (status === 'SCHEDULED' || status === 'IN_WINDOW') {
      login ??= ref; // the main loop records attendance
      return;
    }
    // After a no-show (or any end) a login is kept as evidence and shown to HR,
    // never silently undoing the record.
    await condition(() => plan !== undefined);
    await db().recordPlatformEvidence({ interviewId: plan!.interviewId, attempt, eventId: ref.eventId, kind: 'LATE_LOGIN', at: nowIso() });
  });

  setHandler(linkClickedSignal, async (ref) => {
    // A click is evidence of reach, not attendance.
    await condition(() => plan !== undefined);
    await db().recordPlatformEvidence({ interviewId: plan!.interviewId, attempt, eventId: ref.eventId, kind: 'LINK_CLICKED', at: nowIso() });
  });

  const reject = (why: string): never => {
    throw ApplicationFailure.nonRetryable(why, INVALID_TRANSITION, state());
  };
  const guard = () => {
    if (plan === undefined) reject('the interview is still being set up; try again in a moment');
    if (request !== null) reject('another change to this interview is in progress; try again in a moment');
  };

  /** Hands a request to the main loop and returns the state once it is applied. */
  const submit = async (r: Request): Promise<InterviewState> => {
    request = r;
    await condition(() => r.done);
    return state();
  };

  setHandler(rescheduleUpdate, (req) => submit({ kind: 'reschedule', req, done: false }), {
    validator: (req) => {
      guard();
      const to = Date.parse(req.startsAt);
      if (Number.isNaN(to)) reject('startsAt is not a valid time');
      if (to <= Date.now()) reject('startsAt must be in the future');
      if (!['SCHEDULED', 'IN_WINDOW', ...AWAITING_CLASSIFICATION].includes(status)) {
        reject(`an interview that is ${status} cannot be rescheduled`);
      }
      if (req.by === 'candidate') {
        if (status !== 'SCHEDULED') reject(`a candidate cannot move an interview that is ${status}`);
        if (selfReschedules >= plan!.selfService.maxReschedules) {
          reject(`the candidate has already moved this interview ${selfReschedules} time(s), the most the policy allows`);
        }
        if (Date.now() > startsAt - plan!.selfService.cutoffMs) reject('it is too close to the start to move the interview');
      }
    },
  });

  setHandler(cancelUpdate, (req) => submit({ kind: 'cancel', req, done: false }), {
    validator: (_req) => {
      guard();
      if (status !== 'SCHEDULED' && status !== 'IN_WINDOW') reject(`an interview that is ${status} cannot be cancelled`);
    },
  });

  setHandler(annotateUpdate, (req) => submit({ kind: 'annotate', req, done: false }), {
    validator: (_req) => {
      guard();
      if (!AWAITING_CLASSIFICATION.includes(status)) {
        reject(`only a no-show or a late cancellation can be classified; this interview is ${status}`);
      }
    },
  });

  // ---- side effects, each one activity -----------------------------------------

  /** One message on one channel; a fallback names the channel it stands in for. */
  const sendOne = async (point: string, dueAt: number, channel: string, fallbackFor?: string): Promise<SendResult> => {
    const input = {
      interviewId: plan!.interviewId,
      attempt,
      point,
      channel,
      dueAt: new Date(dueAt).toISOString(),
      ...(fallbackFor === undefined ? {} : { fallbackFor }),
    };
    if (!patched('message-deadline')) {
      return (patched('notification-channel-queues') ? messagesOn(channel) : messages).sendMessage(input);
    }
    // A provider that fails until the start (an outage) must not hold the
    // lifecycle, the window and the no-show, behind its retries; and a
    // reminder after the start is of no use. So retries end at the start.
    try {
      return await messagesOn(channel, Math.max(startsAt - Date.now(), 1000)).sendMessage(input);
    } catch (err) {
      // Past the deadline the server ends the activity with its last failure (retry state TIMEOUT),
      // or with a TimeoutFailure when an attempt was still running.
      if (!(err instanceof ActivityFailure && (err.retryState === 'TIMEOUT' || err.cause instanceof TimeoutFailure))) throw err;
      await db().abandonMessage(input);
      return { outcome: 'ABANDONED', notificationId: '', channel };
    }
  };
  /**
   * Fallbacks started in this run, by attempt, point and channel: a rejection
   * at send time and a later receipt for the same message never send the
   * replacement twice at once (the notification row dedups the sequential case).
   */
  const fallbacks = new Set<string>();

  const sendAll = async (point: string, dueAt: number) => {
    if (!patched('notification-fallback')) {
      await Promise.all(
        plan!.channels.map((channel) =>
          messages.sendMessage({ interviewId: plan!.interviewId, attempt, point, channel, dueAt: new Date(dueAt).toISOString() }),
        ),
      );
      return;
    }
    const results = await Promise.all(plan!.channels.map((channel) => sendOne(point, dueAt, channel)));
    // A message a provider refused for good goes out on the next channel this
    // point does not use yet (sms, then email); both outcomes are evidence.
    const used = new Set(plan!.channels);
    const rejected = results.filter((r) => r.outcome === 'REJECTED').map((r) => r.channel);
    while (rejected.length > 0) {
      const failed = rejected.shift()!;
      const next = FALLBACK_ORDER.find((c) => !used.has(c));
      if (next === undefined) break;
      used.add(next);
      fallbacks.add(`${attempt}:${point}:${next}`);
      if ((await sendOne(point, dueAt, next, failed)).outcome === 'REJECTED') rejected.push(next);
    }
  };

  // A provider gave up on a message after accepting it: while the reminder can
  // still help (before the start), the same message goes on the next channel
  // this interview does not use. A new signal, so no recorded history has it.
  setHandler(messageUndeliverableSignal, async (m) => {
    await condition(() => plan !== undefined);
    if (m.attempt !== attempt || status !== 'SCHEDULED' || Date.now() >= startsAt) return;
    const next = FALLBACK_ORDER.find((c) => c !== m.channel && !plan!.channels.includes(c));
    const key = `${attempt}:${m.point}:${next}`;
    if (next === undefined || fallbacks.has(key)) return;
    fallbacks.add(key);
    await sendOne(m.point, Date.now(), next, m.channel);
  });

  const recordRecord = async (kind: 'NO_SHOW' | 'LATE_CANCEL', windowClosed = false) => {
    await db().recordNoShow({
      interviewId: plan!.interviewId,
      attempt,
      kind,
      scheduledStart: new Date(startsAt).toISOString(),
      at: nowIso(),
      ...(windowClosed ? { windowClosed } : {}),
    });
    await db().alertHr({ interviewId: plan!.interviewId, attempt, kind, at: nowIso() });
  };

  /** Applies a validated request; returns false when the workflow should continue as new. */
  const apply = async (r: Request): Promise<boolean> => {
    const at = nowIso();
    const interviewId = plan!.interviewId;
    if (r.kind === 'reschedule') {
      const from = startsAt;
      const to = Date.parse(r.req.startsAt);
      const newAttempt = AWAITING_CLASSIFICATION.includes(status);
      if (newAttempt) {
        // The record of the missed attempt stays, linked to the next one.
        attempt += 1;
        sentPoints = [];
      }
      if (r.req.by === 'candidate') selfReschedules += 1;
      startsAt = to;
      pending = planReminders(startsAt, plan!.reminders, Date.now(), sentPoints);
      await db().recordReschedule({
        interviewId,
        attempt,
        newAttempt,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        by: r.req.by,
        ref: r.req.ref,
        at,
      });
      setStatus('SCHEDULED');
      upsertSearchAttributes([{ key: ScheduledStart, value: new Date(startsAt) }]);
      // The update's answer shows the new plan, even when this run ends here (continue-as-new).
      const first = pending[0];
      setNext(first ? `reminder ${first.point}` : 'window opens', first ? first.dueAt : startsAt);
      return !newAttempt;
    }
    if (r.kind === 'cancel') {
      // Only the candidate's own cancellation (directly or relayed by the
      // platform) can be late; fewer than lateCancelMs before the start leaves
      // a record that HR classifies like a no-show.
      const late = r.req.by !== 'hr' && startsAt - Date.now() < plan!.lateCancelMs;
      await db().recordCancellation({ interviewId, attempt, late, by: r.req.by, ref: r.req.ref, at });
      if (late) {
        setStatus('LATE_CANCELLED');
        await recordRecord('LATE_CANCEL');
      } else {
        setStatus('CANCELLED');
      }
      return true;
    }
    await db().recordAnnotation({
      interviewId,
      attempt,
      classification: r.req.classification,
      hrUserId: r.req.hrUserId,
      ref: r.req.ref,
      at,
    });
    upsertSearchAttributes([{ key: NoShowClassification, value: r.req.classification }]);
    setStatus('CLOSED');
    return true;
  };

  /** Runs the pending request, if any; false means "continue as new now". */
  const handleRequest = async (): Promise<boolean> => {
    const r = request!;
    const keepGoing = await apply(r);
    r.done = true;
    request = null;
    return keepGoing;
  };

  const carry = (): CarriedState => ({
    plan: plan!,
    attempt,
    startsAt: new Date(startsAt).toISOString(),
    sentPoints,
    pending,
    selfReschedules,
  });

  const continueFresh = async (): Promise<never> => {
    // Update callers get their answer before this run ends.
    await condition(allHandlersFinished);
    return continueAsNew<typeof interviewWorkflow>({ ...input, carried: carry() });
  };

  // ---- the lifecycle -----------------------------------------------------------

  if (plan === undefined) {
    next = { step: 'confirmation', at: null };
    // A plan's quietHours: false is trusted only from a confirmation taken on the code
    // that skips on it: during a rollout, a newer worker's acceptConfirmation can answer
    // an execution whose history already asks for every reminder.
    quietHoursKnown = patched('local-db-steps');
    const accepted = await db().acceptConfirmation({
      subsidiaryId: input.subsidiaryId,
      groupId: input.groupId,
      externalInterviewId: input.externalInterviewId,
      confirmationEventId: input.confirmationEventId,
      workflowId,
      at: nowIso(),
    });
    startsAt = Date.parse(accepted.startsAt);
    // Planned from the moment the interview was confirmed (the workflow's start), not from
    // this first task: when workers lag behind a burst of confirmations, a reminder that fell
    // due in between goes out late (before the start) instead of being dropped.
    const confirmedAt = patched('plan-from-confirmation') ? workflowInfo().startTime.getTime() : Date.now();
    pending = planReminders(startsAt, accepted.plan.reminders, confirmedAt);
    plan = accepted.plan;
    setStatus('SCHEDULED');
    await sendAll('confirmation', Date.now());
  } else {
    setStatus('SCHEDULED');
  }

  for (;;) {
    if (status === 'SCHEDULED') {
      const reminder = pending[0];
      setNext(reminder ? `reminder ${reminder.point}` : 'window opens', reminder ? reminder.dueAt : startsAt);
      await waitUntil(reminder ? reminder.dueAt : startsAt, () => request !== null || login !== null);
      if (login !== null) break;
      if (request !== null) {
        if (!(await handleRequest())) await continueFresh();
        continue;
      }
      if (reminder) {
        pending.shift();
        // A reminder due while the worker was down goes out late, but never after the start.
        if (Date.now() < startsAt) {
          if (patched('quiet-hours') && !(plan.quietHours === false && quietHoursKnown)) {
            // The candidate's time zone stays in the database: the activity answers with an instant only.
            const { sendAt } = await db().planQuietHours({
              interviewId: plan.interviewId,
              attempt,
              point: reminder.point,
              dueAt: new Date(reminder.dueAt).toISOString(),
              startsAt: new Date(startsAt).toISOString(),
            });
            const deferredTo = Date.parse(sendAt);
            if (deferredTo > Date.now()) {
              // Waited for like any reminder, so requests and logins still wake the loop.
              pending = [...pending, { point: reminder.point, dueAt: deferredTo }].sort((a, b) => a.dueAt - b.dueAt);
              continue;
            }
          }
          await sendAll(reminder.point, reminder.dueAt);
          sentPoints.push(reminder.point);
        }
        if (workflowInfo().continueAsNewSuggested) await continueFresh();
        continue;
      }
      setStatus('IN_WINDOW');
      await db().recordStatus({ interviewId: plan.interviewId, attempt, status: 'IN_WINDOW', kind: 'WINDOW_OPENED', at: nowIso() });
      continue;
    }

    if (status === 'IN_WINDOW') {
      const deadline = startsAt + plan.graceMs;
      setNext('login or no-show', deadline);
      await waitUntil(deadline, () => request !== null || login !== null);
      if (login !== null) break;
      if (request !== null) {
        if (!(await handleRequest())) await continueFresh();
        continue;
      }
      setStatus('NO_SHOW');
      if (patched('no-show-single-write')) {
        // The window's close, the record and the NO_SHOW state land in one
        // transaction: nobody reads a NO_SHOW without its record.
        await recordRecord('NO_SHOW', true);
      } else {
        await db().recordStatus({ interviewId: plan.interviewId, attempt, status: 'NO_SHOW', kind: 'WINDOW_CLOSED', at: nowIso() });
        await recordRecord('NO_SHOW');
      }
      continue;
    }

    if (AWAITING_CLASSIFICATION.includes(status)) {
      // HR is reminded once before the annotation window ends, then it closes as UNANNOTATED.
      const deadline = Date.now() + plan.annotationWindowMs;
      const reminderAt = deadline - Math.min(plan.annotationWindowMs / 2, 24 * 3600_000);
      setNext('HR classification', deadline);
      if (!(await waitUntil(reminderAt, () => request !== null))) {
        await db().alertHr({ interviewId: plan.interviewId, attempt, kind: 'ANNOTATION_DUE', at: nowIso() });
      }
      if (request === null && !(await waitUntil(deadline, () => request !== null))) {
        await db().closeUnannotated({ interviewId: plan.interviewId, attempt, at: nowIso() });
        upsertSearchAttributes([{ key: NoShowClassification, value: 'UNANNOTATED' }]);
        setStatus('CLOSED');
        continue;
      }
      if (!(await handleRequest())) await continueFresh();
      continue;
    }

    // CANCELLED or CLOSED: nothing more to wait for.
    next = null;
    await condition(allHandlersFinished);
    return status;
  }

  // Attendance: a login before the no-show was recorded counts, even after the grace period.
  const ref = login!;
  setStatus('ATTENDED');
  next = null;
  await db().recordAttendance({ interviewId: plan.interviewId, attempt, eventId: ref.eventId, loginAt: ref.at, at: nowIso() });
  await condition(allHandlersFinished);
  return status;
}
