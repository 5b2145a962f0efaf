/**
 * HR alerts delivered: a no-show raises one alert whose e-mail lands in the
 * outbox within seconds and whose `hr.alert` webhook a real receiver
 * verifies with the standardwebhooks package; the alerts feed lists it with
 * its deliveries and marks it read (audited); a late cancel alerts too.
 */
import { WebhookReceiver } from '../dev/standins/webhook-receiver';
import { FAST_POLICY, confirmedEvent, createTestTenant, eventually, postEvent, startHarness, selfServiceToken, waitForInterviewRow, type Harness, type TestTenant } from './support/harness';
import { addEndpoint, hrHeaders, setAlerting, verify } from './support/webhooks';

jest.setTimeout(120_000);

let h: Harness;
let receiver: WebhookReceiver;
beforeAll(async () => {
  h = await startHarness();
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

const PERSONAL = ['Li Wei', '+8613800138000', 'li.wei@example.test'];

describe('a no-show', () => {
  let t: TestTenant;
  let secret: string;
  let externalId: string;
  beforeAll(async () => {
    // A long annotation window: no ANNOTATION_DUE alert joins the no-show's while these tests look.
    t = await createTestTenant(h, { ...FAST_POLICY, annotationWindow: 'PT10M' });
    await setAlerting(h, t, ['hr.one@example.test', 'hr.two@example.test'], 'en');
    ({ secret } = await addEndpoint(h, t, { url: `${receiver.url}/hooks`, events: ['hr.alert', 'interview.no_show'] }));
    const event = confirmedEvent({ startsAt: new Date(Date.now() + 8000) });
    externalId = event.data.interviewId;
    expect((await postEvent(h, t, event)).statusCode).toBe(202);
  });

  test('raises one alert, e-mailed to each HR address in the outbox within seconds, saying who, what, when and where to act', async () => {
    const iv = await waitForInterviewRow(h, t.subsidiaryId, externalId);
    const emails = await eventually(
      async () => {
        const rows = await h.prisma.alertEmail.findMany({ where: { alert: { interviewId: iv.id } }, include: { alert: true } });
        return rows.length === 2 && rows.every((r) => r.status === 'DELIVERED') ? rows : undefined;
      },
      60_000,
      'alert e-mails delivered',
    );
    const alerts = await h.prisma.hrAlert.findMany({ where: { interviewId: iv.id } });
    expect(alerts.map((a) => a.kind)).toEqual(['NO_SHOW']);
    const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: iv.id } });
    for (const m of emails) {
      expect(m.transport).toBe('outbox');
      expect(m.attempts).toBe(1);
      expect(m.subject).toContain('No-show');
      expect(m.body).toContain('Li Wei');
      expect(m.body).toContain('Backend Engineer');
      expect(m.body).toMatch(/\d+ message\(s\) sent/);
      expect(m.body).toContain('no login');
      expect(m.body).toContain('Classify by');
      expect(m.body).toContain(`/console/interviews/${externalId}`);
      const seconds = (m.sentAt!.getTime() - record.detectedAt.getTime()) / 1000;
      // The figure the README quotes; generous bound for a loaded machine.
      expect(seconds).toBeLessThan(30);
      process.stderr.write(`[alerts] no-show detected → e-mail in outbox: ${seconds.toFixed(2)} s\n`);
    }
    expect(new Set(h.sent.filter((s) => s.subject.startsWith('No-show')).map((s) => s.to))).toEqual(new Set(['hr.one@example.test', 'hr.two@example.test']));
    // Each delivery is evidence.
    const evidence = await h.prisma.evidence.findMany({ where: { interviewId: iv.id, kind: 'HR_ALERT_DELIVERED' } });
    expect(evidence.filter((e) => (e.data as { channel: string }).channel === 'email')).toHaveLength(2);
  });

  test('reaches the platform endpoint as hr.alert and interview.no_show, verified with standardwebhooks, with no personal data', async () => {
    const record = await eventually(() => h.prisma.noShowRecord.findFirst({ where: { interview: { externalId, subsidiaryId: t.subsidiaryId } } }).then((r) => r ?? undefined));
    await eventually(async () => (receiver.received.filter((r) => r.path === '/hooks').length >= 2 ? true : undefined), 60_000, 'two webhooks');
    const got = receiver.received.filter((r) => r.path === '/hooks').map((r) => verify(secret, r));
    expect(got.map((g) => g.type).sort()).toEqual(['hr.alert', 'interview.no_show']);
    const alert = got.find((g) => g.type === 'hr.alert')!;
    expect(alert.data).toMatchObject({ interviewId: externalId, subsidiaryId: t.subsidiaryId, attempt: 1, status: 'NO_SHOW', by: 'system', alert: 'NO_SHOW' });
    expect(typeof alert.data.classificationDeadline).toBe('string');
    for (const r of receiver.received) for (const p of PERSONAL) expect(r.body).not.toContain(p);
    const seconds = (alert.at - record.detectedAt.getTime()) / 1000;
    expect(seconds).toBeLessThan(30);
    process.stderr.write(`[alerts] no-show detected → hr.alert at the receiver: ${seconds.toFixed(2)} s\n`);
    const evidence = await h.prisma.evidence.findMany({ where: { interview: { externalId, subsidiaryId: t.subsidiaryId }, kind: 'HR_ALERT_DELIVERED' } });
    expect(evidence.filter((e) => (e.data as { channel: string }).channel === 'webhook')).toHaveLength(1);
  });

  test('is in the alerts feed with its deliveries until HR marks it read, which is audited', async () => {
    const headers = await hrHeaders(h, t);
    const unread = await h.app.inject({ method: 'GET', url: '/v1/alerts?unread=true', headers });
    expect(unread.statusCode).toBe(200);
    const [alert] = unread.json().items;
    expect(alert).toMatchObject({ kind: 'NO_SHOW', interview: { interviewId: externalId }, readAt: null });
    expect(alert.link).toMatch(new RegExp(`/console/interviews/${externalId}$`));
    expect(alert.deliveries.map((d: { channel: string; status: string }) => `${d.channel}:${d.status}`).sort()).toEqual([
      'email:DELIVERED',
      'email:DELIVERED',
      'webhook:DELIVERED',
    ]);
    expect(alert.deliveries.find((d: { channel: string }) => d.channel === 'email').destination).toMatch(/@example\.test$/);

    const read = await h.app.inject({ method: 'POST', url: `/v1/alerts/${alert.id}/read`, headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: alert.id, readBy: 'hr-user' });
    expect((await h.app.inject({ method: 'GET', url: '/v1/alerts?unread=true', headers })).json().items).toEqual([]);
    expect((await h.app.inject({ method: 'GET', url: '/v1/alerts', headers })).json().items).toHaveLength(1);
    const audit = await h.prisma.auditEntry.findMany({ where: { action: 'alert.read', subsidiaryId: t.subsidiaryId } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.payload).toMatchObject({ alertId: alert.id });
  });

  test("another subsidiary's HR neither sees the alert nor reads it", async () => {
    const other = await createTestTenant(h);
    const alert = await h.prisma.hrAlert.findFirstOrThrow({ where: { interview: { externalId, subsidiaryId: t.subsidiaryId } } });
    const headers = await hrHeaders(h, other);
    expect((await h.app.inject({ method: 'GET', url: '/v1/alerts', headers })).json().items).toEqual([]);
    expect((await h.app.inject({ method: 'POST', url: `/v1/alerts/${alert.id}/read`, headers })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/v1/subsidiaries/${t.subsidiaryId}/alerting`, headers })).statusCode).toBe(404);
  });
});

test('a late cancel through the self-service link alerts HR in Chinese, and reaches the platform with by: candidate', async () => {
  const t = await createTestTenant(h, { ...FAST_POLICY, reminderOffsets: [], annotationWindow: 'PT10M' });
  await setAlerting(h, t, ['hr.zh@example.test'], 'zh-CN');
  const { secret } = await addEndpoint(h, t, { url: `${receiver.url}/late`, events: ['interview.cancelled', 'hr.alert'] });
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 3600_000) });
  expect((await postEvent(h, t, event)).statusCode).toBe(202);
  const iv = await waitForInterviewRow(h, t.subsidiaryId, event.data.interviewId);
  await eventually(async () => ((await h.app.inject({ method: 'GET', url: `/v1/self-service/${selfServiceToken(h.secrets, iv.id)}` })).statusCode === 200 ? true : undefined));
  const cancel = await h.app.inject({ method: 'POST', url: `/v1/self-service/${selfServiceToken(h.secrets, iv.id)}/cancel`, payload: { reason: 'I found another job, Li Wei' } });
  expect(cancel.statusCode).toBe(202);
  const email = await eventually(() => h.prisma.alertEmail.findFirst({ where: { alert: { interviewId: iv.id }, status: 'DELIVERED' } }).then((r) => r ?? undefined), 60_000, 'late-cancel e-mail');
  expect(email.subject).toContain('候选人临近取消');
  expect(email.body).toContain('分类截止');
  await eventually(async () => (receiver.received.filter((r) => r.path === '/late').length >= 2 ? true : undefined), 60_000, 'late webhooks');
  const got = receiver.received.filter((r) => r.path === '/late').map((r) => verify(secret, r));
  expect(got.map((g) => g.type)).toEqual(['interview.cancelled', 'hr.alert']);
  expect(got[0]!.data).toMatchObject({ by: 'candidate', status: 'LATE_CANCELLED' });
  expect(got[1]!.data).toMatchObject({ alert: 'LATE_CANCEL', by: 'system' });
  for (const r of receiver.received) expect(r.body).not.toContain('another job');
});

test('the annotation deadline approaching raises its own alert, half-way through the window', async () => {
  const t = await createTestTenant(h, { ...FAST_POLICY, annotationWindow: 'PT20S' });
  await setAlerting(h, t, ['hr.due@example.test'], 'en');
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 6000) });
  expect((await postEvent(h, t, event)).statusCode).toBe(202);
  const iv = await waitForInterviewRow(h, t.subsidiaryId, event.data.interviewId);
  const due = await eventually(
    () => h.prisma.alertEmail.findFirst({ where: { alert: { interviewId: iv.id, kind: 'ANNOTATION_DUE' }, status: 'DELIVERED' }, include: { alert: true } }).then((r) => r ?? undefined),
    60_000,
    'annotation-due e-mail',
  );
  expect(due.subject).toContain('Classification due soon');
  expect(due.body).toContain('closes as unannotated at the deadline');
  const kinds = (await h.prisma.hrAlert.findMany({ where: { interviewId: iv.id }, orderBy: { createdAt: 'asc' } })).map((a) => a.kind);
  expect(kinds).toEqual(['NO_SHOW', 'ANNOTATION_DUE']);
});
