/**
 * Replays every recorded interview history (test/fixtures/histories/v1,
 * written by test/support/record-histories.ts) against the current workflow
 * code. A change to workflows/ that would make a running execution take
 * another path on its next workflow task fails here with a
 * DeterminismViolationError. No Temporal server is needed: the replay worker
 * only reads the histories.
 *
 * One generation, recorded from the current code, with no patch markers: no
 * execution started on any earlier code. Until the first release (the v1.0.0
 * tag the maintainers set once the issues open today are done) a change may
 * alter the workflow: it re-records the histories with one command,
 * `npx tsx test/support/record-histories.ts`, and commits them with the
 * change. From v1.0.0 on, v1 guards executions running in production and is
 * never re-recorded: a change that fails here is versioned (Worker Versioning
 * or `patched()`, see the README) and adds a new generation beside it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as proto from '@temporalio/proto';
import { Worker, type ReplayResult, type WorkflowBundleOption } from '@temporalio/worker';
import { workflowBundle } from '../workers/worker';
import { candidatePersonalData, FIXTURE_DIR, GENERATION, historyFromJson, personalDataIn, PATHS, CONTINUED_RUNS } from './support/record-histories';

/**
 * The histories the generation must have, written out here rather than taken
 * from the recorder, so that dropping a path from the recorder fails too.
 */
const REQUIRED = [
  // the lifecycle paths
  'attended',
  'no-show-annotated',
  'reschedule-before-start',
  'reschedule-after-no-show',
  'reschedule-after-no-show.continued',
  'cancel-early',
  'cancel-late',
  'annotation-expired',
  'no-show-withdrawn',
  // the notification rules
  'sms-rejected-fallback',
  'provider-down-until-start',
  'bounce-fallback',
  'quiet-hours-deferred',
];

/** The signals the histories receive between them. */
const SIGNALS = ['candidateLoggedIn', 'messageUndeliverable'];

/**
 * Steps each path must take, in this order (other steps may come between):
 * the history shows it went where it was meant to.
 */
const PATH_STEPS: Record<string, (string | RegExp)[]> = {
  attended: [
    'local:acceptConfirmation',
    'sendMessage(confirmation/sms)',
    'sendMessage(confirmation/email)',
    'timer',
    'sendMessage(PT4S/sms)',
    'sendMessage(PT2S/sms)',
    'local:recordStatus',
    'signal:candidateLoggedIn',
    'local:recordAttendance',
  ],
  'no-show-annotated': ['local:acceptConfirmation', 'sendMessage(confirmation/sms)', 'local:recordStatus', 'local:recordNoShow', 'local:alertHr', 'update:annotate', 'local:recordAnnotation'],
  'reschedule-before-start': ['sendMessage(PT8S/sms)', 'update:reschedule', 'local:recordReschedule', 'sendMessage(PT4S/sms)', 'signal:candidateLoggedIn', 'local:recordAttendance'],
  'reschedule-after-no-show': ['local:recordNoShow', 'local:alertHr', 'update:reschedule', 'local:recordReschedule', 'continued as new'],
  'reschedule-after-no-show.continued': ['sendMessage(PT4S/sms)', 'local:recordStatus', 'signal:candidateLoggedIn', 'local:recordAttendance'],
  'cancel-early': ['local:acceptConfirmation', 'sendMessage(confirmation/sms)', 'update:cancel', 'local:recordCancellation'],
  'cancel-late': ['update:cancel', 'local:recordCancellation', 'local:recordNoShow', 'local:alertHr', 'update:annotate', 'local:recordAnnotation'],
  'annotation-expired': ['local:recordNoShow', 'local:alertHr', 'timer', 'local:alertHr', 'timer', 'local:closeUnannotated'],
  'no-show-withdrawn': ['local:recordStatus', 'local:recordNoShow', 'local:alertHr', 'signal:candidateLoggedIn', 'local:recordAttendance'],
  'sms-rejected-fallback': ['sendMessage(confirmation/sms)', 'sendMessage(confirmation/email<-sms)', 'signal:candidateLoggedIn', 'local:recordAttendance'],
  'provider-down-until-start': [
    'sendMessage(confirmation/sms)',
    'given up:RETRY_STATE_TIMEOUT',
    'local:abandonMessage',
    'local:recordStatus',
    'local:recordNoShow',
    'local:alertHr',
    'update:annotate',
    'local:recordAnnotation',
  ],
  'bounce-fallback': ['sendMessage(confirmation/email)', 'signal:messageUndeliverable', 'sendMessage(confirmation/sms<-email)', 'signal:candidateLoggedIn', 'local:recordAttendance'],
  'quiet-hours-deferred': ['local:planQuietHours', 'timer', 'local:planQuietHours', /^sendMessage\(PT\d+S\/sms\)$/, 'signal:candidateLoggedIn', 'local:recordAttendance'],
};

interface Fixture {
  name: string;
  file: string;
}

const fixtures: Fixture[] = existsSync(GENERATION.dir)
  ? readdirSync(GENERATION.dir, { withFileTypes: true })
      .filter((f) => f.isFile() && f.name.endsWith('.json'))
      .map((f) => f.name.slice(0, -'.json'.length))
      .sort()
      .map((name) => ({ name, file: join(GENERATION.dir, `${name}.json`) }))
  : [];
const names = fixtures.map((f) => f.name);
const text = (name: string) => readFileSync(fixtures.find((f) => f.name === name)!.file, 'utf8');

type History = proto.temporal.api.history.v1.IHistory;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const decode = (p: proto.temporal.api.common.v1.IPayload | undefined): Record<string, unknown> => {
  try {
    return JSON.parse(Buffer.from(p?.data ?? []).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};
const RetryState = proto.temporal.api.enums.v1.RetryState;

/**
 * A history as the steps the workflow took: activities (a send with its point and channel), local
 * activities, patch markers, timers, signals, updates, continue-as-new.
 */
function steps(history: History): string[] {
  const out: string[] = [];
  for (const e of history.events ?? []) {
    const marker = e.markerRecordedEventAttributes;
    const activity = e.activityTaskScheduledEventAttributes;
    const closed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (marker?.markerName === 'core_patch') out.push(`patch:${String(decode(marker.details?.['patch-data']?.payloads?.[0]).id)}`);
    else if (marker?.markerName === 'core_local_activity') out.push(`local:${String(decode(marker.details?.data?.payloads?.[0]).activity_type)}`);
    else if (activity) {
      const type = activity.activityType?.name ?? '?';
      const input = decode(activity.input?.payloads?.[0]);
      out.push(type === 'sendMessage' ? `${type}(${input.point}/${input.channel}${input.fallbackFor ? `<-${input.fallbackFor}` : ''})` : type);
    } else if (closed) out.push(`given up:${RetryState[closed.retryState ?? 0]}`);
    else if (e.timerStartedEventAttributes) out.push('timer');
    else if (e.workflowExecutionSignaledEventAttributes) out.push(`signal:${e.workflowExecutionSignaledEventAttributes.signalName}`);
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) out.push(`update:${e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name}`);
    else if (e.workflowExecutionContinuedAsNewEventAttributes) out.push('continued as new');
  }
  return out;
}

/** The expected steps, in order, as a subsequence of the actual ones; the first one missing, else null. */
function firstMissing(actual: string[], expected: (string | RegExp)[]): string | null {
  let i = 0;
  for (const want of expected) {
    while (i < actual.length && !(typeof want === 'string' ? actual[i] === want : want.test(actual[i]!))) i++;
    if (i === actual.length) return String(want);
    i++;
  }
  return null;
}

/** The bundle the global setup built for this run, else a fresh one of ../workflows. */
async function bundle(): Promise<WorkflowBundleOption> {
  const prebuilt = process.env.TURNOUT_TEST_WORKFLOW_BUNDLE;
  if (prebuilt && existsSync(prebuilt)) return { codePath: prebuilt };
  return workflowBundle();
}

const histories = new Map<string, History>();
const results = new Map<string, ReplayResult>();
const events = (name: string): HistoryEvent[] => histories.get(name)?.events ?? [];

beforeAll(async () => {
  for (const name of names) histories.set(name, historyFromJson(text(name)));
  // One replay worker for all histories: the bundle is loaded once.
  const all = names.map((name) => ({ workflowId: name, history: histories.get(name)! }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: await bundle(), replayName: 'turnout-replay' }, all)) {
    results.set(result.workflowId, result);
  }
}, 120_000);

test('the fixtures hold one generation, the one the recorder writes', () => {
  const entries = readdirSync(FIXTURE_DIR, { withFileTypes: true }).map((d) => ({ name: d.name, dir: d.isDirectory() }));
  expect(entries).toEqual([{ name: GENERATION.name, dir: true }]);
});

test('the generation has exactly the required histories, and the recorder records exactly those', () => {
  expect(names).toEqual([...REQUIRED].sort());
  expect([...PATHS, ...CONTINUED_RUNS].sort()).toEqual([...REQUIRED].sort());
});

test.each(REQUIRED)('%s replays on the current workflow code without a determinism error', (name) => {
  const result = results.get(name);
  expect(result).toBeDefined();
  // The message, not just "an error", so a failing CI run says which command diverged.
  expect(result?.error ? `${result.error.name}: ${result.error.message}` : null).toBeNull();
});

test.each(REQUIRED)('%s holds no patch marker', (name) => {
  expect(events(name).length).toBeGreaterThan(0);
  const markers = events(name).flatMap((e) => (e.markerRecordedEventAttributes?.markerName === 'core_patch' ? [Number(e.eventId)] : []));
  expect(markers).toEqual([]);
  // A patch also writes the TemporalChangeVersion search attribute.
  expect(text(name)).not.toContain('TemporalChangeVersion');
});

test('the histories receive every signal the workflow handles', () => {
  const signals = new Set(names.flatMap((n) => steps(histories.get(n)!)).filter((s) => s.startsWith('signal:')).map((s) => s.slice('signal:'.length)));
  expect([...signals].sort()).toEqual(expect.arrayContaining(SIGNALS));
});

test.each(REQUIRED)('%s runs every database step as a local activity and every ordinary activity is a send on a channel queue', (name) => {
  const scheduled = events(name).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [`${a.activityType?.name} on ${a.taskQueue?.name}`] : [];
  });
  expect(scheduled.filter((s) => !/^sendMessage on turnout-interviews-(sms|email)$/.test(s))).toEqual([]);
});

test.each(Object.entries(PATH_STEPS))('%s takes the steps it was recorded for', (name, want) => {
  const history = histories.get(name);
  expect(history).toBeDefined();
  const actual = steps(history!);
  expect({ missing: firstMissing(actual, want), actual }).toEqual({ missing: null, actual });
});

test('every history has its path steps checked', () => {
  expect(Object.keys(PATH_STEPS).sort()).toEqual([...REQUIRED].sort());
});

test.each(REQUIRED)('%s holds no personal data from the test fixtures', (name) => {
  expect(personalDataIn(text(name))).toEqual([]);
});

test('the personal-data check finds contact details, payloads included', () => {
  const [personName, phone, , email] = candidatePersonalData();
  const encoded = JSON.stringify({ events: [{ payloads: [{ data: Buffer.from(JSON.stringify({ phone })).toString('base64') }] }] });
  expect(personalDataIn(encoded)).toContain(phone);
  expect(personalDataIn(JSON.stringify({ summary: `Candidate ${personName}`, to: email }))).toEqual(expect.arrayContaining([personName, email]));
});
