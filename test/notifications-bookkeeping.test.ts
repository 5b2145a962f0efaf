/**
 * At most one message per reminder point and channel, when the
 * database fails right after a provider accepted a message.
 *
 * Real parts only, as in notifications.test.ts: the real Twilio and SendGrid
 * SDKs against the local stand-ins, interview workflows on the real Temporal
 * dev server, and a real PostgreSQL fault: a trigger this file creates (and
 * drops in afterAll) makes the SENT write, or the MESSAGE_SENT evidence
 * insert, of one interview's message fail its first K times. The count lives
 * in a sequence, because nextval is not undone by the rollback the raised
 * error causes. Faults are keyed by the interview's external id, so the
 * activities of any other interview are unaffected.
 */
import { randomBytes } from 'node:crypto';
import { verifyChain } from '../domain/evidence';
import { confirmedEvent, createTestTenant, eventually, postEvent, startHarness, waitForInterviewRow, type Harness } from './support/harness';
import { SendGridSigner, SendGridStandIn } from '../dev/standins/sendgrid';
import { TwilioStandIn } from '../dev/standins/twilio';
import { useStandIns, type StandInEnvironment } from './support/provider-env';

const twilioApi = new TwilioStandIn();
const sendgridApi = new SendGridStandIn();
const signer = new SendGridSigner();

/** Only the confirmation is due: every request the stand-ins see belongs to the interview under test. */
const CONFIRMATION_ONLY = { reminderOffsets: [], grace: 'PT1H', annotationWindow: 'P1D', quietHours: null, channels: ['sms', 'email'] };

/** What a fault breaks: the row's move to SENT, or the MESSAGE_SENT evidence insert. */
type FaultTarget = 'notification_sent' | 'message_sent_evidence';

const FAULT_TABLE = 'test_bookkeeping_fault';
const FAULT_FUNCTION = 'test_bookkeeping_fault_fire';
const FAULT_TRIGGERS = [
  { name: 'test_bookkeeping_fault_notification', table: '"Notification"', when: 'BEFORE UPDATE' },
  { name: 'test_bookkeeping_fault_evidence', table: '"Evidence"', when: 'BEFORE INSERT' },
];
const faultSequences: string[] = [];

async function createFaultTriggers(): Promise<void> {
  await h.prisma.$executeRawUnsafe(`
    CREATE TABLE ${FAULT_TABLE} (
      external_id text NOT NULL,
      target text NOT NULL,
      channel text NOT NULL,
      fail_times int NOT NULL,
      tries regclass NOT NULL,
      PRIMARY KEY (external_id, target, channel)
    )`);
  await h.prisma.$executeRawUnsafe(`
    CREATE FUNCTION ${FAULT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      f ${FAULT_TABLE};
    BEGIN
      IF TG_TABLE_NAME = 'Notification' THEN
        IF NEW.status <> 'SENT' OR OLD.status = 'SENT' THEN RETURN NEW; END IF;
        SELECT x.* INTO f FROM ${FAULT_TABLE} x JOIN "Interview" i ON i."externalId" = x.external_id
          WHERE i.id = NEW."interviewId" AND x.target = 'notification_sent' AND x.channel = NEW.channel;
      ELSE
        IF NEW.kind <> 'MESSAGE_SENT' THEN RETURN NEW; END IF;
        SELECT x.* INTO f FROM ${FAULT_TABLE} x JOIN "Interview" i ON i."externalId" = x.external_id
          WHERE i.id = NEW."interviewId" AND x.target = 'message_sent_evidence' AND x.channel = NEW.data->>'channel';
      END IF;
      IF FOUND AND nextval(f.tries) <= f.fail_times THEN
        RAISE EXCEPTION 'injected test fault: % on % (%)', f.target, TG_TABLE_NAME, f.channel;
      END IF;
      RETURN NEW;
    END $$`);
  for (const t of FAULT_TRIGGERS) {
    await h.prisma.$executeRawUnsafe(`CREATE TRIGGER ${t.name} ${t.when} ON ${t.table} FOR EACH ROW EXECUTE FUNCTION ${FAULT_FUNCTION}()`);
  }
}

async function dropFaultTriggers(): Promise<void> {
  for (const t of FAULT_TRIGGERS) await h.prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${t.name} ON ${t.table}`);
  await h.prisma.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${FAULT_FUNCTION}()`);
  await h.prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS ${FAULT_TABLE}`);
  for (const s of faultSequences) await h.prisma.$executeRawUnsafe(`DROP SEQUENCE IF EXISTS ${s}`);
}

/**
 * Makes `target` fail its first `times` tries for the interview's message on
 * `channel`; returns how many tries the database saw so far (failed or not).
 */
async function injectFault(externalId: string, target: FaultTarget, channel: string, times: number): Promise<() => Promise<number>> {
  const sequence = `test_bookkeeping_fault_tries_${randomBytes(6).toString('hex')}`;
  await h.prisma.$executeRawUnsafe(`CREATE SEQUENCE ${sequence}`);
  faultSequences.push(sequence);
  await h.prisma.$executeRawUnsafe(
    `INSERT INTO ${FAULT_TABLE} (external_id, target, channel, fail_times, tries) VALUES ($1, $2, $3, $4, $5::regclass)`,
    externalId,
    target,
    channel,
    times,
    sequence,
  );
  return async () => {
    const [row] = await h.prisma.$queryRawUnsafe<{ last_value: bigint; is_called: boolean }[]>(`SELECT last_value, is_called FROM ${sequence}`);
    return row!.is_called ? Number(row!.last_value) : 0;
  };
}

let h: Harness;
let standIns: StandInEnvironment | undefined;
beforeAll(async () => {
  await Promise.all([twilioApi.start(), sendgridApi.start()]);
  standIns = useStandIns({ twilio: twilioApi, sendgrid: sendgridApi, signer });
  h = await startHarness({ transport: standIns.transport });
  await createFaultTriggers();
});
afterAll(async () => {
  if (h) await dropFaultTriggers();
  await h?.close();
  await Promise.all([twilioApi.close(), sendgridApi.close()]);
  standIns?.restore();
});
beforeEach(() => {
  twilioApi.reset();
  sendgridApi.reset();
});

/** Confirms an interview on `channels`, with `before` run once its external id is known and before the event is posted. */
async function confirm(channels: string[], before: (externalId: string) => Promise<void>) {
  const tenant = await createTestTenant(h, CONFIRMATION_ONLY);
  const event = confirmedEvent({ channels, startsAt: new Date(Date.now() + 3600_000) });
  await before(event.data.interviewId);
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  return waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 20_000);
}

/** The interview's messages once each is SENT. */
async function sentNotifications(interviewId: string, count: number) {
  return eventually(async () => {
    const rows = await h.prisma.notification.findMany({ where: { interviewId }, orderBy: { channel: 'desc' } });
    return rows.length === count && rows.every((r) => r.status === 'SENT') ? rows : undefined;
  }, 30_000, `${count} sent notification(s)`);
}

function evidenceOf(interviewId: string) {
  return h.prisma.evidence.findMany({ where: { interviewId }, orderBy: { seq: 'asc' } });
}

/**
 * The interview's trail once it has `count` MESSAGE_SENT rows, read again after
 * a moment more: a retry that sends or records again, were there one, shows up.
 */
async function settledTrail(interviewId: string, count: number) {
  await eventually(async () => {
    const trail = await evidenceOf(interviewId);
    return trail.filter((e) => e.kind === 'MESSAGE_SENT').length >= count ? trail : undefined;
  }, 30_000, `${count} MESSAGE_SENT evidence row(s)`);
  await new Promise((r) => setTimeout(r, 1500));
  return evidenceOf(interviewId);
}

/** The attempt on which each sendMessage activity of the workflow completed, from its history. */
async function sendMessageAttempts(workflowId: string): Promise<number[]> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Set(
    (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage').map((e) => Number(e.eventId)),
  );
  return (history.events ?? [])
    .filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(Number(e.activityTaskStartedEventAttributes.scheduledEventId)))
    .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
}

describe('bookkeeping failing after the provider accepted a message (issue 4)', () => {
  test('the SENT write failing twice after Twilio and SendGrid accepted: one SMS and one e-mail, rows SENT with the provider ids, one MESSAGE_SENT each, the chain verifies', async () => {
    const tries: Record<string, () => Promise<number>> = {};
    const interview = await confirm(['sms', 'email'], async (externalId) => {
      tries.sms = await injectFault(externalId, 'notification_sent', 'sms', 2);
      tries.email = await injectFault(externalId, 'notification_sent', 'email', 2);
    });
    const [sms, email] = await sentNotifications(interview.id, 2);
    const trail = await settledTrail(interview.id, 2);

    // The fault did fire: two failed writes and the one that landed, per message.
    expect(await tries.sms!()).toBe(3);
    expect(await tries.email!()).toBe(3);
    expect(twilioApi.sends()).toHaveLength(1);
    expect(sendgridApi.sends()).toHaveLength(1);
    expect(sms).toMatchObject({ channel: 'sms', status: 'SENT', transport: 'twilio', providerMessageId: twilioApi.accepted[0]!.id, error: null });
    expect(email).toMatchObject({ channel: 'email', status: 'SENT', transport: 'sendgrid', providerMessageId: sendgridApi.accepted[0]!.id, error: null });

    expect(verifyChain(trail)).toEqual({ ok: true });
    const sent = trail.filter((e) => e.kind === 'MESSAGE_SENT');
    expect(sent.map((e) => e.key).sort()).toEqual(['message:1:confirmation:email', 'message:1:confirmation:sms']);
    expect(sent.find((e) => e.key.endsWith(':email'))!.data).toMatchObject({ notificationId: email!.id, providerMessageId: email!.providerMessageId });
    // Recorded by the attempt that sent: the activity was not retried, so nothing asked the provider again.
    expect(await sendMessageAttempts(interview.workflowId)).toEqual([1, 1]);
    expect(twilioApi.lookups()).toHaveLength(0);
  }, 60_000);

  test('the MESSAGE_SENT evidence failing once after the row is SENT: Temporal retries the activity, no second e-mail, the evidence is completed from the row exactly once', async () => {
    // The first failure breaks the usual transaction (row and evidence together), so the
    // acceptance is written on its own; the second is the evidence appended after that write.
    let tries!: () => Promise<number>;
    const interview = await confirm(['email'], async (externalId) => {
      tries = await injectFault(externalId, 'message_sent_evidence', 'email', 2);
    });
    const [email] = await sentNotifications(interview.id, 1);
    const trail = await settledTrail(interview.id, 1);

    expect(await tries()).toBe(3);
    expect(sendgridApi.sends()).toHaveLength(1);
    expect(email).toMatchObject({ status: 'SENT', transport: 'sendgrid', providerMessageId: sendgridApi.accepted[0]!.id });
    // The first attempt failed on the evidence; the second found the row SENT and sent nothing.
    expect(await sendMessageAttempts(interview.workflowId)).toEqual([2]);

    expect(verifyChain(trail)).toEqual({ ok: true });
    const sent = trail.filter((e) => e.kind === 'MESSAGE_SENT');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ key: 'message:1:confirmation:email', at: email!.sentAt });
    expect(sent[0]!.data).toEqual({
      attempt: 1,
      notificationId: email!.id,
      point: 'confirmation',
      channel: 'email',
      dueAt: email!.dueAt.toISOString(),
      transport: 'sendgrid',
      providerMessageId: email!.providerMessageId,
    });
  }, 60_000);
});
