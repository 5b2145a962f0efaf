/**
 * Workers behind a burst of confirmations: the workflow's first task runs
 * after a reminder fell due. The reminder is planned from the moment the
 * interview was confirmed, so it goes out late (before the start) rather than
 * being dropped. The lag is real: the interview is confirmed while no worker
 * polls the task queue, and a worker starts only after the reminder's time.
 */
import { confirmedEvent, createTestTenant, eventually, postEvent, startHarness, waitForInterviewRow, type Harness } from './support/harness';

const LAG_POLICY = { reminderOffsets: ['PT8S'], grace: 'PT2S', annotationWindow: 'PT30S', quietHours: null, channels: ['sms', 'email'] };

let api: Harness;
let worker: Harness | undefined;
beforeAll(async () => {
  api = await startHarness({ worker: false });
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
});

test('a reminder that fell due before any worker took up the confirmation is sent late, before the start, on every channel', async () => {
  const tenant = await createTestTenant(api, LAG_POLICY);
  const startsAt = new Date(Date.now() + 14_000);
  const event = confirmedEvent({ startsAt });
  expect((await postEvent(api, tenant, event)).statusCode).toBe(202);
  const dueAt = startsAt.getTime() - 8_000;

  await new Promise((r) => setTimeout(r, dueAt + 1_000 - Date.now()));
  worker = await startHarness();
  const interview = await waitForInterviewRow(worker, tenant.subsidiaryId, event.data.interviewId, 10_000);

  const reminders = await eventually(async () => {
    const rows = await worker!.prisma.notification.findMany({ where: { interviewId: interview.id, point: 'PT8S', status: 'SENT' } });
    return rows.length === 2 ? rows : undefined;
  }, 15_000, 'the PT8S reminder on both channels');
  for (const r of reminders) {
    expect(r.sentAt!.getTime()).toBeGreaterThan(dueAt);
    expect(r.sentAt!.getTime()).toBeLessThan(startsAt.getTime());
  }
}, 40_000);
