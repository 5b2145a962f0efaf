/**
 * The thinnest Temporal design of Turnout's workload, the benchmark's
 * reference: sleep to each point, send each message as its own activity,
 * wait for a login signal until start + grace, send a no-show. No API, no
 * database, no evidence, no rate limits. Not product code.
 */
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { ProbeActivities } from './activities';

export interface ProbeInterview {
  interviewId: string;
  startsAtMs: number;
  /** Reminder points before the start, ms, latest first as the policy lists them. */
  offsetsMs: number[];
  graceMs: number;
  channels: string[];
}

export const loggedIn = defineSignal('loggedIn');

const { send } = proxyActivities<ProbeActivities>({ startToCloseTimeout: '30 seconds' });

export async function probeInterview(iv: ProbeInterview): Promise<'ATTENDED' | 'NO_SHOW'> {
  let login = false;
  setHandler(loggedIn, () => {
    login = true;
  });
  const sendAll = (point: string) => Promise.all(iv.channels.map((channel) => send({ interviewId: iv.interviewId, point, channel })));

  await sendAll('confirmation');
  for (const offsetMs of [...iv.offsetsMs].sort((a, b) => b - a)) {
    const wait = iv.startsAtMs - offsetMs - Date.now();
    // A point already past when the workflow gets there is skipped, as Turnout skips one due before the confirmation.
    if (wait <= 0) continue;
    await sleep(wait);
    await sendAll(`PT${offsetMs / 1000}S`);
  }
  const attended = await condition(() => login, Math.max(1, iv.startsAtMs + iv.graceMs - Date.now()));
  if (attended) return 'ATTENDED';
  await send({ interviewId: iv.interviewId, point: 'no-show', channel: 'hr' });
  return 'NO_SHOW';
}

/** For the bare start rate: started and never run (no worker polls its queue). */
export async function probeNothing(): Promise<void> {}
