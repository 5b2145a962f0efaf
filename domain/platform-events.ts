/**
 * The `data` of each platform event as the API validated and stored it in the
 * inbox. The API's schemas (api/schemas/events.ts) are checked against these
 * types at compile time, so the activities that read stored events and the
 * routes that accept them cannot drift apart.
 */
import type { Channel } from './channels';

export interface ConfirmedEventData {
  interviewId: string;
  startsAt: string;
  joinUrl: string;
  candidate: { id: string; name: string; phone: string; email: string; timezone?: string; locale?: string };
  position: { id: string; title: string; region?: string };
  channels?: Channel[];
}

/** A link click or a login, as the platform reported it. */
export interface CandidateActivityEventData {
  interviewId: string;
  at: string;
  ip?: string;
  userAgent?: string;
}
