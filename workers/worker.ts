import {
  NativeConnection,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { TemporalConfig } from '../lib/config';
import { createActivities, type ActivityDeps } from '../activities';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Bundling runs webpack over the workflow sources; a process that builds
 * several workers (tests) does it once.
 */
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  log: () => undefined,
  warn: (m: string, meta?: unknown) => console.warn(m, meta ?? ''),
  error: (m: string, meta?: unknown) => console.error(m, meta ?? ''),
};

export interface TurnoutWorker {
  worker: Worker;
  connection: NativeConnection;
}

/**
 * A worker on the interview task queue with Turnout's activities. A caller
 * that already has the bundle (the test suite builds it once per run) passes it.
 */
export async function createWorker(
  temporal: TemporalConfig,
  deps: ActivityDeps,
  bundle?: WorkflowBundleOption,
): Promise<TurnoutWorker> {
  const connection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowBundle: bundle ?? (await workflowBundle()),
    activities: createActivities(deps),
  });
  return { worker, connection };
}
