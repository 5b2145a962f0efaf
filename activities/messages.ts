/**
 * Sending one message for one reminder point on one channel, at most once.
 *
 * The notification row, keyed by the business key (interview, attempt, point,
 * channel) — not by run or activity ids, which change on continue-as-new — is
 * written before the provider is called and marked SENT after, so a retry
 * after a crash finds an acknowledged message and does not send it again.
 * A retry of a message that was attempted but never marked SENT first checks
 * whether the provider got it anyway: the provider id a delivery receipt
 * recorded on the row, else the transport's findSent (Twilio lists the
 * recipient's recent messages). What neither can see is each transport's
 * remaining window, described in twilio-transport.ts and sendgrid-transport.ts.
 *
 * A provider's refusal for good (errors.ts) ends the row as FAILED with a
 * MESSAGE_REJECTED evidence row and the outcome REJECTED, on which the
 * workflow tries the next channel; a transient failure is thrown, and
 * Temporal retries the activity with backoff.
 */
import { log } from '@temporalio/activity';
import type { PrismaClient } from '../lib/database';
import { resolvePolicy } from '../lib/policy';
import { appendEvidence } from './evidence';
import { ProviderError, type FailureReason, type ProviderFailure } from './messaging/errors';
import { quietHoursDecision } from './messaging/quiet-hours';
import { renderMessage } from './messaging/templates';
import { maskAddress, type MessageTransport, type OutgoingMessage, type SentMessage } from './messaging/transport';

export interface SendMessageInput {
  interviewId: string;
  attempt: number;
  point: string;
  channel: string;
  dueAt: string;
  /** The channel whose rejection this message stands in for. */
  fallbackFor?: string;
}

/** ABANDONED is the workflow's: the provider failed until the interview started (abandonMessage). */
export type SendOutcome = 'SENT' | 'ALREADY_SENT' | 'REJECTED' | 'ABANDONED';

export interface SendResult {
  outcome: SendOutcome;
  notificationId: string;
  channel: string;
  /** Why the provider refused the message, when it did. */
  reason?: FailureReason;
}

export interface PlanQuietHoursInput {
  interviewId: string;
  attempt: number;
  point: string;
  dueAt: string;
  startsAt: string;
}

/** Where a message's first receipt or a provider lookup showed it had gone out. */
type Recovery = 'receipt' | 'lookup';

export function createMessageActivities(
  prisma: PrismaClient,
  transport: MessageTransport,
  selfServiceUrl: (interviewId: string) => string,
) {
  async function markSent(input: SendMessageInput, notificationId: string, sent: SentMessage, recoveredBy?: Recovery): Promise<SendResult> {
    const sentAt = new Date();
    await prisma.$transaction(async (t) => {
      await t.notification.update({
        where: { id: notificationId },
        data: { status: 'SENT', transport: sent.transport, providerMessageId: sent.providerMessageId, sentAt, error: null },
      });
      await appendEvidence(t, input.interviewId, [
        {
          key: `message:${input.attempt}:${input.point}:${input.channel}`,
          kind: 'MESSAGE_SENT',
          at: sentAt,
          data: {
            attempt: input.attempt,
            notificationId,
            point: input.point,
            channel: input.channel,
            dueAt: input.dueAt,
            transport: sent.transport,
            providerMessageId: sent.providerMessageId,
            fallbackFor: input.fallbackFor,
            recoveredBy,
          },
        },
      ]);
    });
    return { outcome: 'SENT', notificationId, channel: input.channel };
  }

  async function markRejected(input: SendMessageInput, notificationId: string, failure: ProviderFailure): Promise<SendResult> {
    const at = new Date();
    await prisma.$transaction(async (t) => {
      await t.notification.update({
        where: { id: notificationId },
        data: {
          status: 'FAILED',
          transport: failure.provider,
          error: `${failure.provider} ${failure.reason}${failure.code ? ` (${failure.code})` : ''}: ${failure.message}`,
        },
      });
      // Same key as MESSAGE_SENT: a message has one outcome, and FAILED is final for its row.
      await appendEvidence(t, input.interviewId, [
        {
          key: `message:${input.attempt}:${input.point}:${input.channel}`,
          kind: 'MESSAGE_REJECTED',
          at,
          data: {
            attempt: input.attempt,
            notificationId,
            point: input.point,
            channel: input.channel,
            dueAt: input.dueAt,
            transport: failure.provider,
            reason: failure.reason,
            code: failure.code,
            httpStatus: failure.httpStatus,
            fallbackFor: input.fallbackFor,
          },
        },
      ]);
    });
    return { outcome: 'REJECTED', notificationId, channel: input.channel, reason: failure.reason };
  }

  /** A message the provider may have got on an earlier attempt whose answer was lost. */
  async function alreadyAtProvider(
    row: { providerMessageId: string | null; transport: string | null; attemptedAt: Date | null; body: string | null },
    outgoing: OutgoingMessage,
  ): Promise<{ sent: SentMessage; recoveredBy: Recovery } | undefined> {
    if (row.providerMessageId) {
      // Written by the provider's first receipt (receipts.ts) while the worker had not recorded it.
      return { sent: { transport: row.transport ?? 'unknown', providerMessageId: row.providerMessageId }, recoveredBy: 'receipt' };
    }
    if (!row.attemptedAt || !transport.findSent) return undefined;
    try {
      const found = await transport.findSent({ ...outgoing, body: row.body ?? outgoing.body }, row.attemptedAt);
      return found ? { sent: found, recoveredBy: 'lookup' } : undefined;
    } catch (err) {
      // A lookup the provider refuses for good (say, listing not permitted) must not stop the message: send it.
      if (err instanceof ProviderError && err.permanent) {
        log.warn('provider lookup refused; sending without it', { notificationId: outgoing.notificationId, reason: err.failure.reason });
        return undefined;
      }
      throw err;
    }
  }

  return {
    async sendMessage(input: SendMessageInput): Promise<SendResult> {
      const key = { interviewId: input.interviewId, attempt: input.attempt, point: input.point, channel: input.channel };
      const row = await prisma.notification.upsert({
        where: { interviewId_attempt_point_channel: key },
        create: { ...key, dueAt: new Date(input.dueAt) },
        update: {},
      });
      if (row.status === 'SENT') return { outcome: 'ALREADY_SENT', notificationId: row.id, channel: input.channel };
      if (row.status === 'FAILED') return { outcome: 'REJECTED', notificationId: row.id, channel: input.channel };

      const interview = await prisma.interview.findUniqueOrThrow({
        where: { id: input.interviewId },
        include: { candidate: true, position: true },
      });
      const rendered = renderMessage({
        point: input.point,
        candidateName: interview.candidate.name,
        positionTitle: interview.position.title,
        startsAt: interview.startsAt,
        timezone: interview.candidate.timezone,
        locale: interview.candidate.locale,
        joinUrl: interview.joinUrl,
        selfServiceUrl: selfServiceUrl(interview.id),
      });
      const outgoing: OutgoingMessage = {
        notificationId: row.id,
        channel: input.channel,
        to: input.channel === 'sms' ? interview.candidate.phone : interview.candidate.email,
        subject: rendered.subject,
        body: rendered.body,
      };

      const earlier = await alreadyAtProvider(row, outgoing);
      if (earlier) {
        log.info('message found at the provider; not sent again', { notificationId: row.id, recoveredBy: earlier.recoveredBy });
        return markSent(input, row.id, earlier.sent, earlier.recoveredBy);
      }

      // The first attempt's time stays: a later lookup searches from it.
      await prisma.notification.update({
        where: { id: row.id },
        data: { attemptedAt: row.attemptedAt ?? new Date(), body: rendered.body },
      });

      let sent: SentMessage;
      try {
        sent = await transport.send(outgoing);
      } catch (err) {
        if (err instanceof ProviderError && err.permanent) {
          log.warn('provider rejected the message for good', {
            notificationId: row.id,
            channel: input.channel,
            to: maskAddress(outgoing.to),
            reason: err.failure.reason,
            code: err.failure.code,
          });
          return markRejected(input, row.id, err.failure);
        }
        // Kept for operators and HR ("why is this message still pending?"); Temporal retries.
        const why = err instanceof ProviderError ? `${err.failure.provider} ${err.failure.reason}: ${err.failure.message}` : 'transport error';
        // Only while pending: an attempt still in flight when the workflow gave up must not hide why.
        await prisma.notification.updateMany({ where: { id: row.id, status: 'PENDING' }, data: { error: `retrying after ${why}` } });
        throw err;
      }
      return markSent(input, row.id, sent);
    },

    /**
     * The workflow gave up on a message whose provider failed (transiently)
     * until the interview started. The row ends FAILED and the give-up is
     * evidence, unless the message was sent meanwhile; an attempt still in
     * flight that gets it through later marks it SENT with its own evidence.
     */
    async abandonMessage(input: SendMessageInput): Promise<void> {
      const key = { interviewId: input.interviewId, attempt: input.attempt, point: input.point, channel: input.channel };
      const at = new Date();
      await prisma.$transaction(async (t) => {
        const row = await t.notification.findUnique({ where: { interviewId_attempt_point_channel: key } });
        if (!row || row.status !== 'PENDING') return;
        await t.notification.update({
          where: { id: row.id },
          data: { status: 'FAILED', error: `abandoned at the interview start; last: ${row.error ?? 'no answer'}` },
        });
        await appendEvidence(t, input.interviewId, [
          {
            key: `abandoned:${input.attempt}:${input.point}:${input.channel}`,
            kind: 'MESSAGE_ABANDONED',
            at,
            data: { attempt: input.attempt, notificationId: row.id, point: input.point, channel: input.channel, dueAt: input.dueAt, fallbackFor: input.fallbackFor },
          },
        ]);
      });
    },

    /**
     * When a reminder due at `dueAt` goes out, given the group's quiet hours in
     * the candidate's time zone (which stays in the database, out of the
     * workflow history). A reminder due at night moves to the end of the night
     * if that is still before the start, else it goes on time; either choice is
     * evidence. Without quiet hours or a known time zone it goes when due.
     */
    async planQuietHours(input: PlanQuietHoursInput): Promise<{ sendAt: string }> {
      const interview = await prisma.interview.findUniqueOrThrow({ where: { id: input.interviewId }, include: { candidate: true } });
      const quiet = resolvePolicy(interview.policy).quietHours;
      const dueAt = new Date(input.dueAt);
      const decision = quietHoursDecision(dueAt, new Date(input.startsAt), quiet, interview.candidate.timezone);
      if (decision.decision !== 'OUTSIDE') {
        await prisma.$transaction((t) =>
          appendEvidence(t, input.interviewId, [
            {
              key: `quiet:${input.attempt}:${input.point}:${input.dueAt}`,
              kind: decision.decision === 'DEFERRED' ? 'REMINDER_DEFERRED' : 'REMINDER_IN_QUIET_HOURS',
              at: new Date(),
              data: {
                attempt: input.attempt,
                point: input.point,
                dueAt: input.dueAt,
                sendAt: decision.sendAt.toISOString(),
                quietEndsAt: decision.quietEndsAt.toISOString(),
                quietHours: quiet,
                startsAt: input.startsAt,
              },
            },
          ]),
        );
      }
      return { sendAt: decision.sendAt.toISOString() };
    },
  };
}
