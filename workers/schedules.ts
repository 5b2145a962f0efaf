/**
 * The Temporal Schedules that run maintenance (workflows/maintenance.ts):
 * the daily expiry sweep and the monthly reports. Every worker makes sure of
 * them at start: a missing schedule is created, an existing one is brought
 * to the spec below, so a deploy that changes the time changes the schedule,
 * and several workers starting at once end with one schedule each.
 */
import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { temporalConnectionOptions, type TemporalConfig } from '../lib/config';
import type { monthlyReportsWorkflow, recordsSweepWorkflow } from '../workflows/maintenance';

/** Schedule ids carry the task queue, so two deployments sharing a namespace keep their own. */
export function scheduleIds(taskQueue: string) {
  return { sweep: `turnout-records-sweep:${taskQueue}`, monthlyReports: `turnout-monthly-reports:${taskQueue}` };
}

/** The schedules as they should be (times in UTC). */
export function desiredSchedules(taskQueue: string): ScheduleOptions[] {
  const ids = scheduleIds(taskQueue);
  const policies = {
    // A run still going when the next is due (a very large sweep) is not doubled.
    overlap: ScheduleOverlapPolicy.SKIP,
    // After an outage of up to a day, the missed run still happens.
    catchupWindow: '1 day',
  } as const;
  return [
    {
      scheduleId: ids.sweep,
      spec: { calendars: [{ hour: 3, minute: 15, comment: 'daily expiry sweep, 03:15 UTC' }], jitter: '10 minutes' },
      action: {
        type: 'startWorkflow',
        workflowType: 'recordsSweepWorkflow' satisfies (typeof recordsSweepWorkflow)['name'],
        workflowId: `records-sweep:${taskQueue}`,
        taskQueue,
        args: [{}],
      },
      policies,
    },
    {
      scheduleId: ids.monthlyReports,
      spec: { calendars: [{ dayOfMonth: 1, hour: 4, minute: 30, comment: 'monthly no-show reports, 1st of the month 04:30 UTC' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'monthlyReportsWorkflow' satisfies (typeof monthlyReportsWorkflow)['name'],
        workflowId: `monthly-reports:${taskQueue}`,
        taskQueue,
        args: [{}],
      },
      policies,
    },
  ];
}

/** Creates the schedules that are missing and updates the others; returns what it did per schedule id. */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<Record<string, 'created' | 'updated'>> {
  const done: Record<string, 'created' | 'updated'> = {};
  for (const desired of desiredSchedules(taskQueue)) {
    try {
      await client.schedule.create(desired);
      done[desired.scheduleId] = 'created';
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(desired.scheduleId).update((previous) => ({
        ...previous,
        spec: desired.spec,
        action: desired.action,
        policies: { ...previous.policies, ...desired.policies },
      }));
      done[desired.scheduleId] = 'updated';
    }
  }
  return done;
}

/**
 * The worker's start-up step: connects, ensures the schedules, disconnects.
 * A failure is logged, not fatal: interviews must keep running even when the
 * schedules cannot be written (the next worker start tries again).
 */
export async function ensureMaintenanceSchedules(
  temporal: TemporalConfig,
  log: (msg: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(temporalConnectionOptions(temporal));
    const done = await ensureSchedules(new Client({ connection, namespace: temporal.namespace }), temporal.taskQueue);
    log('maintenance schedules ready', { schedules: done });
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'could not ensure maintenance schedules', error: (err as Error).message }));
  } finally {
    await connection?.close();
  }
}
