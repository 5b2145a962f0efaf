/**
 * Sending one message for one reminder point on one channel, at most once.
 *
 * The notification row, keyed by the business key (interview, attempt, point,
 * channel) — not by run or activity ids, which change on continue-as-new — is
 * written before the provider is called and marked SENT after, so a retry
 * after a crash finds an acknowledged message and does not send it again.
 *
 * Once the provider accepted a message it is sent, whatever the bookkeeping
 * does next. Usually the row is marked SENT and its MESSAGE_SENT evidence
 * appended by one statement. When the database fails it (a connection lost,
 * none free within the pool's wait), an activity that threw then would be
 * retried by Temporal, find the row still pending and send again (SendGrid
 * cannot be asked whether it has the message). So then the acceptance is
 * recorded on its own, tried again in this attempt with a short backoff until
 * it lands or the attempt's deadline is near; the evidence, derived from the
 * row, is appended after it. If that fails the activity throws, and the retry
 * finds the row SENT, completes the evidence from it and sends nothing.
 *
 * A retry of a message that was attempted but never marked SENT first checks
 * whether the provider got it anyway: the provider id a delivery receipt
 * recorded on the row, else the transport's findSent (Twilio lists the
 * recipient's recent messages). That is what covers the window that remains:
 * the worker dying (or the database refusing every try until the deadline)
 * between the provider's acceptance and the SENT write. Twilio's listing then
 * finds the SMS; for an e-mail, SendGrid's first signed event, which names the
 * notification, records the message's id on the row (domain/receipts.ts),
 * and a retry before it arrives sends a second e-mail. Each transport's own
 * window is in twilio-transport.ts and sendgrid-transport.ts.
 *
 * Before calling the provider, an attempt claims the row while it is still
 * PENDING, and gives up once the interview has started: a message is never
 * sent after the start, nor after the workflow abandoned it.
 *
 * A provider's refusal for good (errors.ts) ends the row as FAILED with a
 * MESSAGE_REJECTED evidence row and the outcome REJECTED, on which the
 * workflow tries the next channel; a transient failure is thrown, and
 * Temporal retries the activity with backoff. A refusal and its evidence are
 * one statement, with no fallback: a retry after it failed would only be
 * refused again.
 */
import { setTimeout } from 'node:timers/promises';
import { Context, log } from '@temporalio/activity';
import { Prisma, type Notification, type PrismaClient } from '../lib/database';
import { durationMs, resolvePolicy } from '../domain/policy';
import { CANCELLED_NOTICE, RECORD_NOTICE, isNotice } from '../domain/notices';
import { contestUntil } from '../domain/self-service';
import { appendEvidence, appendEvidenceWith, type EvidenceEntry } from '../domain/evidence';
import type { FailureReason } from '../domain/message-failures';
import { ProviderError, type ProviderFailure } from './messaging/errors';
import { quietHoursDecision } from './messaging/quiet-hours';
import { renderMessage, type MessageContext } from './messaging/templates';
import { maskAddress, type MessageTransport, type OutgoingMessage, type SentMessage } from './messaging/transport';
import { hashShortCode, shortLinkCode, shortLinkUrl, type ShortLinks } from '../lib/short-links';

export interface SendMessageInput {
  interviewId: string;
  attempt: number;
  point: string;
  channel: string;
  dueAt: string;
  /** The channel whose rejection this message stands in for. */
  fallbackFor?: string;
}

/**
 * ABANDONED: given up at the interview start, by the workflow when the provider
 * failed until then (abandonMessage), or by an attempt that reached the
 * provider step only after the start.
 */
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

/** What a MESSAGE_SENT evidence row is built from. */
type SentRow = Pick<Notification, 'id' | 'attempt' | 'point' | 'channel' | 'dueAt' | 'transport' | 'providerMessageId' | 'sentAt'>;

/** How long before the attempt's start-to-close deadline in-process retries stop, so that the last try ends within it. */
const DEADLINE_MARGIN_MS = 5_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/** What a log line says of a database error: its code or class, never its message (which may quote values). */
function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: unknown } | null | undefined;
  return String(e?.code ?? e?.cause?.code ?? e?.name ?? 'unknown');
}

/**
 * Runs `write` until it succeeds, with a doubling pause between tries; gives
 * up (throws the last error) only when the next try would start after
 * `stopBy`. Not on cancellation: a worker shutting down cancels its
 * activities, and giving up then would leave a sent message unrecorded for
 * the retry to send again. Each failed try is logged with ids only.
 */
async function untilWritten<T>(what: string, ids: Record<string, string>, stopBy: number, write: () => Promise<T>): Promise<T> {
  for (let tries = 1, waitMs = FIRST_RETRY_MS; ; tries += 1, waitMs = Math.min(waitMs * 2, MAX_RETRY_MS)) {
    try {
      return await write();
    } catch (err) {
      const giveUp = Date.now() + waitMs >= stopBy;
      log.warn(`${what} failed${giveUp ? '; giving up' : '; trying again'}`, { ...ids, tries, error: errorCode(err), ...(giveUp ? {} : { retryInMs: waitMs }) });
      if (giveUp) throw err;
      await setTimeout(waitMs);
    }
  }
}

/** What the send activities reach: the database, the providers, and the link each message carries. */
export interface MessageDeps {
  prisma: PrismaClient;
  transport: MessageTransport;
  /** Where the candidate's short self-service links point, and the key their codes derive from (lib/short-links.ts). */
  links: ShortLinks;
}

/**
 * The MESSAGE_SENT entry, built from the row as recorded: the same whether
 * written right after the send or completed from the row on a retry.
 */
function sentEvidence(row: SentRow, fallbackFor: string | undefined, recoveredBy?: Recovery): EvidenceEntry {
  return {
    key: `message:${row.attempt}:${row.point}:${row.channel}`,
    kind: 'MESSAGE_SENT',
    at: row.sentAt ?? new Date(),
    data: {
      attempt: row.attempt,
      notificationId: row.id,
      point: row.point,
      channel: row.channel,
      dueAt: row.dueAt.toISOString(),
      transport: row.transport,
      providerMessageId: row.providerMessageId,
      fallbackFor,
      recoveredBy,
    },
  };
}

/** A message whose row is SENT: its evidence is made complete (a no-op when it is), and nothing is sent. */
async function alreadySent(prisma: PrismaClient, input: SendMessageInput, row: SentRow): Promise<SendResult> {
  await appendEvidence(prisma, input.interviewId, [sentEvidence(row, input.fallbackFor)]);
  return { outcome: 'ALREADY_SENT', notificationId: row.id, channel: input.channel };
}

/**
 * Records a message the provider accepted (see the header). Usually the row
 * and its evidence are written by one statement, so that no reader sees a
 * SENT row without its evidence. When that statement fails, the acceptance
 * is written on its own, tried until it lands (until `stopBy`, shortly before
 * this attempt's deadline), and the evidence after it.
 */
async function markSent(
  prisma: PrismaClient,
  input: SendMessageInput,
  row: Notification,
  sent: SentMessage,
  stopBy: number,
  recoveredBy?: Recovery,
): Promise<SendResult> {
  const written = { transport: sent.transport, providerMessageId: sent.providerMessageId, sentAt: new Date() };
  const entry = sentEvidence({ ...row, ...written }, input.fallbackFor, recoveredBy);
  const ids = { notificationId: row.id, providerMessageId: sent.providerMessageId };
  // Any row not SENT yet: a PENDING one (a receipt may have filled its provider id
  // and delivery columns; the latter are left alone), or one the workflow abandoned
  // while this attempt was in flight (abandonMessage). A row already SENT keeps its record.
  const markRow = Prisma.sql`
    UPDATE "Notification"
       SET status = 'SENT', error = NULL, transport = ${written.transport}, "providerMessageId" = ${written.providerMessageId}, "sentAt" = ${written.sentAt}
     WHERE id = ${row.id}::uuid AND status <> 'SENT'`;

  let marked: number;
  try {
    marked = (await appendEvidenceWith(prisma, input.interviewId, entry, markRow)).changed;
  } catch (err) {
    log.warn('recording a sent message failed; recording its acceptance on its own', { ...ids, error: errorCode(err) });
    marked = await untilWritten('recording an accepted message', ids, stopBy, () => prisma.$executeRaw(markRow));
    // Thrown on failure: the retry finds the row SENT and completes the evidence (alreadySent).
    if (marked > 0) await appendEvidence(prisma, input.interviewId, [entry]);
  }
  if (marked === 0) {
    log.warn('message accepted for a row already marked SENT; its record stands', ids);
    return alreadySent(prisma, input, await prisma.notification.findUniqueOrThrow({ where: { id: row.id } }));
  }
  return { outcome: 'SENT', notificationId: row.id, channel: input.channel };
}

async function markRejected(prisma: PrismaClient, input: SendMessageInput, notificationId: string, failure: ProviderFailure): Promise<SendResult> {
  const error = `${failure.provider} ${failure.reason}${failure.code ? ` (${failure.code})` : ''}: ${failure.message}`;
  // Only a pending row: one the workflow abandoned meanwhile keeps that outcome.
  // Same key as MESSAGE_SENT: a message has one outcome, and FAILED is final for its row.
  await appendEvidenceWith(
    prisma,
    input.interviewId,
    {
      key: `message:${input.attempt}:${input.point}:${input.channel}`,
      kind: 'MESSAGE_REJECTED',
      at: new Date(),
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
    Prisma.sql`UPDATE "Notification" SET status = 'FAILED', transport = ${failure.provider}, error = ${error}
                WHERE id = ${notificationId}::uuid AND status = 'PENDING'`,
  );
  return { outcome: 'REJECTED', notificationId, channel: input.channel, reason: failure.reason };
}

/** A message the provider may have got on an earlier attempt whose answer was lost. */
async function alreadyAtProvider(
  transport: MessageTransport,
  row: { providerMessageId: string | null; transport: string | null; attemptedAt: Date | null; body: string | null },
  outgoing: OutgoingMessage,
): Promise<{ sent: SentMessage; recoveredBy: Recovery } | undefined> {
  if (row.providerMessageId) {
    // Written by the provider's first receipt (domain/receipts.ts) while the worker had not recorded it.
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

/**
 * The workflow gave up on a message whose provider failed (transiently)
 * until the interview started. The row ends FAILED and the give-up is
 * evidence, unless the message was sent meanwhile; an attempt still in
 * flight that gets it through later marks it SENT with its own evidence.
 * A message that was sent but whose evidence never got written (the last
 * attempt failed on it) gets that evidence here.
 */
export async function abandonMessage(prisma: PrismaClient, input: SendMessageInput): Promise<void> {
  const key = { interviewId: input.interviewId, attempt: input.attempt, point: input.point, channel: input.channel };
  const at = new Date();
  await prisma.$transaction(async (t) => {
    const row = await t.notification.findUnique({ where: { interviewId_attempt_point_channel: key } });
    if (row?.status === 'SENT') {
      await appendEvidence(t, input.interviewId, [sentEvidence(row, input.fallbackFor)]);
      return;
    }
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
}


/** What a message is written from: the interview, its candidate, position and company, and how often it moved. */
interface MessageFacts {
  id: string;
  status: string;
  policy: unknown;
  startsAt: Date;
  joinUrl: string;
  candidateName: string;
  phone: string;
  email: string;
  timezone: string | null;
  locale: string | null;
  positionTitle: string;
  company: string;
  moves: number;
}

/**
 * The message's notification row, written or (on a retry) read back, and what
 * the message is written from, in one statement: every send starts here.
 */
async function notificationWithFacts(prisma: PrismaClient, input: SendMessageInput): Promise<{ row: Notification; interview: MessageFacts }> {
  // The no-op update makes RETURNING give the existing row on a retry.
  const [found] = await prisma.$queryRaw<Array<Notification & Omit<MessageFacts, 'id' | 'status'> & { interviewStatus: string }>>`
    WITH n AS (
      INSERT INTO "Notification" (id, "interviewId", attempt, point, channel, "dueAt")
      VALUES (gen_random_uuid(), ${input.interviewId}::uuid, ${input.attempt}, ${input.point}, ${input.channel}, ${new Date(input.dueAt)})
      ON CONFLICT ("interviewId", attempt, point, channel) DO UPDATE SET attempt = EXCLUDED.attempt
      RETURNING id, "interviewId", attempt, point, channel, "dueAt", status::text AS status, transport, body, "providerMessageId",
                "attemptedAt", "sentAt", "deliveryStatus", "deliveredAt", error
    )
    SELECT n.*, i.status::text AS "interviewStatus", i.policy, i."startsAt", i."joinUrl",
           c.name AS "candidateName", c.phone, c.email, c.timezone, c.locale,
           p.title AS "positionTitle", s.name AS company,
           (SELECT count(*)::int FROM "Evidence" e WHERE e."interviewId" = i.id AND e.kind = 'RESCHEDULED') AS moves
      FROM n
      JOIN "Interview" i ON i.id = n."interviewId"
      JOIN "Candidate" c ON c.id = i."candidateId"
      JOIN "Position" p ON p.id = i."positionId"
      JOIN "Subsidiary" s ON s.id = i."subsidiaryId"`;
  if (!found) throw new Error(`interview ${input.interviewId} not found`);
  const { interviewStatus, policy, startsAt, joinUrl, candidateName, phone, email, timezone, locale, positionTitle, company, moves, ...row } = found;
  return {
    row: row as Notification,
    interview: {
      id: row.interviewId,
      status: interviewStatus,
      policy,
      startsAt,
      joinUrl,
      candidateName,
      phone,
      email,
      timezone,
      locale,
      positionTitle,
      company,
      moves,
    },
  };
}

/**
 * What a message says beyond the interview itself: whether a cancellation was
 * late, a record's expiry and the end of its dispute window, and, for an
 * e-mail, the calendar invite's id and sequence (one more for each move).
 */
async function noticeFacts(
  prisma: PrismaClient,
  links: ShortLinks,
  interview: Pick<MessageFacts, 'id' | 'status' | 'policy' | 'moves'>,
  input: SendMessageInput,
): Promise<Pick<MessageContext, 'late' | 'record' | 'calendar'>> {
  const out: Pick<MessageContext, 'late' | 'record' | 'calendar'> = {};
  if (input.point === CANCELLED_NOTICE) out.late = interview.status === 'LATE_CANCELLED';
  if (input.point === RECORD_NOTICE) {
    const record = await prisma.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId: interview.id, attempt: input.attempt } } });
    const window = durationMs(resolvePolicy(interview.policy).disputeWindow, 'disputeWindow');
    out.record = { expiresAt: record?.expiresAt ?? null, contestUntil: record?.classifiedAt ? contestUntil(record.classifiedAt, window) : null };
  }
  if (input.channel === 'email') {
    out.calendar = {
      uid: `${interview.id}@turnout`,
      sequence: interview.moves + (input.point === CANCELLED_NOTICE ? 1 : 0),
      organizerEmail: `no-reply@${new URL(links.publicUrl).hostname}`,
    };
  }
  return out;
}

/** One message for one reminder point on one channel, at most once: the steps the header describes. */
export async function sendMessage(deps: MessageDeps, input: SendMessageInput): Promise<SendResult> {
  const { prisma, transport, links } = deps;
  // Start-to-close counts from this attempt's start, which is about now, on this
  // process's clock (no skew with the server's). Not from currentAttemptScheduledTimestampMs:
  // on the rate-limited channel queues an attempt can wait minutes between being scheduled and starting.
  const stopBy = Date.now() + Context.current().info.startToCloseTimeoutMs - DEADLINE_MARGIN_MS;
  const { row, interview } = await notificationWithFacts(prisma, input);
  if (row.status === 'SENT') return alreadySent(prisma, input, row);
  if (row.status === 'FAILED') return { outcome: 'REJECTED', notificationId: row.id, channel: input.channel };

  // The message's own short link to its interview and attempt (lib/short-links.ts): the
  // same code on every retry of this notification, its hash stored with the claim below.
  const linkCode = shortLinkCode(links.masterKey, row.id);
  const selfServiceUrl = shortLinkUrl(links.publicUrl, linkCode);
  const rendered = renderMessage({
    point: input.point,
    channel: input.channel,
    candidateName: interview.candidateName,
    positionTitle: interview.positionTitle,
    company: interview.company,
    startsAt: interview.startsAt,
    timezone: interview.timezone,
    locale: interview.locale,
    joinUrl: interview.joinUrl,
    selfServiceUrl,
    ...(await noticeFacts(prisma, links, interview, input)),
  });
  const outgoing: OutgoingMessage = {
    notificationId: row.id,
    channel: input.channel,
    to: input.channel === 'sms' ? interview.phone : interview.email,
    subject: rendered.subject,
    body: rendered.body,
    ...(rendered.html ? { html: rendered.html } : {}),
    ...(rendered.attachments ? { attachments: rendered.attachments } : {}),
  };

  const earlier = await alreadyAtProvider(transport, row, outgoing);
  if (earlier) {
    log.info('message found at the provider; not sent again', { notificationId: row.id, recoveredBy: earlier.recoveredBy });
    return markSent(prisma, input, row, earlier.sent, stopBy, earlier.recoveredBy);
  }

  // Claims the send: only a row still pending goes to the provider, so an attempt that
  // outlived the workflow's deadline sends nothing once abandonMessage has ended the row.
  // The first attempt's time stays: a later lookup searches from it. The link is stored in
  // the same statement, so a message can reach the provider only with its link stored
  // (which is why a message found at the provider above needs no insert).
  const claimed = await prisma.$executeRaw`
    WITH link AS (
      INSERT INTO "SelfServiceLink" ("codeHash", "interviewId", attempt, "notificationId")
      VALUES (${hashShortCode(linkCode)}, ${row.interviewId}::uuid, ${row.attempt}, ${row.id}::uuid)
      ON CONFLICT ("codeHash") DO NOTHING
    )
    UPDATE "Notification" SET "attemptedAt" = ${row.attemptedAt ?? new Date()}, body = ${rendered.body}
     WHERE id = ${row.id}::uuid AND status = 'PENDING'`;
  if (claimed === 0) {
    const now = await prisma.notification.findUniqueOrThrow({ where: { id: row.id } });
    return now.status === 'SENT' ? alreadySent(prisma, input, now) : { outcome: 'REJECTED', notificationId: row.id, channel: input.channel };
  }
  // A reminder never after the start (a notice of a change is of use after it, domain/notices.ts):
  // the workflow stops retrying there, but an attempt that began
  // before it can get here after it, when the queues are long or the claim above waited
  // out a database outage.
  if (!isNotice(input.point) && Date.now() >= interview.startsAt.getTime()) {
    await abandonMessage(prisma, input);
    return { outcome: 'ABANDONED', notificationId: row.id, channel: input.channel };
  }

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
      return markRejected(prisma, input, row.id, err.failure);
    }
    // Kept for operators and HR ("why is this message still pending?"); Temporal retries.
    const why = err instanceof ProviderError ? `${err.failure.provider} ${err.failure.reason}: ${err.failure.message}` : 'transport error';
    // Only while pending: an attempt still in flight when the workflow gave up must not hide why.
    await prisma.notification.updateMany({ where: { id: row.id, status: 'PENDING' }, data: { error: `retrying after ${why}` } });
    throw err;
  }
  return markSent(prisma, input, row, sent, stopBy);
}

/**
 * When a reminder due at `dueAt` goes out, given the group's quiet hours in
 * the candidate's time zone (which stays in the database, out of the
 * workflow history). A reminder due at night moves to the end of the night
 * if that is still before the start, else it goes on time; either choice is
 * evidence. Without quiet hours or a known time zone it goes when due.
 */
export async function planQuietHours(prisma: PrismaClient, input: PlanQuietHoursInput): Promise<{ sendAt: string }> {
  const interview = await prisma.interview.findUniqueOrThrow({ where: { id: input.interviewId }, include: { candidate: true } });
  const quiet = resolvePolicy(interview.policy).quietHours;
  const dueAt = new Date(input.dueAt);
  const decision = quietHoursDecision(dueAt, new Date(input.startsAt), quiet, interview.candidate.timezone);
  if (decision.decision !== 'OUTSIDE') {
    await appendEvidence(prisma, input.interviewId, [
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
    ]);
  }
  return { sendAt: decision.sendAt.toISOString() };
}

// --- the activities ----------------------------------------------------------------

export function createMessageActivities(
  prisma: PrismaClient,
  transport: MessageTransport,
  links: ShortLinks,
) {
  const deps: MessageDeps = { prisma, transport, links };
  return {
    sendMessage: (input: SendMessageInput) => sendMessage(deps, input),
    abandonMessage: (input: SendMessageInput) => abandonMessage(prisma, input),
    planQuietHours: (input: PlanQuietHoursInput) => planQuietHours(prisma, input),
  };
}
