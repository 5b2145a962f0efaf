/**
 * The real parts every test run shares, started once by jest's global setup:
 * a Temporal dev server (headless, in memory) and a fresh migrated database —
 * a new database on the server of DATABASE_URL when it is set (CI), else an
 * in-memory embedded PGlite (from a cached migrated snapshot when there is
 * one), so `npm test` passes on a fresh machine too.
 * The handles live on globalThis because global setup and teardown are
 * separate modules that share only the jest parent process.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createFreshDatabase, dropDatabase, migrateDatabase } from '../../dev/database';
import type { EmbeddedPostgres } from '../../dev/embedded-postgres';
import { startMigratedEmbeddedPostgres } from '../../dev/pglite-template';
import { ensureTemporalCli } from '../../dev/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../../dev/temporal-server';
import { poolConfigFromUrl } from '../../lib/database-url';
import { INSTALL_COMMAND } from './chromium';

export interface TestStack {
  temporal?: TemporalDevServer;
  postgres?: EmbeddedPostgres;
  /** A database created on an outside server, dropped at teardown. */
  database?: { serverUrl: string; name: string };
  tmpDir?: string;
}

declare global {
  // eslint-disable-next-line no-var
  var __turnoutTestStack: TestStack | undefined;
}

const log = (msg: string) => process.stderr.write(`[test stack] ${msg}\n`);

async function timed<T>(timings: Record<string, number>, label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[label] = Date.now() - started;
  }
}

/** Runs killed before their teardown leave databases behind; a day-old one is certainly abandoned. */
async function dropAbandonedDatabases(serverUrl: string): Promise<void> {
  const client = new Client(poolConfigFromUrl(serverUrl));
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'turnout\\_test\\_%'",
    );
    const dayAgo = Date.now() - 86_400_000;
    for (const { datname } of rows) {
      const created = Number(/^turnout_test_(\d+)_/.exec(datname)?.[1]);
      if (created && created < dayAgo) await dropDatabase(serverUrl, datname).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

/** A migrated database of its own for this run. */
async function provideDatabase(stack: TestStack): Promise<string> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    await dropAbandonedDatabases(serverUrl).catch((err: Error) => log(`could not sweep old test databases: ${err.message}`));
    const name = `turnout_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const url = await createFreshDatabase(serverUrl, name);
    stack.database = { serverUrl, name };
    await migrateDatabase(url);
    return url;
  }
  const { postgres } = await startMigratedEmbeddedPostgres();
  stack.postgres = postgres;
  return postgres.url;
}

/**
 * Bundling workflows is webpack over the sources, seconds of CPU; jest gives
 * each test file its own module registry, so without this every file that
 * starts a worker would bundle again. The harness uses the file when it exists.
 * A bundle that fails is left to the tests that need it, which then report why.
 */
async function bundleWorkflows(stack: TestStack): Promise<string | undefined> {
  let workflowsPath: string;
  try {
    workflowsPath = require.resolve('../../workflows');
  } catch {
    return undefined;
  }
  try {
    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const quiet = () => undefined;
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      logger: { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: quiet, error: quiet },
    });
    stack.tmpDir ??= mkdtempSync(join(tmpdir(), 'turnout-test-'));
    const file = join(stack.tmpDir, 'workflow-bundle.js');
    writeFileSync(file, code);
    return file;
  } catch (err) {
    log(`workflow bundle failed, tests will bundle on their own: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

export async function startTestStack(): Promise<void> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  const stack: TestStack = {};
  globalThis.__turnoutTestStack = stack;

  // Independent parts start side by side; allSettled so that a failure still
  // lets the others finish starting, and then all of them are stopped.
  const [temporal, database, bundle] = await Promise.allSettled([
    timed(timings, 'temporal', async () => {
      const cliPath = await ensureTemporalCli(log);
      stack.temporal = await startTemporalDevServer({ cliPath, uiPort: null });
      return stack.temporal;
    }),
    timed(timings, 'database', () => provideDatabase(stack)),
    timed(timings, 'workflow bundle', () => bundleWorkflows(stack)),
  ]);
  if (temporal.status === 'rejected' || database.status === 'rejected') {
    await stopTestStack();
    throw temporal.status === 'rejected' ? temporal.reason : (database as PromiseRejectedResult).reason;
  }

  // Test files read these through lib/config like the product does.
  process.env.DATABASE_URL = database.value;
  process.env.TEMPORAL_ADDRESS = temporal.value.address;
  process.env.TEMPORAL_TASK_QUEUE = `turnout-test-${Date.now()}-${randomBytes(3).toString('hex')}`;
  process.env.TURNOUT_MASTER_KEY = randomBytes(32).toString('base64');
  process.env.TURNOUT_JWT_SECRET = randomBytes(32).toString('base64');
  process.env.LOG_LEVEL ||= 'warn';
  if (bundle.status === 'fulfilled' && bundle.value) process.env.TURNOUT_TEST_WORKFLOW_BUNDLE = bundle.value;
  // Browser suites skipped for want of a Chromium append their names here; teardown lists them.
  stack.tmpDir ??= mkdtempSync(join(tmpdir(), 'turnout-test-'));
  process.env.TURNOUT_TEST_BROWSER_SKIPS = join(stack.tmpDir, 'browser-skips');

  const parts = Object.entries(timings).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ');
  const db = stack.database ? `database ${stack.database.name}` : 'embedded PGlite';
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${parts}); Temporal ${temporal.value.address}, ${db}`);
}

/** Said at the end of the run, where it cannot scroll away among the suites' output. */
function reportSkippedBrowserSuites(): void {
  const file = process.env.TURNOUT_TEST_BROWSER_SKIPS;
  if (!file || !existsSync(file)) return;
  const suites = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  if (suites.length === 0) return;
  const bar = '*'.repeat(72);
  process.stderr.write(
    `\n${bar}\n*** BROWSER TESTS SKIPPED (no Chromium found): ${suites.length} suite(s)\n` +
      suites.map((s) => `***   ${s}\n`).join('') +
      `*** Install the browser to run them: ${INSTALL_COMMAND}\n*** (or point CHROMIUM_PATH at a Chromium)\n${bar}\n\n`,
  );
}

export async function stopTestStack(): Promise<void> {
  const stack = globalThis.__turnoutTestStack;
  if (!stack) return;
  globalThis.__turnoutTestStack = undefined;
  reportSkippedBrowserSuites();
  const steps: Array<[string, () => Promise<void>]> = [
    ['Temporal', async () => stack.temporal?.stop()],
    ['PGlite', async () => stack.postgres?.stop()],
    ['test database', async () => {
      if (stack.database) await dropDatabase(stack.database.serverUrl, stack.database.name);
    }],
    ['temp files', async () => {
      if (stack.tmpDir) rmSync(stack.tmpDir, { recursive: true, force: true });
    }],
  ];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      log(`stopping ${name}: ${(err as Error).message}`);
    }
  }
}
