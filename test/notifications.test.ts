/**
 * Real reminders end to end: the real Twilio and SendGrid SDKs, pointed at
 * local stand-ins of their APIs (dev/standins/), driven by
 * interview workflows on the real Temporal dev server, checked in PostgreSQL.
 * Each test confirms one interview whose only message due is the confirmation
 * (no reminder offsets, start an hour away), so every request the stand-ins
 * see belongs to it.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { verifyChain } from '../domain/evidence';
import { interviewWorkflowId } from '../domain/interview';
import { NOTIFICATION_ARG } from '../domain/receipts';
import { stateQuery } from '../workflows/definitions';
import { confirmedEvent, createTestTenant, eventually, postEvent, startHarness, waitForInterviewRow, type Harness } from './support/harness';
import type { AcceptedMessage } from '../dev/standins/http-standin';
import { SendGridSigner, SendGridStandIn, sendgridError, sendgridEvent } from '../dev/standins/sendgrid';
import { TwilioStandIn, twilioError, twilioSignature } from '../dev/standins/twilio';
import { STANDIN_CALLBACK_URL, useStandIns, type StandInEnvironment } from './support/provider-env';
import { buildApiApp } from './support/api-app';

const twilioApi = new TwilioStandIn();
const sendgridApi = new SendGridStandIn();
const signer = new SendGridSigner();
const PHONE = '+8613800138000';
const EMAIL = 'li.wei@example.test';

/** Only the confirmation is due: nothing else reaches the stand-ins while a test looks. */
const CONFIRMATION_ONLY = { reminderOffsets: [], grace: 'PT1H', annotationWindow: 'P1D', quietHours: null, channels: ['sms', 'email'] };

let h: Harness;
let standIns: StandInEnvironment | undefined;
beforeAll(async () => {
  await Promise.all([twilioApi.start(), sendgridApi.start()]);
  // Short, so the timeout case does not wait long; the stand-ins answer in milliseconds otherwise.
  standIns = useStandIns({ twilio: twilioApi, sendgrid: sendgridApi, signer }, { PROVIDER_TIMEOUT_MS: '1000' });
  h = await startHarness({ transport: standIns.transport });
});
afterAll(async () => {
  await h?.close();
  await Promise.all([twilioApi.close(), sendgridApi.close()]);
  standIns?.restore();
});
beforeEach(() => {
  twilioApi.reset();
  sendgridApi.reset();
});

async function confirm(channels: string[]): Promise<string> {
  const tenant = await createTestTenant(h, CONFIRMATION_ONLY);
  const event = confirmedEvent({ channels, startsAt: new Date(Date.now() + 3600_000) });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const interview = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 20_000);
  return interview.id;
}

/** Every message of the interview once each has reached SENT or FAILED. */
async function settledNotifications(interviewId: string, count: number) {
  return eventually(async () => {
    const rows = await h.prisma.notification.findMany({ where: { interviewId }, orderBy: { channel: 'desc' } });
    return rows.length === count && rows.every((r) => r.status === 'SENT' || r.status === 'FAILED') ? rows : undefined;
  }, 30_000, `${count} settled notification(s)`);
}

async function evidenceOf(interviewId: string) {
  return h.prisma.evidence.findMany({ where: { interviewId }, orderBy: { seq: 'asc' } });
}

const messageEvidence = (trail: Awaited<ReturnType<typeof evidenceOf>>) =>
  trail
    .filter((e) => e.kind.startsWith('MESSAGE_'))
    .map((e): Record<string, unknown> => ({ kind: e.kind, ...(e.data as Record<string, unknown>) }));

/** Twilio's status callback for a message, signed as Twilio signs it, posted to the URL the message named. */
function twilioCallback(m: AcceptedMessage, status: string, opts: { signature?: string | null; tamper?: Record<string, string>; errorCode?: string } = {}) {
  const callbackUrl = (m.request as Record<string, string>).StatusCallback!;
  const params: Record<string, string> = {
    AccountSid: twilioApi.accountSid,
    MessageSid: m.id,
    SmsSid: m.id,
    MessageStatus: status,
    SmsStatus: status,
    To: m.to,
    From: '+15005550006',
    ApiVersion: '2010-04-01',
    ...(opts.errorCode ? { ErrorCode: opts.errorCode } : {}),
  };
  const signature = opts.signature === undefined ? twilioSignature(twilioApi.authToken, callbackUrl, params) : opts.signature;
  const u = new URL(callbackUrl);
  return h.app.inject({
    method: 'POST',
    url: `${u.pathname}${u.search}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    payload: new URLSearchParams({ ...params, ...opts.tamper }).toString(),
  });
}


function postSendGridEvents(events: unknown[], headers?: Record<string, string>, raw = JSON.stringify(events)) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/webhooks/sendgrid/events',
    headers: { 'content-type': 'application/json', ...(headers ?? signer.headers(raw)) },
    payload: raw,
  });
}

describe('sending through the providers', () => {
  test('with credentials set, the confirmation goes to Twilio and SendGrid in the requests their SDKs make', async () => {
    const interviewId = await confirm(['sms', 'email']);
    const [sms, email] = await settledNotifications(interviewId, 2);

    const [twilioReq] = twilioApi.sends();
    expect(twilioApi.sends()).toHaveLength(1);
    expect(twilioReq!.path).toBe(`/2010-04-01/Accounts/${twilioApi.accountSid}/Messages.json`);
    expect(twilioReq!.headers['content-type']).toContain('application/x-www-form-urlencoded');
    const form = twilioApi.form(twilioReq!);
    expect(form).toMatchObject({ To: PHONE, MessagingServiceSid: twilioApi.messagingServiceSid, StatusCallback: `${STANDIN_CALLBACK_URL}?notification=${sms!.id}` });
    expect(form.Body).toContain('已确认');
    expect(form.Body).toMatch(/\/s\/[A-Za-z0-9_-]{16}$/);

    expect(sendgridApi.sends()).toHaveLength(1);
    const mail = sendgridApi.json_(sendgridApi.sends()[0]!);
    expect(mail).toMatchObject({
      personalizations: [{ to: [{ email: EMAIL }] }],
      from: { email: 'reminders@turnout.example.test', name: 'Turnout' },
      content: [{ type: 'text/plain' }, { type: 'text/html' }],
      attachments: [{ filename: 'invite.ics', type: 'text/calendar; charset=utf-8; method=REQUEST', disposition: 'attachment' }],
      custom_args: { [NOTIFICATION_ARG]: email!.id },
    });
    expect(String(mail.subject)).toContain('Backend Engineer');

    expect(sms).toMatchObject({ channel: 'sms', status: 'SENT', transport: 'twilio', providerMessageId: twilioApi.accepted[0]!.id });
    expect(email).toMatchObject({ channel: 'email', status: 'SENT', transport: 'sendgrid', providerMessageId: sendgridApi.accepted[0]!.id });
    const trail = await evidenceOf(interviewId);
    expect(verifyChain(trail)).toEqual({ ok: true });
    expect(messageEvidence(trail).map((e) => `${e.kind}/${e.channel}/${e.transport}`).sort()).toEqual([
      'MESSAGE_SENT/email/sendgrid',
      'MESSAGE_SENT/sms/twilio',
    ]);
  }, 40_000);
});

describe('transient failures: retried by Temporal, one message in the end', () => {
  test('Twilio answering 500, then 429: two retries with backoff, exactly one SMS accepted', async () => {
    twilioApi.script = [twilioError(500, 20500), twilioError(429, 20429, 'Too Many Requests')];
    const interviewId = await confirm(['sms']);
    const [sms] = await settledNotifications(interviewId, 1);

    const sends = twilioApi.sends();
    expect(sends).toHaveLength(3);
    expect(twilioApi.accepted).toHaveLength(1);
    // Temporal's backoff (0.5 s, then 1 s: workflows/interview.ts RETRY), not a tight loop.
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(450);
    expect(sends[2]!.at - sends[1]!.at).toBeGreaterThanOrEqual(900);
    expect(sms).toMatchObject({ status: 'SENT', providerMessageId: twilioApi.accepted[0]!.id });
    expect(messageEvidence(await evidenceOf(interviewId)).map((e) => e.kind)).toEqual(['MESSAGE_SENT']);
  }, 40_000);

  test('SendGrid answering 503, then 429: retried, exactly one e-mail accepted', async () => {
    sendgridApi.script = [sendgridError(503, 'Service Unavailable'), sendgridError(429, 'too many requests')];
    const interviewId = await confirm(['email']);
    const [email] = await settledNotifications(interviewId, 1);
    expect(sendgridApi.sends()).toHaveLength(3);
    expect(sendgridApi.accepted).toHaveLength(1);
    expect(email).toMatchObject({ status: 'SENT', providerMessageId: sendgridApi.accepted[0]!.id });
  }, 40_000);

  test('a Twilio timeout whose message did get through is found on the retry and not sent again', async () => {
    // Twilio stores the message but answers after the SDK has given up (PROVIDER_TIMEOUT_MS = 1 s).
    twilioApi.script = [{ acceptAfterMs: 2500 }];
    const interviewId = await confirm(['sms']);
    const [sms] = await settledNotifications(interviewId, 1);

    expect(twilioApi.sends()).toHaveLength(1);
    expect(twilioApi.lookups()).toHaveLength(1);
    expect(twilioApi.lookups()[0]!.query.get('To')).toBe(PHONE);
    expect(sms).toMatchObject({ status: 'SENT', providerMessageId: twilioApi.accepted[0]!.id });
    const [sent] = messageEvidence(await evidenceOf(interviewId));
    expect(sent).toMatchObject({ kind: 'MESSAGE_SENT', recoveredBy: 'lookup' });
  }, 40_000);

  test('a provider failing until the start: retries stop there, the message is abandoned as evidence, the window still opens on time', async () => {
    twilioApi.script = Array.from({ length: 30 }, () => twilioError(503, 20503, 'Service Unavailable'));
    const tenant = await createTestTenant(h, CONFIRMATION_ONLY);
    const startsAt = new Date(Date.now() + 6000);
    const event = confirmedEvent({ channels: ['sms'], startsAt });
    expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
    const interview = await eventually(async () => {
      const iv = await h.prisma.interview.findUnique({ where: { subsidiaryId_externalId: { subsidiaryId: tenant.subsidiaryId, externalId: event.data.interviewId } } });
      return iv?.status === 'IN_WINDOW' ? iv : undefined;
    }, 20_000, 'IN_WINDOW');

    const [sms] = await settledNotifications(interview.id, 1);
    expect(sms).toMatchObject({ status: 'FAILED' });
    expect(sms!.error).toContain('abandoned at the interview start');
    expect(sms!.error).toContain('provider_unavailable');
    const trail = await evidenceOf(interview.id);
    const abandoned = trail.find((e) => e.kind === 'MESSAGE_ABANDONED');
    const opened = trail.find((e) => e.kind === 'WINDOW_OPENED');
    expect(abandoned?.data).toMatchObject({ channel: 'sms', point: 'confirmation' });
    // The window opened at the start, not after the provider came back.
    expect(opened!.at.getTime() - startsAt.getTime()).toBeLessThan(2000);
    const tries = twilioApi.sends().length;
    expect(tries).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 2500));
    expect(twilioApi.sends()).toHaveLength(tries);
  }, 40_000);

  test("an answer lost after Twilio accepted (a crash between send and record, seen as a dropped connection) sends no second SMS", async () => {
    twilioApi.script = [{ acceptThenDrop: true }];
    const interviewId = await confirm(['sms']);
    const [sms] = await settledNotifications(interviewId, 1);
    expect(twilioApi.sends()).toHaveLength(1);
    expect(sms).toMatchObject({ status: 'SENT', providerMessageId: twilioApi.accepted[0]!.id });
  }, 40_000);

  test('an answer lost after SendGrid accepted is recognised by its first signed event: no second e-mail', async () => {
    // SendGrid cannot be asked; its "processed" event (carrying the notification id) reaches the API before the retry.
    sendgridApi.script = [
      {
        acceptThenDrop: true,
        beforeDrop: async (m) => {
          const res = await postSendGridEvents([sendgridEvent(m, 'processed')]);
          expect(res.statusCode).toBe(200);
        },
      },
    ];
    const interviewId = await confirm(['email']);
    const [email] = await settledNotifications(interviewId, 1);
    expect(sendgridApi.sends()).toHaveLength(1);
    expect(email).toMatchObject({ status: 'SENT', providerMessageId: sendgridApi.accepted[0]!.id, deliveryStatus: 'processed' });
    expect(messageEvidence(await evidenceOf(interviewId)).map((e) => `${e.kind}:${e.status ?? e.recoveredBy}`)).toEqual([
      'MESSAGE_RECEIPT:processed',
      'MESSAGE_SENT:receipt',
    ]);
  }, 40_000);
});

describe('permanent refusals: not retried, the reminder falls back to the next channel', () => {
  test('Twilio 21211 (invalid number) on an SMS-only interview: rejected once, the same message goes by e-mail', async () => {
    twilioApi.script = [twilioError(400, 21211, `The 'To' number ${PHONE} is not a valid phone number.`)];
    const interviewId = await confirm(['sms']);
    const [sms, email] = await settledNotifications(interviewId, 2);

    expect(twilioApi.sends()).toHaveLength(1);
    expect(sendgridApi.accepted).toHaveLength(1);
    expect(sms).toMatchObject({ channel: 'sms', status: 'FAILED', transport: 'twilio' });
    expect(sms!.error).toContain('21211');
    expect(sms!.error).not.toContain('13800138000');
    expect(email).toMatchObject({ channel: 'email', status: 'SENT', transport: 'sendgrid', point: 'confirmation' });

    const trail = await evidenceOf(interviewId);
    expect(verifyChain(trail)).toEqual({ ok: true });
    expect(messageEvidence(trail)).toEqual([
      expect.objectContaining({ kind: 'MESSAGE_REJECTED', channel: 'sms', reason: 'invalid_recipient', code: '21211', httpStatus: 400 }),
      expect.objectContaining({ kind: 'MESSAGE_SENT', channel: 'email', fallbackFor: 'sms', transport: 'sendgrid' }),
    ]);
  }, 40_000);

  test('Twilio 21610 (unsubscribed) when e-mail already goes out: no second e-mail, the refusal is evidence', async () => {
    twilioApi.script = [twilioError(400, 21610, 'Attempt to send to unsubscribed recipient')];
    const interviewId = await confirm(['sms', 'email']);
    const [sms, email] = await settledNotifications(interviewId, 2);
    expect(sms).toMatchObject({ status: 'FAILED' });
    expect(email).toMatchObject({ status: 'SENT' });
    expect(sendgridApi.sends()).toHaveLength(1);
    expect(messageEvidence(await evidenceOf(interviewId)).find((e) => e.kind === 'MESSAGE_REJECTED')).toMatchObject({ reason: 'unsubscribed' });
  }, 40_000);

  test('SendGrid 400 (invalid address) on an e-mail-only interview falls back to SMS', async () => {
    sendgridApi.script = [sendgridError(400, 'Does not contain a valid address.', 'personalizations.0.to.0.email')];
    const interviewId = await confirm(['email']);
    const [sms, email] = await settledNotifications(interviewId, 2);
    expect(sendgridApi.sends()).toHaveLength(1);
    expect(email).toMatchObject({ status: 'FAILED' });
    expect(sms).toMatchObject({ status: 'SENT', transport: 'twilio' });
    expect(messageEvidence(await evidenceOf(interviewId))).toEqual([
      expect.objectContaining({ kind: 'MESSAGE_REJECTED', channel: 'email', reason: 'invalid_recipient' }),
      expect.objectContaining({ kind: 'MESSAGE_SENT', channel: 'sms', fallbackFor: 'email' }),
    ]);
  }, 40_000);

  test('both channels refusing for good: each tried once, both refusals are evidence, nothing else is sent', async () => {
    twilioApi.script = [twilioError(400, 21614, 'not a mobile number')];
    sendgridApi.script = [sendgridError(403, 'The from address does not match a verified Sender Identity.', 'from')];
    const interviewId = await confirm(['sms']);
    const rows = await settledNotifications(interviewId, 2);
    expect(rows.map((r) => r.status)).toEqual(['FAILED', 'FAILED']);
    // A moment more: a retry, were there one, would show up.
    await new Promise((r) => setTimeout(r, 1500));
    expect(twilioApi.sends()).toHaveLength(1);
    expect(sendgridApi.sends()).toHaveLength(1);
    expect(messageEvidence(await evidenceOf(interviewId)).map((e) => `${e.kind}/${e.channel}/${e.reason}`)).toEqual([
      'MESSAGE_REJECTED/sms/invalid_recipient',
      'MESSAGE_REJECTED/email/account',
    ]);
  }, 40_000);
});

describe('delivery receipts', () => {
  test('signed Twilio status callbacks record queued, sent and delivered; a repeated callback adds nothing', async () => {
    const interviewId = await confirm(['sms']);
    const [sms] = await settledNotifications(interviewId, 1);
    const m = twilioApi.accepted[0]!;

    for (const status of ['sent', 'delivered', 'delivered']) {
      const res = await twilioCallback(m, status);
      expect(res.statusCode).toBe(200);
    }
    // Out of order: a late "queued" does not move the status back.
    expect((await twilioCallback(m, 'queued')).json()).toEqual({ recorded: 1, duplicates: 0, unknown: 0 });

    const row = await h.prisma.notification.findUniqueOrThrow({ where: { id: sms!.id } });
    expect(row.deliveryStatus).toBe('delivered');
    expect(row.deliveredAt).not.toBeNull();
    const trail = await evidenceOf(interviewId);
    expect(verifyChain(trail)).toEqual({ ok: true });
    const receipts = trail.filter((e) => e.kind === 'MESSAGE_RECEIPT');
    expect(receipts.map((e) => e.key)).toEqual([`receipt:${m.id}:sent`, `receipt:${m.id}:delivered`, `receipt:${m.id}:queued`]);
    expect(receipts[1]!.data).toMatchObject({ provider: 'twilio', channel: 'sms', point: 'confirmation', notificationId: sms!.id, status: 'delivered' });
  }, 40_000);

  test('a Twilio "undelivered" receipt keeps the error code as evidence', async () => {
    const interviewId = await confirm(['sms']);
    await settledNotifications(interviewId, 1);
    expect((await twilioCallback(twilioApi.accepted[0]!, 'undelivered', { errorCode: '30003' })).statusCode).toBe(200);
    const receipt = (await evidenceOf(interviewId)).find((e) => e.kind === 'MESSAGE_RECEIPT');
    expect(receipt?.data).toMatchObject({ status: 'undelivered', errorCode: '30003' });
  }, 40_000);

  test('an unsigned Twilio callback gets 401, a wrongly signed or altered one 403, and nothing is recorded', async () => {
    const interviewId = await confirm(['sms']);
    const [sms] = await settledNotifications(interviewId, 1);
    const m = twilioApi.accepted[0]!;
    const before = await h.prisma.evidence.count({ where: { interviewId } });

    const unsigned = await twilioCallback(m, 'delivered', { signature: null });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error.code).toBe('unsigned');
    const wrongKey = await twilioCallback(m, 'delivered', { signature: twilioSignature('another-token', STANDIN_CALLBACK_URL, { MessageSid: m.id }) });
    expect(wrongKey.statusCode).toBe(403);
    // Signed as "failed", delivered as "delivered".
    const altered = await twilioCallback(m, 'failed', { tamper: { MessageStatus: 'delivered' } });
    expect(altered.statusCode).toBe(403);
    expect(altered.json().error.code).toBe('bad_signature');

    expect(await h.prisma.evidence.count({ where: { interviewId } })).toBe(before);
    expect((await h.prisma.notification.findUniqueOrThrow({ where: { id: sms!.id } })).deliveryStatus).toBeNull();
  }, 40_000);

  test('signed SendGrid events record processed, delivered and opened; repeats add nothing', async () => {
    const interviewId = await confirm(['email']);
    const [email] = await settledNotifications(interviewId, 1);
    const m = sendgridApi.accepted[0]!;

    const batch = [sendgridEvent(m, 'processed'), sendgridEvent(m, 'delivered'), sendgridEvent(m, 'open'), sendgridEvent(m, 'open')];
    const res = await postSendGridEvents(batch);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ recorded: 3, duplicates: 1, unknown: 0 });
    expect((await postSendGridEvents(batch)).json()).toEqual({ recorded: 0, duplicates: 4, unknown: 0 });

    const row = await h.prisma.notification.findUniqueOrThrow({ where: { id: email!.id } });
    expect(row).toMatchObject({ deliveryStatus: 'delivered' });
    expect(row.deliveredAt?.getTime()).toBe(batch[1]!.timestamp * 1000);
    const receipts = (await evidenceOf(interviewId)).filter((e) => e.kind === 'MESSAGE_RECEIPT');
    expect(receipts.map((e) => (e.data as { status: string }).status)).toEqual(['processed', 'delivered', 'opened']);
  }, 40_000);

  test('a SendGrid bounce on an e-mail-only interview is evidence, and the same message then goes by SMS', async () => {
    const interviewId = await confirm(['email']);
    const [email] = await settledNotifications(interviewId, 1);
    const m = sendgridApi.accepted[0]!;
    const bounce = sendgridEvent(m, 'bounce', {
      type: 'bounce',
      status: '5.1.1',
      bounce_classification: 'Invalid Address',
      reason: `550 5.1.1 <${EMAIL}>: Recipient address rejected: User unknown`,
    });
    expect((await postSendGridEvents([bounce])).json()).toEqual({ recorded: 1, duplicates: 0, unknown: 0 });
    const [sms] = await settledNotifications(interviewId, 2);
    // SendGrid retrying the batch: no second SMS.
    expect((await postSendGridEvents([bounce])).json()).toEqual({ recorded: 0, duplicates: 1, unknown: 0 });

    expect((await h.prisma.notification.findUniqueOrThrow({ where: { id: email!.id } })).deliveryStatus).toBe('bounced');
    expect(sms).toMatchObject({ channel: 'sms', status: 'SENT', transport: 'twilio', point: 'confirmation' });
    await new Promise((r) => setTimeout(r, 500));
    expect(twilioApi.sends()).toHaveLength(1);
    const trail = await evidenceOf(interviewId);
    expect(verifyChain(trail)).toEqual({ ok: true });
    const receipt = trail.find((e) => e.kind === 'MESSAGE_RECEIPT');
    // Codes and classes, not the SMTP text that quotes the address.
    expect(receipt?.data).toMatchObject({ status: 'bounced', smtpStatus: '5.1.1', bounceClassification: 'Invalid Address' });
    expect(JSON.stringify(receipt?.data)).not.toContain(EMAIL);
    expect(messageEvidence(trail).map((e) => `${e.kind}/${e.channel}/${e.status ?? e.fallbackFor ?? ''}`)).toEqual([
      'MESSAGE_SENT/email/',
      'MESSAGE_RECEIPT/email/bounced',
      'MESSAGE_SENT/sms/email',
    ]);
  }, 40_000);

  test('a Twilio "undelivered" with a permanent code (30005 unknown number) on an SMS-only interview goes on by e-mail', async () => {
    const interviewId = await confirm(['sms']);
    await settledNotifications(interviewId, 1);
    expect((await twilioCallback(twilioApi.accepted[0]!, 'undelivered', { errorCode: '30005' })).statusCode).toBe(200);
    const [, email] = await settledNotifications(interviewId, 2);
    expect(email).toMatchObject({ channel: 'email', status: 'SENT' });
    expect(sendgridApi.sends()).toHaveLength(1);
    expect(messageEvidence(await evidenceOf(interviewId)).at(-1)).toMatchObject({ kind: 'MESSAGE_SENT', channel: 'email', fallbackFor: 'sms' });
  }, 40_000);

  test('SendGrid events unsigned get 401, signed with another key or altered get 403, and nothing is recorded', async () => {
    const interviewId = await confirm(['email']);
    await settledNotifications(interviewId, 1);
    const m = sendgridApi.accepted[0]!;
    const events = [sendgridEvent(m, 'delivered')];
    const raw = JSON.stringify(events);
    const before = await h.prisma.evidence.count({ where: { interviewId } });

    expect((await postSendGridEvents(events, {})).statusCode).toBe(401);
    expect((await postSendGridEvents(events, new SendGridSigner().headers(raw))).statusCode).toBe(403);
    const signedForBounce = signer.headers(JSON.stringify([sendgridEvent(m, 'bounce')]));
    expect((await postSendGridEvents(events, signedForBounce)).statusCode).toBe(403);
    // The same events re-serialised with other whitespace: the signature covers the exact bytes.
    expect((await postSendGridEvents(events, signer.headers(raw), JSON.stringify(events, null, 1))).statusCode).toBe(403);
    expect((await postSendGridEvents(events, { ...signer.headers(raw), 'x-twilio-email-event-webhook-signature': 'not-base64-der' })).statusCode).toBe(403);

    expect(await h.prisma.evidence.count({ where: { interviewId } })).toBe(before);
  }, 40_000);

  test('a SendGrid signature older than 10 minutes is refused (403) even though it verifies, and nothing is recorded', async () => {
    const interviewId = await confirm(['email']);
    await settledNotifications(interviewId, 1);
    const raw = JSON.stringify([sendgridEvent(sendgridApi.accepted[0]!, 'delivered')]);
    const before = await h.prisma.evidence.count({ where: { interviewId } });
    const elevenMinutesAgo = String(Math.floor(Date.now() / 1000) - 11 * 60);
    const stale = await postSendGridEvents([], signer.headers(raw, elevenMinutesAgo), raw);
    expect(stale.statusCode).toBe(403);
    expect(stale.json().error).toMatchObject({ code: 'stale_signature', details: { field: 'headers.x-twilio-email-event-webhook-timestamp' } });
    const nineMinutesAgo = String(Math.floor(Date.now() / 1000) - 9 * 60);
    expect((await postSendGridEvents([], signer.headers(raw, nineMinutesAgo), raw)).json()).toEqual({ recorded: 1, duplicates: 0, unknown: 0 });
    expect(await h.prisma.evidence.count({ where: { interviewId } })).toBe(before + 1);
  }, 40_000);

  test('the SendGrid signature is checked over the raw bytes before they are parsed: a wrongly signed non-JSON body is 403, a rightly signed one 400', async () => {
    const raw = '[{"event": "delivered", ';
    const wrong = await postSendGridEvents([], new SendGridSigner().headers(raw), raw);
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'bad_signature']);
    const right = await postSendGridEvents([], signer.headers(raw), raw);
    expect([right.statusCode, right.json().error.code]).toEqual([400, 'malformed_json']);
  });

  test('an unsigned SendGrid batch is refused from its headers, before its body is read: 401 even above the body limit', async () => {
    const huge = `[${'"x",'.repeat(1_600_000)}"x"]`; // about 6.4 MB, over the route's 5 MB
    const res = await postSendGridEvents([], {}, huge);
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'unsigned']);
    const signedButHuge = await postSendGridEvents([], signer.headers(huge), huge);
    expect(signedButHuge.statusCode).toBe(413);
  });

  test('unverified SendGrid requests are charged to the anonymous per-address budget', async () => {
    const app = await buildApiApp(h, { rateLimitAnonymousPerMinute: 3 });
    try {
      const raw = '[]';
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/webhooks/sendgrid/events', headers: { 'content-type': 'application/json', ...new SendGridSigner().headers(raw) }, payload: raw });
        statuses.push(res.statusCode);
      }
      expect(statuses).toEqual([403, 403, 403, 429]);
      const stale = await app.inject({
        method: 'POST',
        url: '/v1/webhooks/sendgrid/events',
        headers: { 'content-type': 'application/json', ...signer.headers(raw, String(Math.floor(Date.now() / 1000) - 3600)) },
        payload: raw,
      });
      expect(stale.statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });

  test('a replayed Twilio callback (Twilio signs no timestamp) is a duplicate by MessageSid and status: recorded once', async () => {
    const interviewId = await confirm(['sms']);
    await settledNotifications(interviewId, 1);
    const m = twilioApi.accepted[0]!;
    expect((await twilioCallback(m, 'delivered')).json()).toEqual({ recorded: 1, duplicates: 0, unknown: 0 });
    for (let i = 0; i < 3; i++) expect((await twilioCallback(m, 'delivered')).json()).toEqual({ recorded: 0, duplicates: 1, unknown: 0 });
    // Another status of the same message is another receipt.
    expect((await twilioCallback(m, 'sent')).json()).toEqual({ recorded: 1, duplicates: 0, unknown: 0 });
    const receipts = await h.prisma.evidence.findMany({ where: { interviewId, kind: 'MESSAGE_RECEIPT' } });
    expect(receipts.map((e) => e.key).sort()).toEqual([`receipt:${m.id}:delivered`, `receipt:${m.id}:sent`]);
  }, 40_000);

  test("a provider's burst of receipts from one address is not cut off by the API's per-IP limit for anonymous callers", async () => {
    const anonymousLimit = Number(process.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE || 120);
    // Signed batches, as SendGrid posts them: receipts are counted once their signature has verified.
    const answers = await Promise.all(Array.from({ length: anonymousLimit + 10 }, () => postSendGridEvents([])));
    expect(new Set(answers.map((a) => a.statusCode))).toEqual(new Set([200]));
  });

  test('receipts for messages Turnout never sent are acknowledged and ignored', async () => {
    const stranger: AcceptedMessage = {
      id: 'unknownmessageid',
      at: Date.now(),
      to: 'someone@example.test',
      body: '',
      request: { custom_args: {}, StatusCallback: STANDIN_CALLBACK_URL },
    };
    const res = await postSendGridEvents([sendgridEvent(stranger, 'delivered')]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ recorded: 0, duplicates: 0, unknown: 1 });
    const twilioRes = await twilioCallback({ ...stranger, id: 'SM00000000000000000000000000000000' }, 'delivered');
    expect(twilioRes.json()).toEqual({ recorded: 0, duplicates: 0, unknown: 1 });
  });
});

describe('quiet hours', () => {
  /** HH:mm in the test candidate's zone (confirmedEvent: Asia/Shanghai), `minutes` from now. */
  const localHhMm = (minutes: number) => DateTime.now().setZone('Asia/Shanghai').plus({ minutes }).toFormat('HH:mm');

  async function confirmWithQuietHours(startsInMs: number, offset: string) {
    // A night that began a minute ago and ends in one to two minutes, in the candidate's zone.
    const quietHours = { start: localHhMm(-1), end: localHhMm(2) };
    const tenant = await createTestTenant(h, { ...CONFIRMATION_ONLY, reminderOffsets: [offset], quietHours, channels: ['sms'] });
    const event = confirmedEvent({ channels: ['sms'], startsAt: new Date(Date.now() + startsInMs) });
    expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
    const interview = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 20_000);
    return { tenant, event, interviewId: interview.id };
  }

  test('a reminder due in the candidate night moves to its end when that is before the start; the move is evidence', async () => {
    // Due 3 s from now, in the night; the start is 10 minutes away, after the night ends.
    const { tenant, event, interviewId } = await confirmWithQuietHours(600_000, 'PT597S');
    const deferred = await eventually(
      async () => (await evidenceOf(interviewId)).find((e) => e.kind === 'REMINDER_DEFERRED'),
      20_000,
      'REMINDER_DEFERRED',
    );
    const data = deferred.data as { point: string; dueAt: string; sendAt: string; quietEndsAt: string };
    expect(data.point).toBe('PT597S');
    expect(Date.parse(data.sendAt)).toBeGreaterThan(Date.parse(data.dueAt));
    expect(Date.parse(data.sendAt) - Date.now()).toBeLessThan(3 * 60_000);
    expect(data.sendAt).toBe(data.quietEndsAt);

    // Not sent at its due time: the workflow now waits for the end of the night.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await h.prisma.notification.count({ where: { interviewId, point: 'PT597S' } })).toBe(0);
    const state = await h.client.workflow.getHandle(interviewWorkflowId(tenant.subsidiaryId, event.data.interviewId)).query(stateQuery);
    expect(state.next).toEqual({ step: 'reminder PT597S', at: new Date(Date.parse(data.sendAt)).toISOString() });

    // Cancelled, so the deferred reminder does not go out during a later test.
    const cancel = { id: `evt-${randomUUID()}`, type: 'interview.cancelled', occurredAt: new Date().toISOString(), data: { interviewId: event.data.interviewId } };
    expect((await postEvent(h, tenant, cancel)).statusCode).toBe(202);
  }, 40_000);

  test('a reminder due in the night goes on time when the night ends after the start; that choice is evidence too', async () => {
    // Due 3 s from now, the start 10 s away: the night's end (a minute or two) is too late.
    const { interviewId } = await confirmWithQuietHours(10_000, 'PT7S');
    const sent = await eventually(
      async () => (await h.prisma.notification.findMany({ where: { interviewId, point: 'PT7S', status: 'SENT' } }))[0],
      20_000,
      'the PT7S reminder sent',
    );
    expect(sent.channel).toBe('sms');
    const trail = await evidenceOf(interviewId);
    const onTime = trail.find((e) => e.kind === 'REMINDER_IN_QUIET_HOURS');
    expect(onTime?.data).toMatchObject({ point: 'PT7S' });
    expect(trail.findIndex((e) => e.kind === 'REMINDER_IN_QUIET_HOURS')).toBeLessThan(
      trail.findIndex((e) => e.kind === 'MESSAGE_SENT' && (e.data as { point: string }).point === 'PT7S'),
    );
  }, 40_000);
});
