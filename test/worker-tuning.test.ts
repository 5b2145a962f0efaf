/**
 * Worker slots come from the environment, read once at start (lib/config.ts):
 * by default sized to the database pool, since nearly every activity holds a
 * connection while it runs.
 */
import { ConfigError, workerTuning } from '../lib/config';

const DB = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres' };

test('without WORKER_* variables, activity and send slots are twice the pool and the cache is left to the SDK', () => {
  expect(workerTuning({ ...DB, DATABASE_POOL_SIZE: '7' })).toEqual({
    maxConcurrentActivities: 14,
    maxConcurrentSends: 14,
    maxConcurrentWorkflowTasks: 40,
    maxCachedWorkflows: 0,
  });
});

test('each WORKER_* variable sets its own slot count', () => {
  expect(
    workerTuning({
      ...DB,
      WORKER_MAX_CONCURRENT_ACTIVITIES: '33',
      WORKER_MAX_CONCURRENT_SENDS: '5',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '80',
      WORKER_MAX_CACHED_WORKFLOWS: '5000',
    }),
  ).toEqual({ maxConcurrentActivities: 33, maxConcurrentSends: 5, maxConcurrentWorkflowTasks: 80, maxCachedWorkflows: 5000 });
});

test.each([
  ['WORKER_MAX_CONCURRENT_ACTIVITIES', '0'],
  ['WORKER_MAX_CONCURRENT_SENDS', 'many'],
  ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
  ['WORKER_MAX_CACHED_WORKFLOWS', '-1'],
])('%s=%s stops start-up with an error naming the variable', (name, value) => {
  let thrown: unknown;
  try {
    workerTuning({ ...DB, [name]: value });
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  expect((thrown as Error).message).toContain(name);
});
