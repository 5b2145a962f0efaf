import {
  NativeConnection,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { temporalConnectionOptions, type MessageRates, type TemporalConfig, type WorkerTuning } from '../lib/config';
import { channelTaskQueue } from '../domain/channels';
import { createActivities, type ActivityDeps } from '../activities';
import { createDispatcher, type DeliveryConfig, type Dispatcher } from '../activities/delivery/dispatcher';

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

/** Several workers run and stopped as one: the interview worker and the per-channel message workers. */
export interface WorkerGroup {
  workers: Worker[];
  /** Runs every worker until shutdown; rejects (after stopping the others) if one fails. */
  run(): Promise<void>;
  /** The SDK's graceful shutdown for every worker: in-flight tasks drain first. */
  shutdown(): void;
}

export interface TurnoutWorker {
  worker: WorkerGroup;
  connection: NativeConnection;
}

export const DEFAULT_MESSAGE_RATES: MessageRates = { smsPerSecond: 10, emailPerSecond: 50 };

export interface TurnoutWorkerOptions {
  /** A caller that already has the workflow bundle (the test suite builds it once per run) passes it. */
  bundle?: WorkflowBundleOption;
  rates?: MessageRates;
  /** Slots and cache; left out, the SDK's defaults. */
  tuning?: WorkerTuning;
  /**
   * Runs the outbox dispatcher beside the workers (HR alert e-mails through
   * deps.transport, webhooks); left out, this process sends none.
   */
  delivery?: { config: DeliveryConfig; log?: (msg: string, fields: Record<string, unknown>) => void };
}

function group(workers: Worker[], dispatcher?: Dispatcher): WorkerGroup {
  const shutdown = () => {
    dispatcher?.shutdown();
    for (const w of workers) {
      if (w.getState() === 'RUNNING') w.shutdown();
    }
  };
  return {
    workers,
    shutdown,
    async run() {
      const runs: Promise<void>[] = [...workers.map((w) => w.run()), ...(dispatcher ? [dispatcher.run()] : [])];
      const results = await Promise.allSettled(
        runs.map((r) =>
          r.catch((err: unknown) => {
            shutdown();
            throw err;
          }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * The interview worker (workflows, their database steps as local activities,
 * and the maintenance jobs, on TEMPORAL_TASK_QUEUE) and one activity worker
 * per message channel on `<queue>-sms` and `<queue>-email`, which run the
 * sends, each queue limited to the provider's rate across all workers.
 */
export async function createWorker(temporal: TemporalConfig, deps: ActivityDeps, options: TurnoutWorkerOptions = {}): Promise<TurnoutWorker> {
  const { rates = DEFAULT_MESSAGE_RATES, tuning } = options;
  const connection = await NativeConnection.connect(temporalConnectionOptions(temporal));
  const { sendMessage, ...interviewActivities } = createActivities(deps);
  const interviews = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowBundle: options.bundle ?? (await workflowBundle()),
    activities: interviewActivities,
    ...(tuning && {
      // Database steps (local activities) and maintenance jobs (activities) each get this many slots.
      maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities,
      maxConcurrentLocalActivityExecutions: tuning.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks,
      ...(tuning.maxCachedWorkflows > 0 && { maxCachedWorkflows: tuning.maxCachedWorkflows }),
      shutdownGraceTime: tuning.shutdownGraceMs,
    }),
  });
  const channel = (name: 'sms' | 'email', perSecond: number) =>
    Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: channelTaskQueue(temporal.taskQueue, name),
      activities: { sendMessage },
      // Enforced by the server for the whole queue, so the limit holds however many workers run.
      // The server splits it evenly over the queue's partitions (4 by default), so it is approximate:
      // a few sends may go at once, and unevenly loaded partitions can pace below the rate. An exact
      // limit needs one partition for these queues (dynamic config matching.numTaskqueueReadPartitions
      // and numTaskqueueWritePartitions = 1 for them).
      maxTaskQueueActivitiesPerSecond: perSecond,
      // The grace lets a send that the provider accepted finish recording it (activities/messages.ts).
      ...(tuning && { maxConcurrentActivityTaskExecutions: tuning.maxConcurrentSends, shutdownGraceTime: tuning.shutdownGraceMs }),
    });
  const sms = await channel('sms', rates.smsPerSecond);
  const email = await channel('email', rates.emailPerSecond);
  const dispatcher = options.delivery
    ? createDispatcher({
        prisma: deps.prisma,
        transport: deps.transport,
        masterKey: deps.links.masterKey,
        publicUrl: deps.links.publicUrl,
        config: options.delivery.config,
        log: options.delivery.log ?? (() => undefined),
      })
    : undefined;
  return { worker: group([interviews, sms, email], dispatcher), connection };
}
