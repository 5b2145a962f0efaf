/**
 * Alert e-mails through SendGrid (the official SDK pointed at the local
 * stand-in): a refusal SendGrid answered is retried and the e-mail goes once;
 * a send whose answer never came (a timeout) is not sent again, because the
 * e-mail may have gone: at most one e-mail per alert and address.
 */
import { SendGridSigner, SendGridStandIn, sendgridError } from '../dev/standins/sendgrid';
import { TwilioStandIn } from '../dev/standins/twilio';
import { FAST_POLICY, confirmedEvent, createTestTenant, eventually, postEvent, startHarness, waitForInterviewRow, type Harness, type TestTenant } from './support/harness';
import { useStandIns, type StandInEnvironment } from './support/provider-env';
import { setAlerting } from './support/webhooks';

jest.setTimeout(120_000);

const twilio = new TwilioStandIn();
const sendgrid = new SendGridStandIn();
const signer = new SendGridSigner();
let env: StandInEnvironment;
let h: Harness;
let t: TestTenant;
beforeAll(async () => {
  await Promise.all([twilio.start(), sendgrid.start()]);
  env = useStandIns({ twilio, sendgrid, signer }, { PROVIDER_TIMEOUT_MS: '1000' });
  h = await startHarness({ transport: env.transport, delivery: { retryScheduleMs: [300, 300, 300] } });
  // Candidates' messages by SMS only: every e-mail SendGrid sees is an alert.
  t = await createTestTenant(h, { ...FAST_POLICY, channels: ['sms'], annotationWindow: 'PT10M' });
  await setAlerting(h, t, ['hr.desk@example.test'], 'en');
});
afterAll(async () => {
  await h?.close();
  env?.restore();
  await Promise.all([twilio.close(), sendgrid.close()]);
});

async function noShow() {
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 6000) });
  expect((await postEvent(h, t, event)).statusCode).toBe(202);
  return waitForInterviewRow(h, t.subsidiaryId, event.data.interviewId);
}

const emailOf = (interviewId: string) =>
  eventually(
    () => h.prisma.alertEmail.findFirst({ where: { alert: { interviewId }, status: { in: ['DELIVERED', 'FAILED'] } } }).then((r) => r ?? undefined),
    60_000,
    'alert e-mail settled',
  );

test('a refusal SendGrid answered (503) is retried, and the alert e-mail goes once', async () => {
  sendgrid.reset();
  sendgrid.script = [sendgridError(503, 'try later')];
  const iv = await noShow();
  const email = await emailOf(iv.id);
  expect(email).toMatchObject({ status: 'DELIVERED', transport: 'sendgrid', attempts: 2 });
  expect(sendgrid.accepted.map((m) => m.to)).toEqual(['hr.desk@example.test']);
  expect(sendgrid.accepted[0]!.body).toContain(`/console/interviews/${iv.externalId}`);
  expect(email.providerMessageId).toBe(sendgrid.accepted[0]!.id);
});

test('a send that timed out is not sent again: failed as outcome unknown, at most one e-mail', async () => {
  sendgrid.reset();
  sendgrid.script = [{ acceptAfterMs: 3000 }];
  const iv = await noShow();
  const email = await emailOf(iv.id);
  expect(email.status).toBe('FAILED');
  expect(email.error).toMatch(/^outcome unknown/);
  await new Promise((r) => setTimeout(r, 3000));
  expect(sendgrid.accepted).toHaveLength(1);
  const evidence = await h.prisma.evidence.findMany({ where: { interviewId: iv.id, kind: 'HR_ALERT_DELIVERY_FAILED' } });
  expect(evidence.map((e) => (e.data as { error: string }).error)).toEqual(['outcome unknown']);
});
