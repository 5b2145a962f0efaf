/**
 * Whole lifecycles on the real Temporal dev server and PostgreSQL, with a
 * policy that runs them in seconds, checked in the database.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { verifyChain } from '../domain/evidence';
import { candidateEvent, confirmedEvent, createTestTenant, eventually, FAST_POLICY, postEvent, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function interviewByExternalId(subsidiaryId: string, externalId: string) {
  return h.prisma.interview.findUnique({ where: { subsidiaryId_externalId: { subsidiaryId, externalId } } });
}

async function evidenceOf(interviewId: string) {
  return h.prisma.evidence.findMany({ where: { interviewId }, orderBy: { seq: 'asc' } });
}

test('an interview whose candidate logs in ends ATTENDED, with every reminder sent once per channel', async () => {
  const tenant = await createTestTenant(h, FAST_POLICY);
  // Far enough ahead that a loaded machine still starts the workflow before the first reminder point (start - 4 s).
  const startsAt = new Date(Date.now() + 15_000);
  const event = confirmedEvent({ startsAt });
  const res = await postEvent(h, tenant, event);
  expect(res.statusCode).toBe(202);
  expect(res.json()).toMatchObject({ interviewId: event.data.interviewId, status: 'SCHEDULED' });

  // Log in half a second after the start.
  await new Promise((r) => setTimeout(r, startsAt.getTime() + 500 - Date.now()));
  const login = await postEvent(h, tenant, candidateEvent('candidate.logged_in', event.data.interviewId));
  expect(login.statusCode).toBe(202);

  const interview = await eventually(async () => {
    const iv = await interviewByExternalId(tenant.subsidiaryId, event.data.interviewId);
    return iv?.status === 'ATTENDED' ? iv : undefined;
  }, 20_000, 'ATTENDED');
  expect(interview.attendedAt).not.toBeNull();

  const notifications = await h.prisma.notification.findMany({ where: { interviewId: interview.id } });
  const sentKeys = notifications.filter((n) => n.status === 'SENT').map((n) => `${n.point}/${n.channel}`).sort();
  expect(sentKeys).toEqual(['PT2S/email', 'PT2S/sms', 'PT4S/email', 'PT4S/sms', 'confirmation/email', 'confirmation/sms']);

  const trail = await evidenceOf(interview.id);
  expect(verifyChain(trail)).toEqual({ ok: true });
  const kinds = trail.map((e) => e.kind);
  expect(kinds[0]).toBe('CONFIRMED');
  expect(kinds.filter((k) => k === 'MESSAGE_SENT')).toHaveLength(6);
  expect(kinds.slice(-3)).toEqual(['WINDOW_OPENED', 'LOGIN', 'ATTENDED']);
  expect(await h.prisma.noShowRecord.count({ where: { interviewId: interview.id } })).toBe(0);

  // A backlog of sends drains reminders before confirmations: each send asks Temporal for its point's priority.
  const history = await h.client.workflow.getHandle(interview.workflowId).fetchHistory();
  const priorities = (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === 'sendMessage')
    .map((a) => {
      const input = defaultPayloadConverter.fromPayload<{ point: string; channel: string }>(a!.input!.payloads![0]!);
      return `${input.point}/${input.channel}:${a!.priority?.priorityKey}`;
    })
    .sort();
  expect(priorities).toEqual(['PT2S/email:1', 'PT2S/sms:1', 'PT4S/email:1', 'PT4S/sms:1', 'confirmation/email:3', 'confirmation/sms:3']);
}, 40_000);

test('an interview nobody logs in to becomes a NO_SHOW with its record, evidence and an HR alert; past reminders are skipped', async () => {
  const tenant = await createTestTenant(h, FAST_POLICY);
  // Confirmed 3 s ahead: the 4-second reminder is already past and must be skipped.
  const startsAt = new Date(Date.now() + 3000);
  const event = confirmedEvent({ startsAt, channels: ['sms'] });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);

  const interview = await eventually(async () => {
    const iv = await interviewByExternalId(tenant.subsidiaryId, event.data.interviewId);
    return iv?.status === 'NO_SHOW' ? iv : undefined;
  }, 20_000, 'NO_SHOW');

  const record = await h.prisma.noShowRecord.findUniqueOrThrow({ where: { interviewId_attempt: { interviewId: interview.id, attempt: 1 } } });
  expect(record.kind).toBe('NO_SHOW');
  expect(record.classification).toBeNull(); // never negative until HR says so
  expect(record.detectedAt.getTime()).toBeGreaterThanOrEqual(startsAt.getTime() + 2000);

  const alerts = await eventually(async () => {
    const a = await h.prisma.hrAlert.findMany({ where: { interviewId: interview.id } });
    return a.length ? a : undefined;
  }, 10_000, 'HR alert');
  expect(alerts.map((a) => a.kind)).toEqual(['NO_SHOW']);

  const points = (await h.prisma.notification.findMany({ where: { interviewId: interview.id } })).map((n) => n.point).sort();
  expect(points).toEqual(['PT2S', 'confirmation']);

  const trail = await evidenceOf(interview.id);
  expect(verifyChain(trail)).toEqual({ ok: true });
  expect(trail.map((e) => e.kind)).toEqual([
    'CONFIRMED',
    'MESSAGE_SENT',
    'MESSAGE_SENT',
    'WINDOW_OPENED',
    'WINDOW_CLOSED',
    'NO_SHOW_RECORDED',
    'HR_ALERTED',
  ]);
  expect(trail.find((e) => e.kind === 'NO_SHOW_RECORDED')?.data).toMatchObject({ messagesSent: 2 });
}, 40_000);
