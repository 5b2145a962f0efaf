/**
 * Replays every recorded interview history of every generation
 * (test/fixtures/histories, written by test/support/record-histories.ts)
 * against the current workflow code. A change to workflows/interview.ts that
 * would make a running execution take another path on its next workflow task
 * fails here with a DeterminismViolationError, before it reaches production.
 * No Temporal server is needed: the replay worker only reads the histories.
 *
 * Generations: v1 was recorded before any patch() and guards the unpatched
 * branches, which executions started on that code still take; v2 was recorded
 * with the patches and guards their new branches; v3 with database steps as
 * local activities; v4 with reminders planned from the confirmation. Each is
 * replayed whole.
 *
 * A failure here means the change is not compatible: guard it with `patched()`
 * and add a generation (see the header of record-histories.ts), never
 * re-record to make this pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as proto from '@temporalio/proto';
import { Worker, type ReplayResult, type WorkflowBundleOption } from '@temporalio/worker';
import { workflowBundle } from '../workers/worker';
import {
  candidatePersonalData,
  CURRENT_GENERATION,
  FIXTURE_DIR,
  GENERATIONS,
  historyFromJson,
  personalDataIn,
  type Generation,
} from './support/record-histories';

const LIFECYCLE = [
  'attended',
  'no-show-annotated',
  'reschedule-before-start',
  'reschedule-after-no-show',
  'reschedule-after-no-show.continued',
  'cancel-early',
  'cancel-late',
  'annotation-expired',
];

/**
 * The histories each generation must have, written out here rather than taken
 * from the recorder, so that dropping a path from the recorder fails too.
 */
const GENERATION_REQUIRED: Record<string, string[]> = {
  /** The lifecycle paths of DESIGN.md, before any patch. */
  v1: LIFECYCLE,
  /** The same paths on the patched code, and the paths through the notification patches. */
  v2: [...LIFECYCLE, 'sms-rejected-fallback', 'provider-down-until-start', 'bounce-fallback', 'quiet-hours-deferred'],
  /** The same paths with database steps as local activities. */
  v3: [...LIFECYCLE, 'sms-rejected-fallback', 'provider-down-until-start', 'bounce-fallback', 'quiet-hours-deferred'],
  /** The same paths with reminders planned from the confirmation. */
  v4: [...LIFECYCLE, 'sms-rejected-fallback', 'provider-down-until-start', 'bounce-fallback', 'quiet-hours-deferred'],
};

/**
 * What a generation's histories hold together: the patches whose new branch
 * they take (a patch marker) and the signals they receive.
 *
 * 'notification-channel-queues' is in no generation: since 'message-deadline'
 * a new execution never asks for it, so only executions started between those
 * two changes take it, and no generation was recorded on that code.
 */
const GENERATION_COVERS: Record<string, { patches: string[]; signals: string[] }> = {
  v1: { patches: [], signals: ['candidateLoggedIn'] },
  v2: {
    patches: ['message-deadline', 'no-show-single-write', 'notification-fallback', 'quiet-hours'],
    signals: ['candidateLoggedIn', 'messageUndeliverable'],
  },
  v3: {
    patches: ['local-db-steps', 'message-deadline', 'no-show-single-write', 'notification-fallback', 'quiet-hours'],
    signals: ['candidateLoggedIn', 'messageUndeliverable'],
  },
  v4: {
    patches: ['local-db-steps', 'message-deadline', 'no-show-single-write', 'notification-fallback', 'plan-from-confirmation', 'quiet-hours'],
    signals: ['candidateLoggedIn', 'messageUndeliverable'],
  },
};

/**
 * Steps each path through a patched branch must take, in this order (other
 * steps may come between): the history shows it went where it was meant to.
 */
const PATH_STEPS: Record<string, Record<string, (string | RegExp)[]>> = {
  v2: {
    'sms-rejected-fallback': ['patch:notification-fallback', 'sendMessage(confirmation/sms)', 'sendMessage(confirmation/email<-sms)', 'signal:candidateLoggedIn'],
    'provider-down-until-start': [
      'patch:message-deadline',
      'sendMessage(confirmation/sms)',
      'given up:RETRY_STATE_TIMEOUT',
      'abandonMessage',
      'patch:no-show-single-write',
      'recordNoShow',
      'update:annotate',
    ],
    'bounce-fallback': ['sendMessage(confirmation/email)', 'signal:messageUndeliverable', 'sendMessage(confirmation/sms<-email)', 'signal:candidateLoggedIn'],
    'quiet-hours-deferred': ['patch:quiet-hours', 'planQuietHours', 'timer', 'planQuietHours', /^sendMessage\(PT\d+S\/sms\)$/, 'signal:candidateLoggedIn'],
    'no-show-annotated': ['patch:no-show-single-write', 'recordNoShow', 'update:annotate'],
  },
  v3: {
    'attended': ['patch:local-db-steps', 'local:acceptConfirmation', 'sendMessage(confirmation/sms)', 'signal:candidateLoggedIn', 'local:recordAttendance'],
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
    'quiet-hours-deferred': ['patch:quiet-hours', 'local:planQuietHours', 'timer', 'local:planQuietHours', /^sendMessage\(PT\d+S\/sms\)$/, 'signal:candidateLoggedIn'],
    'no-show-annotated': ['patch:no-show-single-write', 'local:recordNoShow', 'update:annotate', 'local:recordAnnotation'],
  },
  v4: {
    'attended': ['patch:local-db-steps', 'local:acceptConfirmation', 'patch:plan-from-confirmation', 'sendMessage(confirmation/sms)', 'timer', 'signal:candidateLoggedIn', 'local:recordAttendance'],
  },
};

interface Fixture {
  generation: Generation;
  name: string;
  /** "<generation>/<name>", the replay's workflow id. */
  id: string;
  file: string;
}

function fixturesOf(g: Generation): Fixture[] {
  if (!existsSync(g.dir)) return [];
  return readdirSync(g.dir, { withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.json'))
    .map((f) => f.name.slice(0, -'.json'.length))
    .sort()
    .map((name) => ({ generation: g, name, id: `${g.name}/${name}`, file: join(g.dir, `${name}.json`) }));
}

const fixtures = GENERATIONS.flatMap(fixturesOf);
const text = (f: Fixture) => readFileSync(f.file, 'utf8');

type History = proto.temporal.api.history.v1.IHistory;
const decode = (p: proto.temporal.api.common.v1.IPayload | undefined): Record<string, unknown> => {
  try {
    return JSON.parse(Buffer.from(p?.data ?? []).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};
const RetryState = proto.temporal.api.enums.v1.RetryState;

/** A history as the steps the workflow took: patch markers, activities (a send with its point and channel), local activities, timers, signals, updates. */
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

beforeAll(async () => {
  for (const f of fixtures) histories.set(f.id, historyFromJson(text(f)));
  // One replay worker for all histories of all generations: the bundle is loaded once.
  const all = fixtures.map((f) => ({ workflowId: f.id, history: histories.get(f.id)! }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: await bundle(), replayName: 'turnout-replay' }, all)) {
    results.set(result.workflowId, result);
  }
}, 120_000);

test('every generation has its required histories, the recorder records exactly those, and the current one is the newest', () => {
  expect(GENERATIONS.map((g) => g.name)).toEqual(Object.keys(GENERATION_REQUIRED));
  expect(GENERATIONS.at(-1)?.name).toBe(CURRENT_GENERATION);
  for (const g of GENERATIONS) {
    const names = fixturesOf(g).map((f) => f.name);
    expect({ generation: g.name, names }).toEqual({ generation: g.name, names: expect.arrayContaining(GENERATION_REQUIRED[g.name]!) });
    expect({ generation: g.name, recorded: [...g.paths, ...g.continued].sort() }).toEqual({
      generation: g.name,
      recorded: [...GENERATION_REQUIRED[g.name]!].sort(),
    });
  }
});

test('every directory under the fixtures is a generation', () => {
  const dirs = readdirSync(FIXTURE_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  const known = GENERATIONS.filter((g) => g.dir !== FIXTURE_DIR).map((g) => basename(g.dir));
  expect(dirs.sort()).toEqual(known.sort());
});

test.each(fixtures.map((f) => f.id))('%s replays on the current workflow code without a determinism error', (id) => {
  const result = results.get(id);
  expect(result).toBeDefined();
  // The message, not just "an error", so a failing CI run says which command diverged.
  expect(result?.error ? `${result.error.name}: ${result.error.message}` : null).toBeNull();
});

test.each(GENERATIONS.map((g) => g.name))('generation %s covers its patches and signals', (name) => {
  const own = fixtures.filter((f) => f.generation.name === name).map((f) => steps(histories.get(f.id)!));
  const patches = [...new Set(own.flat().filter((s) => s.startsWith('patch:')).map((s) => s.slice('patch:'.length)))].sort();
  const signals = [...new Set(own.flat().filter((s) => s.startsWith('signal:')).map((s) => s.slice('signal:'.length)))].sort();
  // Exactly: a v1 history with a patch marker would guard a patched branch, not the old one.
  expect(patches).toEqual([...GENERATION_COVERS[name]!.patches].sort());
  expect(signals).toEqual(expect.arrayContaining(GENERATION_COVERS[name]!.signals));
});

const pathSteps = Object.entries(PATH_STEPS).flatMap(([g, paths]) => Object.entries(paths).map(([path, want]) => ({ id: `${g}/${path}`, want })));
test.each(pathSteps)('$id takes the branch it was recorded for', ({ id, want }) => {
  const history = histories.get(id);
  expect(history).toBeDefined();
  const actual = steps(history!);
  expect({ missing: firstMissing(actual, want), actual }).toEqual({ missing: null, actual });
});

test.each(fixtures.map((f) => f.id))('%s holds no personal data from the test fixtures', (id) => {
  expect(personalDataIn(text(fixtures.find((f) => f.id === id)!))).toEqual([]);
});

test('the personal-data check finds contact details, payloads included', () => {
  const [personName, phone, , email] = candidatePersonalData();
  const encoded = JSON.stringify({ events: [{ payloads: [{ data: Buffer.from(JSON.stringify({ phone })).toString('base64') }] }] });
  expect(personalDataIn(encoded)).toContain(phone);
  expect(personalDataIn(JSON.stringify({ summary: `Candidate ${personName}`, to: email }))).toEqual(expect.arrayContaining([personName, email]));
});
