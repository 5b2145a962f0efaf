/**
 * Workers behind a burst of confirmations: the workflow's first task runs
 * after a reminder fell due. The reminder is planned from the moment the
 * interview was confirmed, so it goes out late (before the start) rather than
 * being dropped; and nothing goes out once the interview has started. The lag
 * is real: the interview is confirmed while no worker polls the task queue,
 * and a worker starts only later.
 */
import { confirmedEvent, createTestTenant, eventually, postEvent, startHarness, waitForInterviewRow, type Harness } from './support/harness';

const LAG_POLICY = { reminderOffsets: ['PT8S'], grace: 'PT2S', annotationWindow: 'PT30S', quietHours: null, channels: ['sms', 'email'] };

let api: Harness;
let worker: Harness | undefined;
beforeAll(async () => {
  api = await startHarness({ worker: false });
});
// Each test begins with no worker polling: the lag is the point.
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});
afterAll(async () => {
  await api?.close();
});

async function startWorkerAt(at: number): Promise<Harness> {
  await new Promise((r) => setTimeout(r, at - Date.now()));
  worker = await startHarness();
  return worker;
}

test('a reminder that fell due before any worker took up the confirmation is sent late, before the start, on every channel', async () => {
  const tenant = await createTestTenant(api, LAG_POLICY);
  const startsAt = new Date(Date.now() + 14_000);
  const event = confirmedEvent({ startsAt });
  expect((await postEvent(api, tenant, event)).statusCode).toBe(202);
  const dueAt = startsAt.getTime() - 8_000;

  const w = await startWorkerAt(dueAt + 1_000);
  const interview = await waitForInterviewRow(w, tenant.subsidiaryId, event.data.interviewId, 10_000);

  const reminders = await eventually(async () => {
    const rows = await w.prisma.notification.findMany({ where: { interviewId: interview.id, point: 'PT8S', status: 'SENT' } });
    return rows.length === 2 ? rows : undefined;
  }, 15_000, 'the PT8S reminder on both channels');
  for (const r of reminders) {
    expect(r.sentAt!.getTime()).toBeGreaterThan(dueAt);
    expect(r.sentAt!.getTime()).toBeLessThan(startsAt.getTime());
  }
}, 40_000);

test('a confirmation a worker takes up only after the start sends nothing: each message is abandoned, as evidence', async () => {
  const tenant = await createTestTenant(api, { ...LAG_POLICY, reminderOffsets: [] });
  const startsAt = new Date(Date.now() + 3_000);
  const event = confirmedEvent({ startsAt });
  expect((await postEvent(api, tenant, event)).statusCode).toBe(202);

  const w = await startWorkerAt(startsAt.getTime() + 1_000);
  const interview = await waitForInterviewRow(w, tenant.subsidiaryId, event.data.interviewId, 10_000);
  const rows = await eventually(async () => {
    const r = await w.prisma.notification.findMany({ where: { interviewId: interview.id } });
    return r.length === 2 && r.every((n) => n.status === 'FAILED') ? r : undefined;
  }, 15_000, 'both confirmation messages abandoned');
  expect(rows.map((r) => r.point)).toEqual(['confirmation', 'confirmation']);
  expect(w.sent.filter((m) => rows.some((r) => r.id === m.notificationId))).toEqual([]);
  const abandoned = await w.prisma.evidence.findMany({ where: { interviewId: interview.id, kind: 'MESSAGE_ABANDONED' } });
  expect(abandoned.map((e) => (e.data as { channel: string }).channel).sort()).toEqual(['email', 'sms']);
}, 40_000);

test("a platform's retry refused with a 4xx keeps the inbox row an earlier request created: the workflow that request started still reads it", async () => {
  const tenant = await createTestTenant(api, { ...LAG_POLICY, reminderOffsets: [] });
  const startsAt = new Date(Date.now() + 4_000);
  const event = confirmedEvent({ startsAt });
  expect((await postEvent(api, tenant, event)).statusCode).toBe(202);
  // As a request leaves it whose workflow start reached Temporal but whose answer did not (an ambiguous failure).
  const key = { subsidiaryId_eventId: { subsidiaryId: tenant.subsidiaryId, eventId: event.id } };
  await api.prisma.inboundEvent.update({ where: key, data: { status: 'FAILED' } });

  // The platform retries once the start has passed: a clean 400 for this request…
  await new Promise((r) => setTimeout(r, startsAt.getTime() + 500 - Date.now()));
  const retry = await postEvent(api, tenant, event);
  expect(retry.statusCode).toBe(400);
  expect(retry.json().error.details).toEqual([expect.objectContaining({ field: 'data.startsAt' })]);
  // …which leaves the row the first request created, for the workflow it started.
  expect((await api.prisma.inboundEvent.findUniqueOrThrow({ where: key })).status).toBe('FAILED');

  const w = await startWorkerAt(Date.now());
  const interview = await waitForInterviewRow(w, tenant.subsidiaryId, event.data.interviewId, 15_000);
  expect(interview.confirmedAt).toBeDefined();
}, 40_000);

test('logins are judged by their own time, not by when a lagging worker hears of them: inside the window attendance, after it a late login', async () => {
  const tenant = await createTestTenant(api, { ...LAG_POLICY, reminderOffsets: [] });
  const startsAt = new Date(Date.now() + 3_000);
  const onTime = confirmedEvent({ startsAt, channels: ['sms'] });
  const late = confirmedEvent({ startsAt, channels: ['sms'] });
  expect((await postEvent(api, tenant, onTime)).statusCode).toBe(202);
  expect((await postEvent(api, tenant, late)).statusCode).toBe(202);
  // Both logins reach the workflows while no worker runs them, after start + grace (2 s).
  await new Promise((r) => setTimeout(r, startsAt.getTime() + 3_000 - Date.now()));
  const login = (interviewId: string, at: Date) => ({
    id: `evt-${interviewId}-login`,
    type: 'candidate.logged_in',
    occurredAt: at.toISOString(),
    data: { interviewId, at: at.toISOString() },
  });
  expect((await postEvent(api, tenant, login(onTime.data.interviewId, new Date(startsAt.getTime() + 1_000)))).statusCode).toBe(202);
  expect((await postEvent(api, tenant, login(late.data.interviewId, new Date()))).statusCode).toBe(202);

  const w = await startWorkerAt(Date.now());
  const status = async (externalId: string, want: string) =>
    eventually(async () => {
      const iv = await waitForInterviewRow(w, tenant.subsidiaryId, externalId, 15_000);
      return iv.status === want ? iv : undefined;
    }, 20_000, `${externalId} ${want}`);
  await status(onTime.data.interviewId, 'ATTENDED');
  const missed = await status(late.data.interviewId, 'NO_SHOW');
  expect(await w.prisma.evidence.count({ where: { interviewId: missed.id, kind: 'LATE_LOGIN' } })).toBe(1);
}, 60_000);
