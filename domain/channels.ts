/**
 * The channels a message can go by, shared by the policy, the workflow and the
 * workers. Pure (no imports): the workflow bundle includes this file.
 */

export const CHANNELS = ['sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The order in which a rejected message falls back to another channel. */
export const FALLBACK_ORDER = ['sms', 'email'] as const satisfies readonly Channel[];

/**
 * Each channel's sends run on a task queue of their own, served by workers
 * with the provider's rate limit (maxTaskQueueActivitiesPerSecond is enforced
 * by the Temporal server across every worker polling the queue).
 */
export function channelTaskQueue(interviewTaskQueue: string, channel: string): string {
  return `${interviewTaskQueue}-${channel}`;
}
