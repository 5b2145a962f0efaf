/**
 * The dispatcher: sends what the transactional outbox holds (alert e-mails,
 * webhook deliveries), in every worker process, coordinated through the
 * database alone.
 *
 * Why a loop over the database and not a Temporal workflow per delivery:
 * the rows are already durable and ordered by the transaction that wrote
 * them; a lease (`leaseUntil`, claimed with FOR UPDATE SKIP LOCKED) lets
 * several workers share the work and hands a dead worker's rows to another;
 * the retry schedule spans a day or more, which is a timestamp on a row, not
 * a timer per event in a history. Workflow histories stay free of anything
 * but ids, times and states.
 *
 * Webhooks (at least once): a delivery stays PENDING until an attempt gets a
 * 2xx (DELIVERED) or the schedule is spent (FAILED). Every attempt carries the
 * event's webhook-id. A worker killed mid-attempt leaves the lease to expire
 * and the next attempt resends: the receiver dedupes on webhook-id. Per
 * endpoint and interview only the oldest PENDING delivery is eligible, so a
 * receiver sees an interview's events in order. 410 Gone disables the
 * endpoint (its deliveries wait for `enable`). Redirects are never followed.
 *
 * E-mails (at most once per alert and address): the row becomes SENDING just
 * before the transport is called and DELIVERED after; one left SENDING by a
 * dead worker is not sent again but marked FAILED (outcome unknown). A
 * transport error that says the message did not go out (the provider
 * answered with a refusal, or no connection was made) is retried on the
 * schedule; a permanent one fails the row, and so does a timeout, after
 * which the e-mail may have gone. Every final outcome of an alert's
 * delivery, e-mail or webhook, is evidence on the interview.
 */
import type { DeliveryConfig } from '../../lib/config';
import type { Prisma, PrismaClient } from '../../lib/database';
import { decryptSecret } from '../../lib/secrets';
import { appendEvidence } from '../../domain/evidence';
import { nextAttemptDelay, type EndpointFormat } from '../../domain/outbound-events';
import { ProviderError, scrub } from '../messaging/errors';
import type { MessageTransport } from '../messaging/transport';
import { readAlertContent, renderAlertChat, renderAlertEmail } from './alert-content';
export type { DeliveryConfig };
import { robotRefusal, robotRequest, standardRequest, type ChatMessage, type WireRequest } from './formats';

export interface DispatcherDeps {
  prisma: PrismaClient;
  /** The e-mail transport (SendGrid, or the outbox). */
  transport: MessageTransport;
  masterKey: Buffer;
  /** Deep links in alerts point here. */
  publicUrl: string;
  config: DeliveryConfig;
  log: (msg: string, fields: Record<string, unknown>) => void;
}

export interface Dispatcher {
  run(): Promise<void>;
  shutdown(): void;
  /** One pass over what is due (tests drive it directly). */
  tick(): Promise<number>;
}

const BATCH = 20;

type Outcome = 'success' | 'http_error' | 'redirect' | 'gone' | 'timeout' | 'network' | 'robot_error';

interface AttemptResult {
  outcome: Outcome;
  statusCode: number | null;
  error: string | null;
}

/** One POST; never follows a redirect, never waits past the timeout. */
export async function post(req: WireRequest, timeoutMs: number, robot: boolean): Promise<AttemptResult> {
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: { 'user-agent': 'Turnout-Webhooks/1', ...req.headers },
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) {
      const refused = robot ? robotRefusal(text) : null;
      return refused ? { outcome: 'robot_error', statusCode: res.status, error: refused } : { outcome: 'success', statusCode: res.status, error: null };
    }
    if (res.status === 410) return { outcome: 'gone', statusCode: 410, error: 'the receiver answered 410 Gone' };
    if (res.status >= 300 && res.status < 400) {
      return { outcome: 'redirect', statusCode: res.status, error: `redirect to ${res.headers.get('location') ?? '?'} not followed` };
    }
    return { outcome: 'http_error', statusCode: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { outcome: 'timeout', statusCode: null, error: `no answer within ${timeoutMs} ms` };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { outcome: 'network', statusCode: null, error: (cause?.code ?? cause?.message ?? e.message).slice(0, 300) };
  }
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { prisma, config } = deps;
  const leaseMs = config.timeoutMs + 30_000;
  let stopping = false;
  let wake: (() => void) | null = null;

  const secret = (sealed: string | null) => (sealed ? decryptSecret(deps.masterKey, sealed) : null);

  async function alertEvidence(
    t: Prisma.TransactionClient,
    alertId: string,
    delivered: boolean,
    data: Record<string, unknown>,
    key: string,
  ): Promise<void> {
    const alert = await t.hrAlert.findUnique({ where: { id: alertId } });
    if (!alert) return;
    await appendEvidence(t, alert.interviewId, [
      {
        key,
        kind: delivered ? 'HR_ALERT_DELIVERED' : 'HR_ALERT_DELIVERY_FAILED',
        at: new Date(),
        data: { attempt: alert.attempt, alertId, alert: alert.kind, ...data },
      },
    ]);
  }

  // ---- alert e-mails -----------------------------------------------------------

  async function claimEmails(now: Date): Promise<string[]> {
    const rows = await prisma.$queryRaw<{ id: string }[]>`
      UPDATE "AlertEmail" SET "leaseUntil" = ${new Date(now.getTime() + leaseMs)}
      WHERE id IN (
        SELECT id FROM "AlertEmail"
        WHERE status = 'PENDING' AND "nextAttemptAt" <= ${now} AND ("leaseUntil" IS NULL OR "leaseUntil" < ${now})
        ORDER BY "createdAt" LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED)
      RETURNING id`;
    return rows.map((r) => r.id);
  }

  async function finishEmail(id: string, alertId: string, data: Prisma.AlertEmailUpdateInput, delivered: boolean, evidence: Record<string, unknown>) {
    await prisma.$transaction(async (t) => {
      await t.alertEmail.update({ where: { id }, data: { ...data, leaseUntil: null } });
      await alertEvidence(t, alertId, delivered, { channel: 'email', deliveryId: id, ...evidence }, `alert-email:${id}`);
    });
  }

  async function sendEmail(id: string): Promise<void> {
    const row = await prisma.alertEmail.findUniqueOrThrow({ where: { id } });
    const content = await readAlertContent(prisma, row.alertId, deps.publicUrl);
    const message = renderAlertEmail(content, row.locale);
    // From here on the message may reach the provider: never again after this point.
    const claimed = await prisma.alertEmail.updateMany({
      where: { id, status: 'PENDING' },
      data: { status: 'SENDING', attempts: { increment: 1 }, subject: message.subject, body: message.body },
    });
    if (claimed.count === 0) return;
    try {
      const sent = await deps.transport.send({ notificationId: id, channel: 'email', to: row.email, ...message });
      await finishEmail(
        id,
        row.alertId,
        { status: 'DELIVERED', transport: sent.transport, providerMessageId: sent.providerMessageId, sentAt: new Date(), error: null },
        true,
        { transport: sent.transport },
      );
    } catch (err) {
      const permanent = err instanceof ProviderError && err.permanent;
      const error = scrub((err as Error).message);
      // Only a refusal the provider answered, or a connection never made, says the e-mail did not
      // leave; after a timeout it may have, and a second alert e-mail is what this row prevents.
      const notSent = (err instanceof ProviderError && err.failure.httpStatus !== undefined) || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(String((err as Error).message));
      const delay = permanent || !notSent ? null : nextAttemptDelay(config.retryScheduleMs, row.attempts + 1);
      if (delay === null) {
        const why = permanent ? 'rejected' : notSent ? 'retries spent' : 'outcome unknown';
        await finishEmail(id, row.alertId, { status: 'FAILED', error: why === 'outcome unknown' ? `outcome unknown, not sent again: ${error}` : error }, false, { error: why });
      } else {
        await prisma.alertEmail.update({ where: { id }, data: { status: 'PENDING', error, nextAttemptAt: new Date(Date.now() + delay), leaseUntil: null } });
      }
    }
  }

  /** An e-mail left SENDING by a worker that died mid-send: it may have gone, so it is not sent again. */
  async function settleAbandonedEmails(now: Date): Promise<void> {
    // Plain SQL: every pass asks, and nearly always finds none.
    const stuck = await prisma.$queryRaw<Array<{ id: string; alertId: string }>>`
      SELECT id, "alertId" FROM "AlertEmail" WHERE status = 'SENDING' AND "leaseUntil" < ${now} LIMIT ${BATCH}`;
    for (const r of stuck) {
      await finishEmail(r.id, r.alertId, { status: 'FAILED', error: 'outcome unknown: the worker stopped while sending; not sent again' }, false, {
        error: 'outcome unknown',
      });
    }
  }

  // ---- webhook deliveries ------------------------------------------------------------

  async function claimDeliveries(now: Date): Promise<string[]> {
    const rows = await prisma.$queryRaw<{ id: string }[]>`
      UPDATE "WebhookDelivery" SET "leaseUntil" = ${new Date(now.getTime() + leaseMs)}
      WHERE id IN (
        SELECT d.id FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e.id = d."endpointId"
        WHERE d.status = 'PENDING' AND d."nextAttemptAt" <= ${now} AND (d."leaseUntil" IS NULL OR d."leaseUntil" < ${now})
          AND e."disabledAt" IS NULL AND e."deletedAt" IS NULL
          AND NOT EXISTS (
            SELECT 1 FROM "WebhookDelivery" p
            WHERE p."endpointId" = d."endpointId" AND p."orderKey" = d."orderKey" AND p."eventId" < d."eventId" AND p.status = 'PENDING')
        ORDER BY d."eventId" LIMIT ${BATCH}
        FOR UPDATE OF d SKIP LOCKED)
      RETURNING id`;
    return rows.map((r) => r.id);
  }

  async function chatMessage(event: { type: string; alertId: string | null }): Promise<ChatMessage> {
    if (event.type === 'hr.alert' && event.alertId) {
      const content = await readAlertContent(prisma, event.alertId, deps.publicUrl);
      const interview = await prisma.hrAlert.findUniqueOrThrow({ where: { id: event.alertId }, select: { interview: { select: { subsidiaryId: true } } } });
      const alerting = await prisma.alertingConfig.findUnique({ where: { subsidiaryId: interview.interview.subsidiaryId } });
      return renderAlertChat(content, alerting?.locale ?? 'zh-CN');
    }
    const text = `Turnout: ${event.type}`;
    return { title: text, markdown: text, text };
  }

  /** A delivery with its event and endpoint, in one plain read: every event passes here. */
  async function readDelivery(id: string) {
    const [row] = await prisma.$queryRaw<
      Array<{
        attempts: number;
        publicId: string;
        type: string;
        occurredAt: Date;
        data: Prisma.JsonValue;
        alertId: string | null;
        endpointId: string;
        urlEncrypted: string;
        format: string;
        secretEncrypted: string | null;
        previousSecretEncrypted: string | null;
        previousSecretExpiresAt: Date | null;
      }>
    >`
      SELECT d.attempts, ev."publicId", ev.type, ev."occurredAt", ev.data, ev."alertId"::text AS "alertId",
             ep.id AS "endpointId", ep."urlEncrypted", ep.format, ep."secretEncrypted", ep."previousSecretEncrypted", ep."previousSecretExpiresAt"
        FROM "WebhookDelivery" d
        JOIN "OutboundEvent" ev ON ev.id = d."eventId"
        JOIN "WebhookEndpoint" ep ON ep.id = d."endpointId"
       WHERE d.id = ${id}::uuid`;
    if (!row) throw new Error(`webhook delivery ${id} not found`);
    return {
      attempts: row.attempts,
      event: { publicId: row.publicId, type: row.type, occurredAt: row.occurredAt, data: row.data, alertId: row.alertId },
      endpoint: {
        id: row.endpointId,
        urlEncrypted: row.urlEncrypted,
        format: row.format,
        secretEncrypted: row.secretEncrypted,
        previousSecretEncrypted: row.previousSecretEncrypted,
        previousSecretExpiresAt: row.previousSecretExpiresAt,
      },
    };
  }

  async function deliver(id: string): Promise<void> {
    const d = await readDelivery(id);
    const { endpoint, event } = d;
    const now = new Date();
    const url = decryptSecret(deps.masterKey, endpoint.urlEncrypted);
    const format = endpoint.format as EndpointFormat;
    let request: WireRequest;
    if (format === 'standard') {
      const secrets = [secret(endpoint.secretEncrypted)!];
      if (endpoint.previousSecretEncrypted && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
        secrets.push(secret(endpoint.previousSecretEncrypted)!);
      }
      request = standardRequest(url, secrets, { id: event.publicId, type: event.type, occurredAt: event.occurredAt, data: event.data }, now);
    } else {
      request = robotRequest(format, url, secret(endpoint.secretEncrypted), await chatMessage(event), now);
    }
    const started = Date.now();
    const result = await post(request, config.timeoutMs, format !== 'standard');
    const attempts = d.attempts + 1;
    const delivered = result.outcome === 'success';
    const delay = delivered ? null : nextAttemptDelay(config.retryScheduleMs, attempts);
    const status = delivered ? 'DELIVERED' : delay === null ? 'FAILED' : 'PENDING';
    const finished = new Date();
    await prisma.$transaction(async (t) => {
      // The attempt's log row and the delivery's new state in one statement: every event passes here.
      await t.$executeRaw`
        WITH attempt AS (
          INSERT INTO "WebhookAttempt" ("deliveryId", at, outcome, "statusCode", error, "durationMs")
          VALUES (${id}::uuid, ${now}, ${result.outcome}, ${result.statusCode}, ${result.error}, ${finished.getTime() - started})
        )
        UPDATE "WebhookDelivery"
           SET status = ${status}::"DeliveryStatus", attempts = ${attempts}, "leaseUntil" = NULL,
               "lastStatusCode" = ${result.statusCode}, "lastError" = ${result.error},
               "deliveredAt" = ${delivered ? finished : null}::timestamptz,
               "nextAttemptAt" = COALESCE(${delay === null ? null : new Date(finished.getTime() + delay)}::timestamptz, "nextAttemptAt")
         WHERE id = ${id}::uuid`;
      if (result.outcome === 'gone') {
        await t.webhookEndpoint.update({ where: { id: endpoint.id }, data: { disabledAt: new Date(), disabledReason: 'the receiver answered 410 Gone' } });
      }
      if (event.alertId && status !== 'PENDING') {
        await alertEvidence(t, event.alertId, delivered, { channel: format === 'standard' ? 'webhook' : format, endpointId: endpoint.id, deliveryId: id }, `alert-webhook:${id}:${attempts}`);
      }
    });
    if (!delivered) deps.log('webhook attempt failed', { deliveryId: id, endpointId: endpoint.id, outcome: result.outcome, statusCode: result.statusCode, status });
  }

  async function tick(): Promise<number> {
    const now = new Date();
    await settleAbandonedEmails(now);
    const emails = await claimEmails(now);
    const deliveries = await claimDeliveries(now);
    const work = [...emails.map((id) => () => sendEmail(id)), ...deliveries.map((id) => () => deliver(id))];
    await Promise.all(
      work.map((w) =>
        w().catch((err: unknown) => deps.log('delivery step failed; its lease will expire and it goes again', { error: scrub(String(err)) })),
      ),
    );
    return work.length;
  }

  return {
    tick,
    async run() {
      while (!stopping) {
        let done = 0;
        try {
          done = await tick();
        } catch (err) {
          // The database away: try again at the next poll.
          deps.log('dispatcher pass failed', { error: scrub(String(err)) });
        }
        if (done > 0 || stopping) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    },
    shutdown() {
      stopping = true;
      wake?.();
    },
  };
}
