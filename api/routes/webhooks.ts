/**
 * Delivery receipts from the providers, turned into evidence:
 *
 *   POST /v1/webhooks/twilio/status     Twilio's status callback (a form)
 *   POST /v1/webhooks/sendgrid/events   SendGrid's signed event webhook (a JSON batch)
 *
 * The providers' scope (api/scopes/providers.ts) has checked the signature
 * before a handler runs. Only a verified receipt reaches domain/receipts.ts,
 * which explains why the API, not the workflow, writes it. A receipt saying
 * a message will never arrive (a bounce, an unknown number) is also signalled
 * to the interview's workflow, which sends the same message on another
 * channel while that can still help: the fallback is a decision, so it stays
 * the workflow's.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  NOTIFICATION_ARG,
  receiptMeansUndeliverable,
  recordReceipt,
  twilioReceiptReason,
  type Receipt,
  type ReceiptResult,
} from '../../domain/receipts';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';
import {
  ReceiptsAccepted,
  SendGridEventBatch,
  TwilioStatusCallback,
  TwilioStatusQuery,
  type ReceiptsAccepted as Accepted,
} from '../schemas/webhooks';

/** SendGrid batches events; a busy minute can be far above the API's default body limit. */
const SENDGRID_BODY_LIMIT = 5 * 1024 * 1024;

/** SendGrid event names → the delivery vocabulary of receipts.ts. */
const SENDGRID_STATUS: Record<string, string> = {
  processed: 'processed',
  deferred: 'deferred',
  delivered: 'delivered',
  bounce: 'bounced',
  dropped: 'dropped',
  open: 'opened',
  click: 'clicked',
  spamreport: 'spam_reported',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
  group_resubscribe: 'resubscribed',
};

function tally(results: ReceiptResult['outcome'][]): Accepted {
  return {
    recorded: results.filter((r) => r === 'recorded').length,
    duplicates: results.filter((r) => r === 'duplicate').length,
    unknown: results.filter((r) => r === 'unknown_message').length,
  };
}

const webhooksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, gateway } = app.turnout;

  /**
   * Records one receipt and, when it says the message will never arrive, tells
   * the workflow. Also for a duplicate: a provider retrying a batch we answered
   * with 503 (Temporal unreachable) gets its fallback then; the workflow sends
   * a fallback once. An interview that has ended needs none.
   */
  async function receive(req: FastifyRequest, r: Receipt): Promise<ReceiptResult['outcome']> {
    const { outcome, message } = await recordReceipt(prisma, r);
    if (outcome === 'unknown_message') {
      req.log.debug({ provider: r.provider, providerMessageId: r.providerMessageId, status: r.status }, 'receipt for a message Turnout did not send');
    }
    if (message && receiptMeansUndeliverable(r.provider, r.status, r.detail)) {
      try {
        await gateway.messageUndeliverable(message.workflowId, {
          notificationId: message.notificationId,
          attempt: message.attempt,
          point: message.point,
          channel: message.channel,
        });
      } catch (err) {
        if (!(err instanceof ApiError && (err.statusCode === 404 || err.statusCode === 409))) throw err;
      }
    }
    return outcome;
  }

  // Twilio posts forms. This parser exists inside this plugin only; the rest of the API takes JSON.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post(
    '/webhooks/twilio/status',
    {
      config: { receiptsFrom: 'twilio' },
      schema: {
        summary: "Twilio's message status callback (signed with X-Twilio-Signature)",
        tags: ['providers'],
        consumes: ['application/x-www-form-urlencoded'],
        querystring: TwilioStatusQuery,
        body: TwilioStatusCallback,
        response: { 200: ReceiptsAccepted, '4xx': ErrorBody, 503: ErrorBody },
      },
    },
    async (req) => {
      const cb = req.body;
      const status = cb.MessageStatus.toLowerCase();
      const errorCode = cb.ErrorCode && cb.ErrorCode !== '0' ? cb.ErrorCode : undefined;
      const receipt: Receipt = {
        provider: 'twilio',
        providerMessageId: cb.MessageSid,
        notificationId: req.query.notification,
        status,
        at: new Date(),
        detail: errorCode ? { errorCode, reason: twilioReceiptReason(errorCode) } : undefined,
      };
      return tally([await receive(req, receipt)]);
    },
  );

  app.post(
    '/webhooks/sendgrid/events',
    {
      bodyLimit: SENDGRID_BODY_LIMIT,
      config: { receiptsFrom: 'sendgrid' },
      schema: {
        summary: "SendGrid's signed event webhook",
        tags: ['providers'],
        body: SendGridEventBatch,
        response: { 200: ReceiptsAccepted, '4xx': ErrorBody, 503: ErrorBody },
      },
    },
    async (req) => {
      // SendGrid retries a batch answered with a non-2xx, so one receipt that fails to record
      // fails the batch (500), and the retry adds only the rows still missing (evidence keys).
      const results: ReceiptResult['outcome'][] = [];
      for (const e of req.body) {
        const status = SENDGRID_STATUS[e.event] ?? e.event;
        const extra = e as Record<string, unknown>;
        const notificationId = typeof extra[NOTIFICATION_ARG] === 'string' ? (extra[NOTIFICATION_ARG] as string) : undefined;
        // sg_message_id is "<X-Message-Id>.<filter id>…": its prefix is the id the send recorded.
        const providerMessageId = e.sg_message_id?.split('.')[0];
        if (!providerMessageId) {
          results.push('unknown_message');
          continue;
        }
        const str = (k: string) => (typeof extra[k] === 'string' || typeof extra[k] === 'number' ? (extra[k] as string | number) : undefined);
        results.push(
          await receive(req, {
            provider: 'sendgrid',
            providerMessageId,
            notificationId,
            status,
            at: typeof e.timestamp === 'number' ? new Date(e.timestamp * 1000) : new Date(),
            // Codes and classes only: SendGrid's `reason` and `response` quote the address.
            detail: { sgEventId: e.sg_event_id, smtpStatus: str('status'), bounceType: str('type'), bounceClassification: str('bounce_classification') },
          }),
        );
      }
      return tally(results);
    },
  );
};

export default webhooksRoutes;
