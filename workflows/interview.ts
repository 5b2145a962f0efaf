/**
 * One workflow per confirmed interview: the single writer of its lifecycle.
 * The run loop below has one step per state; each waits for its deadline, a
 * login or a request, whichever comes first.
 *
 *   (start)        accept the confirmation, send it ─► SCHEDULED
 *   SCHEDULED      a reminder due ─► sent (or deferred past the candidate's quiet hours), stays
 *                  the start ─► IN_WINDOW
 *   IN_WINDOW      grace elapsed ─► NO_SHOW: record + evidence, HR alerted
 *   SCHEDULED, IN_WINDOW
 *                  login ─► ATTENDED
 *                  reschedule ─► SCHEDULED, same attempt, reminders re-planned
 *                  cancel ─► CANCELLED, or LATE_CANCELLED (the candidate's, < 24 h ahead: a record, HR alerted)
 *   NO_SHOW, LATE_CANCELLED (awaiting HR's classification)
 *                  a login whose own time lay inside the window (NO_SHOW only) ─► ATTENDED, the no-show withdrawn
 *                  annotate ─► CLOSED
 *                  annotation window elapsed (HR reminded once before) ─► CLOSED (UNANNOTATED)
 *                  reschedule ─► SCHEDULED, next attempt: continue-as-new, the record stays
 *   ATTENDED       attendance recorded ─► ends
 *   CANCELLED, CLOSED ─► ends
 *
 * A login is judged by its own time (`at`), not by when it arrives: one at or
 * before start + grace is attendance, and withdraws a no-show recorded while
 * it was on its way (an outage); once HR has classified the record it is
 * evidence HR is alerted to. A login after start + grace is evidence of a late
 * login. The rules in full: docs/state-machine.md.
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
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLifecycleActivities } from '../activities/lifecycle';
import type { SendMessageInput, SendResult, createMessageActivities } from '../activities/messages';
import { FALLBACK_ORDER, channelTaskQueue } from '../domain/channels';
import { CANCELLED_NOTICE, CONFIRMATION, NOTICE_DEADLINE_MS, RECORD_NOTICE, isNotice, movedNotice, sendPriority } from '../domain/notices';
import { AWAITING_CLASSIFICATION, OPEN_STATUSES, isUpcoming, type InterviewPlan, type Status } from '../domain/interview';
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
  type RefusalReason,
  type CancelRequest,
  type CarriedState,
  type EventRef,
  type InterviewInput,
  type InterviewState,
  type RescheduleRequest,
} from './definitions';
import { planReminders, type ReminderPoint } from './reminder-plan';
import { InterviewStatus, NoShowClassification, ScheduledStart } from './search-attributes';

type MessageActivities = ReturnType<typeof createMessageActivities>;
/** The database steps: each one transaction, idempotent, milliseconds long. */
type DbSteps = ReturnType<typeof createLifecycleActivities> & Pick<MessageActivities, 'abandonMessage' | 'planQuietHours'>;
/** What the channel queues run: sends, and nothing else. */
type Sends = Pick<MessageActivities, 'sendMessage'>;

// Retries are unlimited on purpose: a database down for a minute or a worker
// killed mid-write must delay an interview, never lose it. Activities are
// idempotent by business key, so a retry never writes or sends twice. The
// interval stays short because a reminder is due at a moment: after an outage
// it should go within seconds, not at the next step of a long backoff.
const RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s' } as const;

/**
 * Database steps run as local activities: by the worker that runs the
 * workflow task, recorded as one marker event. A step then costs no
 * task-queue round trip and no extra workflow task, which is most of a
 * reminder's and a no-show's latency (bench/README.md); a worker that dies
 * mid-step makes the next one run it again. The timeout outlasts a
 * transaction's own limits (lib/database.ts: 10 s to get a connection, 15 s
 * to finish), so an attempt is not retried while it may still commit.
 */
const db = proxyLocalActivities<DbSteps>({ startToCloseTimeout: '30s', retry: RETRY });

/**
 * Sends on the channel's own task queue, whose workers hold the provider's
 * rate limit (workers/worker.ts); the queue is named after this workflow's
 * own. Retries stop at the deadline (scheduleToCloseTimeout). A backlog
 * drains by the point's priority (domain/notices.ts sendPriority).
 */
const sendsOn = (channel: string, point: string, deadlineMs: number) =>
  proxyActivities<Sends>({
    startToCloseTimeout: '60s',
    scheduleToCloseTimeout: deadlineMs,
    retry: RETRY,
    taskQueue: channelTaskQueue(workflowInfo().taskQueue, channel),
    priority: { priorityKey: sendPriority(point) },
  });

/** A validated change waiting for the run loop; `refused` says why it no longer applies once the loop got to it. */
type Request = (
  | { kind: 'reschedule'; req: RescheduleRequest }
  | { kind: 'cancel'; req: CancelRequest }
  | { kind: 'annotate'; req: AnnotateRequest }
) & { done: boolean; refused?: string };

/** What a wait ended on: its deadline, the candidate's login, or a request from outside. */
type Wake = 'deadline' | 'login' | 'request';

/** What applying a request leaves to do: stay in this run, or go on in a new one (the next attempt). */
type AfterRequest = 'stay' | 'continue-as-new';

export async function interviewWorkflow(input: InterviewInput): Promise<Status> {
  const { workflowId } = workflowInfo();
  let plan: InterviewPlan | undefined = input.carried?.plan;
  let status: Status = 'SCHEDULED';
  let attempt = input.carried?.attempt ?? 1;
  let startsAt = input.carried ? Date.parse(input.carried.startsAt) : NaN;
  let sentPoints: string[] = input.carried?.sentPoints ?? [];
  let pending: ReminderPoint[] = input.carried?.pending ?? [];
  let selfReschedules = input.carried?.selfReschedules ?? 0;
  let previousWindowEnd = input.carried?.previousWindowEnd ? Date.parse(input.carried.previousWindowEnd) : -Infinity;
  /** Refs of the requests applied lately, this run and the ones before it (CarriedState.appliedRefs). */
  let appliedRefs: string[] = input.carried?.appliedRefs ?? [];
  const APPLIED_REFS_KEPT = 50;
  const applied = (ref: string) => appliedRefs.includes(ref);
  /** A login that is this attempt's attendance; the run loop records it. */
  let login: EventRef | null = null;
  /** The attendance arrived after the no-show was recorded: the no-show is withdrawn. */
  let withdrawsNoShow = false;
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
    // The start (the API's, or a continue-as-new's, which keeps them) already carries SCHEDULED:
    // an upsert is an event in the history and a visibility write on the server.
    if (workflowInfo().typedSearchAttributes.get(InterviewStatus) !== s) upsertSearchAttributes([{ key: InterviewStatus, value: s }]);
  };
  const setNext = (step: string, at: number | null) => {
    next = { step, at: at === null ? null : new Date(at).toISOString() };
    setCurrentDetails(`${status} · attempt ${attempt} · next: ${step}${at === null ? '' : ` at ${next.at}`}`);
  };

  const wakeReason = (): Wake => (login !== null ? 'login' : request !== null ? 'request' : 'deadline');

  /** Waits until `at` (workflow time), or until the candidate logs in or a request arrives, whichever comes first. */
  const waitUntil = async (at: number): Promise<Wake> => {
    const ms = at - Date.now();
    if (ms > 0 && wakeReason() === 'deadline') await condition(() => wakeReason() !== 'deadline', ms);
    return wakeReason();
  };

  // ---- messages from outside -------------------------------------------------

  setHandler(stateQuery, state);

  // A login is judged by when it happened, not by when Turnout heard of it: an
  // outage that held it back must not turn attendance into a no-show.
  setHandler(loggedInSignal, async (ref) => {
    await condition(() => plan !== undefined);
    const loginAt = Date.parse(ref.at);
    const evidence = { interviewId: plan!.interviewId, attempt, eventId: ref.eventId };
    if (loginAt <= previousWindowEnd) {
      // Inside an earlier attempt's window, whose record HR has acted on (a reschedule): evidence, HR alerted.
      await db.recordLoginAfterDecision({ ...evidence, at: nowIso() });
      return;
    }
    const inWindow = loginAt <= startsAt + plan!.graceMs;
    if (inWindow && (isUpcoming(status) || status === 'NO_SHOW')) {
      login ??= ref; // the run loop records attendance, withdrawing a no-show recorded meanwhile
      return;
    }
    if (inWindow && status === 'CLOSED') {
      // HR has classified the record: nothing changes by itself; HR is alerted.
      await db.recordLoginAfterDecision({ ...evidence, at: nowIso() });
      return;
    }
    // After start + grace a login is evidence of a late login, never attendance.
    await db.recordPlatformEvidence({ ...evidence, kind: inWindow ? 'LOGIN' : 'LATE_LOGIN', at: nowIso() });
  });

  setHandler(linkClickedSignal, async (ref) => {
    // A click is evidence of reach, not attendance.
    await condition(() => plan !== undefined);
    await db.recordPlatformEvidence({ interviewId: plan!.interviewId, attempt, eventId: ref.eventId, kind: 'LINK_CLICKED', at: nowIso() });
  });

  const reject = (reason: RefusalReason, why: string): never => {
    throw ApplicationFailure.nonRetryable(why, INVALID_TRANSITION, state(), reason);
  };
  const guard = () => {
    if (plan === undefined) reject('setting_up', 'the interview is still being set up; try again in a moment');
    if (request !== null) reject('change_in_progress', 'another change to this interview is in progress; try again in a moment');
  };

  /** Hands a request to the run loop and returns the state once it is applied. */
  const submit = async (r: Request): Promise<InterviewState> => {
    // A retry of a change already applied (its update id outlived the run that applied it): the state as it is.
    if (applied(r.req.ref)) return state();
    request = r;
    await condition(() => r.done);
    if (r.refused !== undefined) reject('overtaken', r.refused);
    return state();
  };

  setHandler(rescheduleUpdate, (req) => submit({ kind: 'reschedule', req, done: false }), {
    validator: (req) => {
      if (applied(req.ref)) return;
      guard();
      const to = Date.parse(req.startsAt);
      if (Number.isNaN(to)) reject('invalid_start', 'startsAt is not a valid time');
      if (to <= Date.now()) reject('start_in_past', 'startsAt must be in the future');
      if (!OPEN_STATUSES.includes(status)) {
        reject('not_reschedulable', `an interview that is ${status} cannot be rescheduled`);
      }
      if (req.by === 'candidate') {
        if (status !== 'SCHEDULED') reject('candidate_cannot_move', `a candidate cannot move an interview that is ${status}`);
        if (selfReschedules >= plan!.selfService.maxReschedules) {
          reject('moves_used_up', `the candidate has already moved this interview ${selfReschedules} time(s), the most the policy allows`);
        }
        if (Date.now() > startsAt - plan!.selfService.cutoffMs) reject('too_close_to_start', 'it is too close to the start to move the interview');
      }
    },
  });

  setHandler(cancelUpdate, (req) => submit({ kind: 'cancel', req, done: false }), {
    validator: (req) => {
      if (applied(req.ref)) return;
      guard();
      if (!isUpcoming(status)) reject('not_cancellable', `an interview that is ${status} cannot be cancelled`);
    },
  });

  setHandler(annotateUpdate, (req) => submit({ kind: 'annotate', req, done: false }), {
    validator: (req) => {
      if (applied(req.ref)) return;
      guard();
      if (!AWAITING_CLASSIFICATION.includes(status)) {
        reject('not_awaiting_classification', `only a no-show or a late cancellation can be classified; this interview is ${status}`);
      }
    },
  });

  // ---- side effects, each one activity -----------------------------------------

  /** One message on one channel; a fallback names the channel it stands in for. */
  const sendOne = async (point: string, dueAt: number, channel: string, fallbackFor?: string): Promise<SendResult> => {

    const message: SendMessageInput = {
      interviewId: plan!.interviewId,
      attempt,
      point,
      channel,
      dueAt: new Date(dueAt).toISOString(),
      ...(fallbackFor === undefined ? {} : { fallbackFor }),
    };
    // A provider that fails until the start (an outage) must not hold the
    // lifecycle, the window and the no-show, behind its retries; and a
    // reminder after the start is of no use. So retries end at the start.
    // A notice of a change is of use after it: it gets its own deadline.
    const deadlineMs = isNotice(point) ? NOTICE_DEADLINE_MS : Math.max(startsAt - Date.now(), 1000);
    try {
      return await sendsOn(channel, point, deadlineMs).sendMessage(message);
    } catch (err) {
      // Past the deadline the server ends the activity with its last failure (retry state TIMEOUT),
      // or with a TimeoutFailure when an attempt was still running.
      if (!(err instanceof ActivityFailure && (err.retryState === 'TIMEOUT' || err.cause instanceof TimeoutFailure))) throw err;
      await db.abandonMessage(message);
      return { outcome: 'ABANDONED', notificationId: '', channel };
    }
  };
  /**
   * Fallbacks started in this run, by attempt, point and channel: a rejection
   * at send time and a later receipt for the same message never send the
   * replacement twice at once (the notification row dedups the sequential case).
   */
  const fallbacks = new Set<string>();

  /** A point's message on every channel of the plan, each refused one again on the next channel. */
  const sendAll = async (point: string, dueAt: number) => {
    const results = await Promise.all(plan!.channels.map((channel) => sendOne(point, dueAt, channel)));
    // A message a provider refused for good goes out on the next channel this
    // point does not use yet (sms, then email); both outcomes are evidence.
    const used = new Set(plan!.channels);
    const rejected = results.filter((r) => r.outcome === 'REJECTED').map((r) => r.channel);
    while (rejected.length > 0) {
      const failed = rejected.shift()!;
      const fallback = FALLBACK_ORDER.find((c) => !used.has(c));
      if (fallback === undefined) break;
      used.add(fallback);
      fallbacks.add(`${attempt}:${point}:${fallback}`);
      if ((await sendOne(point, dueAt, fallback, failed)).outcome === 'REJECTED') rejected.push(fallback);
    }
  };

  // A provider gave up on a message after accepting it: while the reminder can
  // still help (before the start), the same message goes on the next channel
  // this interview does not use.
  setHandler(messageUndeliverableSignal, async (m) => {
    await condition(() => plan !== undefined);
    if (m.attempt !== attempt || status !== 'SCHEDULED' || Date.now() >= startsAt) return;
    const fallback = FALLBACK_ORDER.find((c) => c !== m.channel && !plan!.channels.includes(c));
    const key = `${attempt}:${m.point}:${fallback}`;
    if (fallback === undefined || fallbacks.has(key)) return;
    fallbacks.add(key);
    await sendOne(m.point, Date.now(), fallback, m.channel);
  });

  /**
   * When a reminder goes out given the candidate's quiet hours: the database
   * answers with an instant only, so the time zone stays out of the history.
   */
  const quietHoursSendAt = async (reminder: ReminderPoint): Promise<number> => {
    const { sendAt } = await db.planQuietHours({
      interviewId: plan!.interviewId,
      attempt,
      point: reminder.point,
      dueAt: new Date(reminder.dueAt).toISOString(),
      startsAt: new Date(startsAt).toISOString(),
    });
    return Date.parse(sendAt);
  };

  /**
   * The no-show (or late-cancel) record with its evidence, then HR's alert. A
   * no-show also closes the attendance window in the same transaction: nobody
   * reads a NO_SHOW without its record.
   */
  const recordNoShowAndAlert = async (kind: 'NO_SHOW' | 'LATE_CANCEL') => {
    await db.recordNoShow({
      interviewId: plan!.interviewId,
      attempt,
      kind,
      scheduledStart: new Date(startsAt).toISOString(),
      at: nowIso(),
    });
    await db.alertHr({ interviewId: plan!.interviewId, attempt, kind, at: nowIso() });
  };

  /** The notice the change just applied owes the candidate (domain/notices.ts), sent once its caller has the answer. */
  let notice: string | null = null;

  const reschedule = async (req: RescheduleRequest, at: string): Promise<AfterRequest> => {
    const from = startsAt;
    const to = Date.parse(req.startsAt);
    const newAttempt = AWAITING_CLASSIFICATION.includes(status);
    if (newAttempt) {
      // The record of the missed attempt stays, linked to the next one.
      attempt += 1;
      sentPoints = [];
      previousWindowEnd = from + plan!.graceMs;
    }
    if (req.by === 'candidate') selfReschedules += 1;
    startsAt = to;
    pending = planReminders(startsAt, plan!.reminders, Date.now(), sentPoints);
    await db.recordReschedule({
      interviewId: plan!.interviewId,
      attempt,
      newAttempt,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      by: req.by,
      ref: req.ref,
      at,
    });
    setStatus('SCHEDULED');
    upsertSearchAttributes([{ key: ScheduledStart, value: new Date(startsAt) }]);
    notice = movedNotice(Date.now());
    // The update's answer shows the new plan, even when this run ends here (continue-as-new).
    const first = pending[0];
    setNext(first ? `reminder ${first.point}` : 'window opens', first ? first.dueAt : startsAt);
    return newAttempt ? 'continue-as-new' : 'stay';
  };

  const cancel = async (req: CancelRequest, at: string): Promise<AfterRequest> => {
    // Only the candidate's own cancellation (directly or relayed by the
    // platform) can be late; fewer than lateCancelMs before the start leaves
    // a record that HR classifies like a no-show.
    const late = req.by !== 'hr' && startsAt - Date.now() < plan!.lateCancelMs;
    await db.recordCancellation({ interviewId: plan!.interviewId, attempt, late, by: req.by, ref: req.ref, at });
    if (late) {
      setStatus('LATE_CANCELLED');
      await recordNoShowAndAlert('LATE_CANCEL');
    } else {
      setStatus('CANCELLED');
    }
    notice = CANCELLED_NOTICE;
    return 'stay';
  };

  const annotate = async (req: AnnotateRequest, at: string): Promise<AfterRequest> => {
    await db.recordAnnotation({
      interviewId: plan!.interviewId,
      attempt,
      classification: req.classification,
      hrUserId: req.hrUserId,
      ref: req.ref,
      at,
    });
    upsertSearchAttributes([{ key: NoShowClassification, value: req.classification }]);
    setStatus('CLOSED');
    // Only a negative record is news the candidate must hear of, with the link to contest it.
    if (req.classification === 'NO_REASON') notice = RECORD_NOTICE;
    return 'stay';
  };

  /** Applies the validated request the loop woke for, then answers its caller. */
  const applyRequest = async (): Promise<AfterRequest> => {
    const r = request!;
    const at = nowIso();
    const after =
      r.kind === 'reschedule' ? await reschedule(r.req, at) : r.kind === 'cancel' ? await cancel(r.req, at) : await annotate(r.req, at);
    appliedRefs = [...appliedRefs, r.req.ref].slice(-APPLIED_REFS_KEPT);
    r.done = true;
    request = null;
    return after;
  };

  /** A request validated while the interview was open, overtaken by a login the loop took first, is answered with a refusal. */
  const refusePending = () => {
    if (request === null) return;
    request.refused = `this interview is ${status} and accepts no more changes`;
    request.done = true;
    request = null;
  };

  /** Sends the notice the last change owes the candidate, if any. */
  const sendNotice = async () => {
    if (notice === null) return;
    const point = notice;
    notice = null;
    await sendAll(point, Date.now());
  };

  const carry = (): CarriedState => ({
    plan: plan!,
    attempt,
    startsAt: new Date(startsAt).toISOString(),
    sentPoints,
    pending,
    selfReschedules,
    ...(previousWindowEnd === -Infinity ? {} : { previousWindowEnd: new Date(previousWindowEnd).toISOString() }),
    ...(appliedRefs.length ? { appliedRefs } : {}),
    ...(notice !== null ? { notice } : {}),
  });

  /** Ends this run and starts the next from the carried state. */
  const continueAsNewRun = async (): Promise<never> => {
    // Update callers get their answer before this run ends.
    await condition(allHandlersFinished);
    return continueAsNew<typeof interviewWorkflow>({ ...input, carried: carry() });
  };

  /** A wait ended early: a login makes the interview ATTENDED; a request is applied. */
  const onWake = async (w: Exclude<Wake, 'deadline'>) => {
    if (w === 'login') {
      withdrawsNoShow = status === 'NO_SHOW';
      setStatus('ATTENDED');
      return;
    }
    // A change that starts the next attempt hands its notice to the next run, which sends it first.
    if ((await applyRequest()) === 'continue-as-new') await continueAsNewRun();
    await sendNotice();
  };

  // ---- the lifecycle -----------------------------------------------------------

  if (plan === undefined) {
    next = { step: 'confirmation', at: null };
    const accepted = await db.acceptConfirmation({
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
    pending = planReminders(startsAt, accepted.plan.reminders, workflowInfo().startTime.getTime());
    plan = accepted.plan;
    setStatus('SCHEDULED');
    await sendAll(CONFIRMATION, Date.now());
  } else {
    setStatus('SCHEDULED');
    notice = input.carried?.notice ?? null;
    await sendNotice();
  }

  for (;;) {
    if (status === 'SCHEDULED') {
      const reminder = pending[0];
      setNext(reminder ? `reminder ${reminder.point}` : 'window opens', reminder ? reminder.dueAt : startsAt);
      const w = await waitUntil(reminder ? reminder.dueAt : startsAt);
      if (w !== 'deadline') {
        await onWake(w);
        continue;
      }
      if (!reminder) {
        setStatus('IN_WINDOW');
        await db.recordStatus({ interviewId: plan.interviewId, attempt, status: 'IN_WINDOW', kind: 'WINDOW_OPENED', at: nowIso() });
        continue;
      }
      pending.shift();
      // A reminder due while no worker ran goes out late, but never after the start.
      if (Date.now() < startsAt) {
        const deferredTo = plan.quietHours ? await quietHoursSendAt(reminder) : null;
        if (deferredTo !== null && deferredTo > Date.now()) {
          // Deferred to the end of the candidate's night, and waited for like
          // any reminder, so requests and logins still wake the loop.
          pending = [...pending, { point: reminder.point, dueAt: deferredTo }].sort((a, b) => a.dueAt - b.dueAt);
          continue;
        }
        await sendAll(reminder.point, reminder.dueAt);
        sentPoints.push(reminder.point);
      }
      if (workflowInfo().continueAsNewSuggested) await continueAsNewRun();
      continue;
    }

    if (status === 'IN_WINDOW') {
      const deadline = startsAt + plan.graceMs;
      setNext('login or no-show', deadline);
      const w = await waitUntil(deadline);
      if (w !== 'deadline') {
        await onWake(w);
        continue;
      }
      setStatus('NO_SHOW');
      await recordNoShowAndAlert('NO_SHOW');
      continue;
    }

    if (AWAITING_CLASSIFICATION.includes(status)) {
      // HR is reminded once before the annotation window ends, then it closes as UNANNOTATED.
      const deadline = Date.now() + plan.annotationWindowMs;
      const reminderAt = deadline - Math.min(plan.annotationWindowMs / 2, 24 * 3600_000);
      setNext('HR classification', deadline);
      let w = await waitUntil(reminderAt);
      if (w === 'deadline') {
        await db.alertHr({ interviewId: plan.interviewId, attempt, kind: 'ANNOTATION_DUE', at: nowIso() });
        w = await waitUntil(deadline);
      }
      if (w !== 'deadline') {
        await onWake(w);
        continue;
      }
      await db.closeUnannotated({ interviewId: plan.interviewId, attempt, at: nowIso() });
      upsertSearchAttributes([{ key: NoShowClassification, value: 'UNANNOTATED' }]);
      setStatus('CLOSED');
      continue;
    }

    // ATTENDED, CANCELLED or CLOSED: the interview has ended (an attendance is recorded first).
    next = null;
    refusePending();
    if (status === 'ATTENDED') {
      await db.recordAttendance({ interviewId: plan.interviewId, attempt, eventId: login!.eventId, loginAt: login!.at, withdrawsNoShow, at: nowIso() });
    }
    await condition(allHandlersFinished);
    return status;
  }
}
