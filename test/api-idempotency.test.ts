/**
 * `Idempotency-Key` on HR and candidate writes, on the real Temporal dev
 * server and PostgreSQL: a retry with the same key gets the first outcome and
 * applies nothing twice, the same key with another body is 422, and a retry
 * after a 5xx of a change that did apply is recognised by the workflow even
 * when that change made it continue as new.
 */
import {
  confirmedEvent,
  createTestTenant,
  eventually,
  FAST_POLICY,
  hrToken,
  postEvent,
  selfServiceToken,
  startHarness,
  type Harness,
  type TestTenant,
  waitForInterviewRow,
} from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const seconds = (n: number) => new Date(Date.now() + n * 1000);

async function confirm(tenant: TestTenant, startsAt: Date) {
  const event = confirmedEvent({ startsAt, channels: ['sms'] });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const iv = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 10_000);
  return { id: iv.id, externalId: event.data.interviewId };
}

async function waitForStatus(id: string, status: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const iv = await h.prisma.interview.findUniqueOrThrow({ where: { id } });
    return iv.status === status ? iv : undefined;
  }, timeoutMs, status);
}

async function hrHeaders(tenant: TestTenant, sub = 'hr-alice') {
  return { authorization: `Bearer ${await hrToken(h, { sub, role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId })}` };
}

function reschedule(headers: Record<string, string>, id: string, startsAt: Date, key?: string) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/interviews/${id}/reschedule`,
    headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { startsAt: startsAt.toISOString(), reason: 'candidate asked for a new slot' },
  });
}

test('an HR reschedule retried with the same key gets the first outcome and starts one new attempt, even after continue-as-new', async () => {
  const tenant = await createTestTenant(h, FAST_POLICY);
  const { id, externalId } = await confirm(tenant, seconds(6));
  await waitForStatus(id, 'NO_SHOW');
  const headers = await hrHeaders(tenant);
  const newStart = seconds(3600);

  const first = await reschedule(headers, externalId, newStart, 'resched-1');
  expect(first.statusCode).toBe(202);
  expect(first.json()).toMatchObject({ status: 'SCHEDULED', attempt: 2 });

  // The client did not hear the answer and retries: the first outcome, nothing applied again.
  const again = await reschedule(headers, externalId, newStart, 'resched-1');
  expect(again.statusCode).toBe(202);
  expect(again.json()).toEqual(first.json());
  expect(again.headers['idempotency-replayed']).toBe('true');

  // The same key for another change is refused, naming the header.
  const other = await reschedule(headers, externalId, seconds(7200), 'resched-1');
  expect(other.statusCode).toBe(422);
  expect(other.json().error).toMatchObject({ code: 'idempotency_key_reused', details: [expect.objectContaining({ field: 'headers.idempotency-key' })] });

  // As a 503 leaves the key (the update applied, its answer lost): the retry runs again with the same
  // update id, which reaches the workflow's next run (the reschedule continued it as new).
  await h.prisma.idempotencyKey.updateMany({ where: { key: 'resched-1' }, data: { status: 'RETRYABLE', responseStatus: null, responseBody: null } });
  const afterFailure = await reschedule(headers, externalId, newStart, 'resched-1');
  expect(afterFailure.statusCode).toBe(202);
  expect(afterFailure.json()).toMatchObject({ status: 'SCHEDULED', attempt: 2 });

  const iv = await h.prisma.interview.findUniqueOrThrow({ where: { id } });
  expect(iv.attempt).toBe(2);
  // The run that took the retried update recognised it: it applied nothing (no reschedule step of its own).
  const history = await h.client.workflow.getHandle(iv.workflowId).fetchHistory();
  const steps = (history.events ?? []).flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_local_activity') return [];
    return [JSON.parse(Buffer.from(m.details?.data?.payloads?.[0]?.data ?? []).toString('utf8')).activity_type as string];
  });
  const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
  expect(accepted).toBe(1);
  expect(steps).not.toContain('recordReschedule');
  expect(await h.prisma.evidence.count({ where: { interviewId: id, kind: 'RESCHEDULED' } })).toBe(1);
  expect(await h.prisma.auditEntry.count({ where: { interviewId: id, action: 'reschedule' } })).toBe(1);

  // Keys are per caller: another HR user's same key is a key of their own.
  const bob = await reschedule(await hrHeaders(tenant, 'hr-bob'), externalId, seconds(5400), 'resched-1');
  expect(bob.statusCode).toBe(202);
  expect(bob.headers['idempotency-replayed']).toBeUndefined();
}, 60_000);

test("a candidate's cancellation retried with the same key gets the first outcome; without a key the retry is refused", async () => {
  const tenant = await createTestTenant(h, FAST_POLICY);
  const { id } = await confirm(tenant, seconds(3 * 86_400));
  const token = selfServiceToken(h.secrets, id);
  const cancel = (key?: string) =>
    h.app.inject({ method: 'POST', url: `/v1/self-service/${token}/cancel`, headers: key ? { 'idempotency-key': key } : {}, payload: { reason: 'found another job' } });

  const first = await cancel('cancel-1');
  expect(first.statusCode).toBe(202);
  expect(first.json().status).toBe('CANCELLED');
  const again = await cancel('cancel-1');
  expect(again.statusCode).toBe(202);
  expect(again.json()).toEqual(first.json());
  expect(again.headers['idempotency-replayed']).toBe('true');
  // What the retry would have met without the key.
  expect((await cancel()).statusCode).toBe(409);
  expect(await h.prisma.evidence.count({ where: { interviewId: id, kind: 'CANCELLED' } })).toBe(1);
}, 40_000);

test('a malformed key is 400 naming the header, and the header is in the OpenAPI document of every HR and candidate write', async () => {
  const tenant = await createTestTenant(h, FAST_POLICY);
  const { externalId } = await confirm(tenant, seconds(3600));
  const bad = await reschedule(await hrHeaders(tenant), externalId, seconds(7200), 'has spaces in it');
  expect(bad.statusCode).toBe(400);
  expect(bad.json().error.details).toEqual([expect.objectContaining({ field: 'headers.idempotency-key' })]);

  // The document is at /docs/json beside a reference page, or at /docs itself.
  const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
  };
  const hasKey = (path: string, method: string) => (doc.paths[path]?.[method]?.parameters ?? []).some((p) => p.in === 'header' && p.name === 'idempotency-key');
  expect(hasKey('/v1/interviews/{id}/reschedule', 'post')).toBe(true);
  expect(hasKey('/v1/interviews/{id}/annotations', 'post')).toBe(true);
  expect(hasKey('/v1/self-service/{token}/cancel', 'post')).toBe(true);
  expect(hasKey('/v1/self-service/{token}/reschedule', 'post')).toBe(true);
  expect(hasKey('/v1/interviews/{id}', 'get')).toBe(false);
  expect(hasKey('/v1/events', 'post')).toBe(false);
}, 40_000);
