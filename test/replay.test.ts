/**
 * Replays every recorded interview history (test/fixtures/histories, written by
 * test/support/record-histories.ts) against the current workflow code. A change
 * to workflows/interview.ts that would make a running execution take another
 * path on its next workflow task fails here with a DeterminismViolationError,
 * before it reaches production. No Temporal server is needed: the replay
 * worker only reads the histories.
 *
 * A failure here means the change is not compatible: guard it with `patched()`
 * (see the header of record-histories.ts), never re-record to make this pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type ReplayResult, type WorkflowBundleOption } from '@temporalio/worker';
import { workflowBundle } from '../workers/worker';
import { candidatePersonalData, CONTINUED_RUNS, FIXTURE_DIR, historyFromJson, PATHS, personalDataIn } from './support/record-histories';

/** The lifecycle paths of DESIGN.md that must each have a recorded history. */
const REQUIRED = [
  'attended',
  'no-show-annotated',
  'reschedule-before-start',
  'reschedule-after-no-show',
  'reschedule-after-no-show.continued',
  'cancel-early',
  'cancel-late',
  'annotation-expired',
];

const fixtures = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();
const text = (name: string) => readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8');

/** The bundle the global setup built for this run, else a fresh one of ../workflows. */
async function bundle(): Promise<WorkflowBundleOption> {
  const prebuilt = process.env.TURNOUT_TEST_WORKFLOW_BUNDLE;
  if (prebuilt && existsSync(prebuilt)) return { codePath: prebuilt };
  return workflowBundle();
}

const results = new Map<string, ReplayResult>();

beforeAll(async () => {
  // One replay worker for all histories: the bundle is loaded once.
  const histories = fixtures.map((name) => ({ workflowId: name, history: historyFromJson(text(name)) }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: await bundle(), replayName: 'turnout-replay' }, histories)) {
    results.set(result.workflowId, result);
  }
}, 120_000);

test('the fixtures cover every lifecycle path, and the recorder records each one', () => {
  expect(fixtures).toEqual(expect.arrayContaining(REQUIRED));
  expect([...PATHS, ...CONTINUED_RUNS].sort()).toEqual([...REQUIRED].sort());
});

test.each(fixtures)('%s replays on the current workflow code without a determinism error', (name) => {
  const result = results.get(name);
  expect(result).toBeDefined();
  // The message, not just "an error", so a failing CI run says which command diverged.
  expect(result?.error ? `${result.error.name}: ${result.error.message}` : null).toBeNull();
});

test.each(fixtures)('%s holds no personal data from the test fixtures', (name) => {
  expect(personalDataIn(text(name))).toEqual([]);
});

test('the personal-data check finds contact details, payloads included', () => {
  const [personName, phone, , email] = candidatePersonalData();
  const encoded = JSON.stringify({ events: [{ payloads: [{ data: Buffer.from(JSON.stringify({ phone })).toString('base64') }] }] });
  expect(personalDataIn(encoded)).toContain(phone);
  expect(personalDataIn(JSON.stringify({ summary: `Candidate ${personName}`, to: email }))).toEqual(expect.arrayContaining([personName, email]));
});
