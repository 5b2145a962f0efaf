/**
 * POST /v1/events against the real stack: signatures, idempotency, and bad
 * input that must leave nothing behind.
 */
import { interviewWorkflowId } from '../domain/interview';
import { signatureHeader } from '../lib/secrets';
import { buildApiApp } from './support/api-app';
import { confirmedEvent, createTestTenant, postEvent, startHarness, type Harness, type TestTenant } from './support/harness';

let h: Harness;
let tenant: TestTenant;
beforeAll(async () => {
  h = await startHarness();
  tenant = await createTestTenant(h);
});
afterAll(async () => {
  await h?.close();
});

const inboxRows = () => h.prisma.inboundEvent.count({ where: { subsidiaryId: tenant.subsidiaryId } });

async function workflowsFor(interviewId: string): Promise<number> {
  const workflowId = interviewWorkflowId(tenant.subsidiaryId, interviewId);
  let n = 0;
  for await (const _ of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n += 1;
  return n;
}

describe('a duplicate interview.confirmed never starts a second workflow', () => {
  test('the same event id again gets 200 with the first result and adds nothing', async () => {
    const event = confirmedEvent();
    const first = await postEvent(h, tenant, event);
    expect(first.statusCode).toBe(202);
    const before = await inboxRows();
    const again = await postEvent(h, tenant, event);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await inboxRows()).toBe(before);
    // The visibility store is eventually consistent: describe is the authoritative check.
    const description = await h.client.workflow.getHandle(first.json().workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
  });

  test('the same interview under a new event id answers with the running workflow, not a new one', async () => {
    const event = confirmedEvent();
    const first = await postEvent(h, tenant, event);
    const second = await postEvent(h, tenant, { ...event, id: `${event.id}-again` });
    expect(second.statusCode).toBe(202);
    expect(second.json().workflowId).toBe(first.json().workflowId);
    const firstRun = (await h.client.workflow.getHandle(first.json().workflowId).describe()).runId;
    const secondRun = (await h.client.workflow.getHandle(second.json().workflowId).describe()).runId;
    expect(secondRun).toBe(firstRun);
    await new Promise((r) => setTimeout(r, 1500)); // let visibility catch up before counting
    expect(await workflowsFor(event.data.interviewId)).toBe(1);
  });

  test('a copy of an event whose first request is still working gets 409 event_in_progress; one whose request died long ago takes the row over', async () => {
    const event = confirmedEvent();
    const first = await postEvent(h, tenant, event);
    expect(first.statusCode).toBe(202);
    const key = { subsidiaryId_eventId: { subsidiaryId: tenant.subsidiaryId, eventId: event.id } };
    // As a request that inserted the row and has not finished (or crashed) leaves it.
    await h.prisma.inboundEvent.update({ where: key, data: { status: 'RECEIVED', result: undefined, receivedAt: new Date() } });
    const whileWorking = await postEvent(h, tenant, event);
    expect(whileWorking.statusCode).toBe(409);
    expect(whileWorking.json().error.code).toBe('event_in_progress');

    await h.prisma.inboundEvent.update({ where: key, data: { receivedAt: new Date(Date.now() - 5 * 60_000) } });
    const takenOver = await postEvent(h, tenant, event);
    expect(takenOver.statusCode).toBe(202);
    expect(takenOver.json().workflowId).toBe(first.json().workflowId);
    expect((await h.prisma.inboundEvent.findUniqueOrThrow({ where: key })).status).toBe('PROCESSED');
  });

  test('an event id reused for a different body is a 409 naming the id', async () => {
    const event = confirmedEvent();
    expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
    const res = await postEvent(h, tenant, { ...event, data: { ...event.data, startsAt: new Date(Date.now() + 7200_000).toISOString() } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('event_id_reused');
  });
});

describe('bad requests get the right 4xx and leave no row behind', () => {
  test('a signature over another body is 401 bad_signature', async () => {
    const before = await inboxRows();
    const event = confirmedEvent();
    const res = await postEvent(h, tenant, event, { signature: `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('bad_signature');
    expect(await inboxRows()).toBe(before);
  });

  test('a signature made six minutes ago is 401 stale_signature', async () => {
    const before = await inboxRows();
    const res = await postEvent(h, tenant, confirmedEvent(), { now: Date.now() - 6 * 60_000 });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('stale_signature');
    expect(await inboxRows()).toBe(before);
  });

  test('an unknown key is 401 and a missing signature is 401', async () => {
    const event = confirmedEvent();
    const unknown = await postEvent(h, { ...tenant, apiKeyId: 'key_nope' }, event);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe('unknown_api_key');
    const missing = await h.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKeyId }, payload: JSON.stringify(event) });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('missing_signature');
  });

  test('a phone number that is not E.164 is 400 naming data.candidate.phone', async () => {
    const before = await inboxRows();
    const event = confirmedEvent();
    event.data.candidate.phone = '138-0013-8000';
    const res = await postEvent(h, tenant, event);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    expect(res.json().error.message).toContain('data.candidate.phone');
    expect(await inboxRows()).toBe(before);
  });

  test.each([
    'http://meet.example.test/join/1',
    'javascript:alert(1)',
    'ftp://meet.example.test/join/1',
    'https://user:pass@meet.example.test/join/1',
    'meet.example.test/join/1',
  ])('a joinUrl that is not an absolute https URL (%s) is 400 naming data.joinUrl and leaves no row', async (joinUrl) => {
    const before = await inboxRows();
    const event = confirmedEvent();
    event.data.joinUrl = joinUrl;
    const res = await postEvent(h, tenant, event);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('data.joinUrl');
    expect(await inboxRows()).toBe(before);
  });

  test('a joinUrl over http to a loopback address is taken outside production and refused in production', async () => {
    const event = confirmedEvent();
    event.data.joinUrl = 'http://127.0.0.1:8080/join/1';
    const production = await buildApiApp(h, { production: true });
    try {
      const raw = JSON.stringify(event);
      const refused = await production.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKeyId, 'x-signature': signatureHeader(tenant.apiSecret, raw) },
        payload: raw,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({ message: expect.stringContaining('production'), details: [{ field: 'data.joinUrl' }] });
    } finally {
      await production.close();
    }
    expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  });

  test('a missing envelope field is 400 naming it', async () => {
    const { occurredAt: _omit, ...event } = confirmedEvent();
    const res = await postEvent(h, tenant, event);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('occurredAt');
  });

  test('a body that is not JSON is 400 malformed_json', async () => {
    const before = await inboxRows();
    const res = await postEvent(h, tenant, null, { raw: '{"id": "x", ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('malformed_json');
    expect(await inboxRows()).toBe(before);
  });

  test('a start time in the past is 400 naming data.startsAt and leaves no row', async () => {
    const before = await inboxRows();
    const res = await postEvent(h, tenant, confirmedEvent({ startsAt: new Date(Date.now() - 60_000) }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('data.startsAt');
    expect(await inboxRows()).toBe(before);
  });

  test('a login for an interview nobody confirmed is 404 and leaves no row', async () => {
    const before = await inboxRows();
    const res = await postEvent(h, tenant, {
      id: 'evt-orphan-login',
      type: 'candidate.logged_in',
      occurredAt: new Date().toISOString(),
      data: { interviewId: 'never-confirmed', at: new Date().toISOString() },
    });
    expect(res.statusCode).toBe(404);
    expect(await inboxRows()).toBe(before);
  });
});
