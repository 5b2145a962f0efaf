/**
 * Maintenance run by Temporal Schedules (workers/schedules.ts): the daily
 * expiry sweep and the monthly reports. Each is one activity; the workflow
 * adds the retry policy, the schedule's overlap rule and the run history
 * operators see in Temporal UI. Deterministic code only.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SweepCounts, createRecordsActivities } from '../activities/records';

/** The maintenance jobs: ordinary activities on the interview task queue. */
type Maintenance = ReturnType<typeof createRecordsActivities>;

// A sweep over a large backlog takes a while; it heartbeats after every batch.
const records = proxyActivities<Maintenance>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '5m',
  retry: { initialInterval: '30s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 10 },
});

/** The month before the one `now` falls in, as YYYY-MM (UTC). */
export function previousMonth(now: number): string {
  const d = new Date(now);
  const prev = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return `${prev.getUTCFullYear()}-${String(prev.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Deletes or anonymises what has expired; `asOf` (ISO) lets a test or an operator sweep as of another time. */
export async function recordsSweepWorkflow(input: { asOf?: string } = {}): Promise<SweepCounts> {
  return records.sweepExpiredRecords({ asOf: input.asOf });
}

/**
 * Stores every group's report for `month`, by default the month before the
 * one this run was scheduled in (UTC), so a run on the 1st covers the month just ended.
 */
export async function monthlyReportsWorkflow(input: { month?: string } = {}): Promise<{ month: string; groups: number }> {
  const month = input.month ?? previousMonth(workflowInfo().startTime.getTime());
  return records.storeMonthlyReports({ month });
}
