/**
 * Channel names shared by the workflow and the workers. Pure (no imports):
 * the workflow bundle includes this file.
 */

/** The order in which a rejected message falls back to another channel. */
export const FALLBACK_ORDER = ['sms', 'email'] as const;

/**
 * Each channel's sends run on a task queue of their own, served by workers
 * with the provider's rate limit (maxTaskQueueActivitiesPerSecond is enforced
 * by the Temporal server across every worker polling the queue).
 */
export function channelTaskQueue(interviewTaskQueue: string, channel: string): string {
  return `${interviewTaskQueue}-${channel}`;
}
