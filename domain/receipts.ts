/**
 * Delivery receipts from the providers' webhooks: what they mean, and how the
 * API records them.
 *
 * The workflow is the single writer of an interview's state
 * (docs/state-machine.md). A receipt is not state: it moves no interview from
 * one status to another and no workflow decision waits for it; it is evidence
 * ("the SMS was delivered at 09:02") plus the delivery columns of the
 * notification row the send activity created. Routing it through the workflow
 * would put a history event per receipt into workflows that may already have
 * completed, for nothing the workflow reads. So the webhook route records it
 * here, in one transaction: the notification row's delivery status and the
 * evidence row (appendEvidence locks the interview row, so a receipt and a
 * lifecycle step arriving together chain one after the other). The evidence
 * key `receipt:<provider id>:<status>` makes a provider's retried callback add
 * nothing. The one receipt the workflow hears of is one saying a message will
 * never arrive (receiptMeansUndeliverable): another channel may take over.
 */
import type { Prisma, PrismaClient } from '../lib/database';
import { appendEvidence } from './evidence';
import { TWILIO_PERMANENT, type FailureReason } from './message-failures';

/**
 * The SendGrid custom arg naming the notification a message was sent for;
 * SendGrid's events carry it back as a top-level field. (Twilio's status
 * callback URL names it in its `notification` query parameter.)
 */
export const NOTIFICATION_ARG = 'turnoutNotificationId';

export interface Receipt {
  provider: 'twilio' | 'sendgrid';
  /** The provider's message id (Twilio's SM…, SendGrid's X-Message-Id). */
  providerMessageId: string;
  /** The notification the message was sent for, when the provider echoed it back (callback URL, custom arg). */
  notificationId?: string;
  /** Normalised: queued, sending, sent, delivered, undelivered, failed, deferred, bounced, dropped, opened, … */
  status: string;
  /** The provider's time of the event, else the time it was received. */
  at: Date;
  /** What the provider says went wrong (Twilio ErrorCode, SendGrid bounce classification), ids and codes only. */
  detail?: Record<string, string | number | undefined>;
}

export interface ReceiptResult {
  outcome: 'recorded' | 'duplicate' | 'unknown_message';
  /** The message the receipt is about, when Turnout sent it: ids only. */
  message?: { notificationId: string; interviewId: string; workflowId: string; attempt: number; point: string; channel: string };
}

/**
 * How far along a message is: a receipt never moves deliveryStatus backwards
 * (providers post out of order), and engagement (opened, clicked) is evidence
 * only. A final status replaces any earlier one; two finals keep the first.
 */
const PROGRESS: Record<string, number> = {
  accepted: 1,
  queued: 1,
  processed: 1,
  sending: 2,
  sent: 3,
  deferred: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  bounced: 4,
  dropped: 4,
};

/** A Twilio delivery receipt's ErrorCode (30003 …), for evidence: permanent or not. */
export function twilioReceiptReason(errorCode: string | undefined): FailureReason | undefined {
  if (!errorCode) return undefined;
  return TWILIO_PERMANENT[Number(errorCode)] ?? 'unknown';
}

/**
 * Whether a delivery receipt says the message will never arrive, for a reason
 * another channel gets around: Twilio's undelivered/failed with a permanent
 * ErrorCode (30003 "handset unreachable" may pass, so it does not count);
 * SendGrid's dropped (a suppressed or invalid address) and bounce of type
 * "bounce" (type "blocked" is the receiving server refusing for now).
 */
export function receiptMeansUndeliverable(
  provider: string,
  status: string,
  detail: { errorCode?: string | number; bounceType?: string | number } = {},
): boolean {
  if (provider === 'twilio') {
    if (status !== 'undelivered' && status !== 'failed') return false;
    const reason = twilioReceiptReason(detail.errorCode === undefined ? undefined : String(detail.errorCode));
    return reason === 'invalid_recipient' || reason === 'unsubscribed' || reason === 'blocked';
  }
  if (provider === 'sendgrid') return status === 'dropped' || (status === 'bounced' && detail.bounceType !== 'blocked');
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function findNotification(t: Prisma.TransactionClient, r: Receipt) {
  const withWorkflow = { interview: { select: { workflowId: true } } } as const;
  if (r.notificationId && UUID.test(r.notificationId)) {
    const byId = await t.notification.findUnique({ where: { id: r.notificationId }, include: withWorkflow });
    // An id echoed back must agree with the provider id when both are known.
    if (byId && (byId.providerMessageId === null || byId.providerMessageId === r.providerMessageId)) return byId;
  }
  return t.notification.findFirst({ where: { providerMessageId: r.providerMessageId }, include: withWorkflow });
}

export async function recordReceipt(prisma: PrismaClient, r: Receipt): Promise<ReceiptResult> {
  return prisma.$transaction(async (t) => {
    const n = await findNotification(t, r);
    if (!n) return { outcome: 'unknown_message' };
    const message = {
      notificationId: n.id,
      interviewId: n.interviewId,
      workflowId: n.interview.workflowId,
      attempt: n.attempt,
      point: n.point,
      channel: n.channel,
    };

    const next = PROGRESS[r.status];
    const current = n.deliveryStatus ? PROGRESS[n.deliveryStatus] : 0;
    const advance = next !== undefined && (current === undefined || (next > current) || (next === current && next < 4));
    const data: Prisma.NotificationUpdateInput = {};
    // A message whose send answer was lost: the receipt tells a retry that the provider has it.
    if (n.providerMessageId === null) {
      data.providerMessageId = r.providerMessageId;
      data.transport = r.provider;
    }
    if (advance) data.deliveryStatus = r.status;
    if (r.status === 'delivered' && n.deliveredAt === null) data.deliveredAt = r.at;
    if (Object.keys(data).length) await t.notification.update({ where: { id: n.id }, data });

    const added = await appendEvidence(t, n.interviewId, [
      {
        key: `receipt:${r.providerMessageId}:${r.status}`,
        kind: 'MESSAGE_RECEIPT',
        at: r.at,
        data: {
          attempt: n.attempt,
          notificationId: n.id,
          point: n.point,
          channel: n.channel,
          provider: r.provider,
          providerMessageId: r.providerMessageId,
          status: r.status,
          ...r.detail,
        },
      },
    ]);
    return { outcome: added ? 'recorded' : 'duplicate', message };
  });
}
