/**
 * Outbound webhooks, Standard Webhooks format, against real local receivers:
 * who acted is in every event, an unsubscribed type is not sent, a failing
 * receiver gets every event in order per interview with the same webhook-id
 * on each attempt, a redirect is not followed, a rotated secret keeps
 * deliveries verifiable, 410 Gone disables the endpoint until it is enabled,
 * a spent schedule fails a delivery and lets the next one go, a manual retry
 * sends it again, and the metrics count it all. The retry schedule is
 * shortened for the test (300 ms steps).
 */
import { WebhookReceiver } from '../dev/standins/webhook-receiver';
import { confirmedEvent, createTestTenant, eventually, postEvent, selfServiceToken, startHarness, waitForInterviewRow, type Harness, type TestTenant } from './support/harness';
import { addEndpoint, hrHeaders, verify } from './support/webhooks';

jest.setTimeout(120_000);

const STEPS = 4;
let h: Harness;
let receiver: WebhookReceiver;
beforeAll(async () => {
  h = await startHarness({ delivery: { retryScheduleMs: Array(STEPS).fill(300), timeoutMs: 3000 } });
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});
beforeEach(() => {
  receiver.script = [];
});

const hours = (n: number) => new Date(Date.now() + n * 3600_000);
const at = (path: string) => receiver.received.filter((r) => r.path === path);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function confirm(t: TestTenant, startsAt: Date) {
  const event = confirmedEvent({ startsAt });
  expect((await postEvent(h, t, event)).statusCode).toBe(202);
  const iv = await waitForInterviewRow(h, t.subsidiaryId, event.data.interviewId);
  // The workflow answers updates once it has set up (the confirmation sent).
  await eventually(() => h.prisma.evidence.findFirst({ where: { interviewId: iv.id, kind: 'CONFIRMED' } }).then((r) => r ?? undefined));
  return { id: iv.id, externalId: event.data.interviewId };
}

function platformReschedule(t: TestTenant, interviewId: string, startsAt: Date) {
  return postEvent(h, t, { id: `evt-${Math.random()}`, type: 'interview.rescheduled', occurredAt: new Date().toISOString(), data: { interviewId, startsAt: startsAt.toISOString() } });
}

async function deliveries(t: TestTenant, endpointId: string) {
  const res = await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpointId}/deliveries`, headers: await hrHeaders(h, t) });
  expect(res.statusCode).toBe(200);
  return res.json().items as Array<{ id: string; webhookId: string; type: string; status: string; attempts: Array<{ outcome: string; statusCode: number | null }> }>;
}

test("HR's reschedule and the candidate's cancel reach the platform saying who acted; an unsubscribed type is not sent", async () => {
  const t = await createTestTenant(h);
  const all = await addEndpoint(h, t, { url: `${receiver.url}/all`, events: ['interview.rescheduled', 'interview.cancelled'] });
  const cancelsOnly = await addEndpoint(h, t, { url: `${receiver.url}/cancels`, events: ['interview.cancelled'] });
  const iv = await confirm(t, hours(48));
  const res = await h.app.inject({ method: 'POST', url: `/v1/interviews/${iv.externalId}/reschedule`, headers: await hrHeaders(h, t), payload: { startsAt: hours(72).toISOString(), reason: 'interviewer ill' } });
  expect(res.statusCode).toBe(202);
  const cancel = await h.app.inject({ method: 'POST', url: `/v1/self-service/${selfServiceToken(h.secrets, iv.id)}/cancel`, payload: { reason: 'found another job' } });
  expect(cancel.statusCode).toBe(202);

  await eventually(async () => (at('/all').length >= 2 && at('/cancels').length >= 1 ? true : undefined), 30_000, 'deliveries');
  const got = at('/all').map((r) => verify(all.secret, r));
  expect(got.map((g) => [g.type, g.data.by])).toEqual([
    ['interview.rescheduled', 'hr'],
    ['interview.cancelled', 'candidate'],
  ]);
  expect(got[0]!.data).toMatchObject({ interviewId: iv.externalId, subsidiaryId: t.subsidiaryId, status: 'SCHEDULED', attempt: 1 });
  expect(Date.parse(got[0]!.data.startsAt as string) - Date.parse(got[0]!.data.previousStartsAt as string)).toBeGreaterThan(23 * 3600_000);
  expect(got[1]!.data).toMatchObject({ status: 'CANCELLED' });
  await sleep(1000);
  expect(at('/cancels').map((r) => verify(cancelsOnly.secret, r).type)).toEqual(['interview.cancelled']);
  // No reason typed by a person ever leaves.
  for (const r of receiver.received) expect(r.body).not.toMatch(/interviewer ill|another job/);
});

test('a receiver that fails 3 times, then answers 200, gets every event in order per interview with the same webhook-ids', async () => {
  const t = await createTestTenant(h);
  const ep = await addEndpoint(h, t, { url: `${receiver.url}/flaky`, events: ['interview.rescheduled', 'interview.cancelled'] });
  const iv = await confirm(t, hours(48));
  receiver.script = [{ status: 500 }, { status: 503 }, { status: 500 }];
  for (const n of [50, 60]) expect((await platformReschedule(t, iv.externalId, hours(n))).statusCode).toBe(202);
  expect((await postEvent(h, t, { id: `evt-c-${iv.id}`, type: 'interview.cancelled', occurredAt: new Date().toISOString(), data: { interviewId: iv.externalId } })).statusCode).toBe(202);

  await eventually(async () => ((await deliveries(t, ep.endpoint.id)).filter((d) => d.status === 'DELIVERED').length === 3 ? true : undefined), 30_000, 'three delivered');
  const got = at('/flaky').map((r) => verify(ep.secret, r));
  expect(got).toHaveLength(6);
  // The first event four times with one id, then the others, in the order they happened.
  expect(new Set(got.slice(0, 4).map((g) => g.id)).size).toBe(1);
  expect(got.map((g) => g.type)).toEqual(['interview.rescheduled', 'interview.rescheduled', 'interview.rescheduled', 'interview.rescheduled', 'interview.rescheduled', 'interview.cancelled']);
  expect(new Set(got.map((g) => g.id)).size).toBe(3);
  expect(got.map((g) => g.data.by)).toEqual(Array(6).fill('platform'));
  expect(Date.parse(got[4]!.data.startsAt as string)).toBeGreaterThan(Date.parse(got[0]!.data.startsAt as string));

  const list = await deliveries(t, ep.endpoint.id);
  const first = list.find((d) => d.webhookId === got[0]!.id)!;
  expect(first.attempts.map((a) => a.statusCode)).toEqual([500, 503, 500, 200]);
  expect(first.attempts.map((a) => a.outcome)).toEqual(['http_error', 'http_error', 'http_error', 'success']);
});

test('a redirect is not followed: the attempt fails and is retried at the same URL', async () => {
  const elsewhere = await new WebhookReceiver().start();
  try {
    const t = await createTestTenant(h);
    const ep = await addEndpoint(h, t, { url: `${receiver.url}/moved`, events: ['interview.rescheduled'] });
    receiver.script = [{ status: 302, location: `${elsewhere.url}/new` }, { status: 307, location: `${elsewhere.url}/new` }];
    const test = await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/test`, headers: await hrHeaders(h, t) });
    expect(test.statusCode).toBe(202);
    expect(test.json()).toMatchObject({ type: 'webhook.test', status: 'PENDING' });
    await eventually(async () => ((await deliveries(t, ep.endpoint.id))[0]?.status === 'DELIVERED' ? true : undefined), 30_000, 'delivered');
    const [d] = await deliveries(t, ep.endpoint.id);
    expect(d!.attempts.map((a) => [a.outcome, a.statusCode])).toEqual([
      ['redirect', 302],
      ['redirect', 307],
      ['success', 200],
    ]);
    expect(elsewhere.received).toEqual([]);
    expect(at('/moved').map((r) => verify(ep.secret, r).type)).toEqual(['webhook.test', 'webhook.test', 'webhook.test']);
  } finally {
    await elsewhere.close();
  }
});

test('after a secret rotation deliveries verify with the new secret and, for 24 h, with the old one', async () => {
  const t = await createTestTenant(h);
  const ep = await addEndpoint(h, t, { url: `${receiver.url}/rotated`, events: ['hr.alert'] });
  const headers = await hrHeaders(h, t);
  const rotated = await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/rotate-secret`, headers });
  expect(rotated.statusCode).toBe(200);
  const { secret: newSecret, previousSecretExpiresAt } = rotated.json();
  expect(newSecret).not.toBe(ep.secret);
  expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
  expect((await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/test`, headers })).statusCode).toBe(202);
  await eventually(async () => (at('/rotated').length === 1 ? true : undefined), 30_000, 'test delivery');
  const [r] = at('/rotated');
  expect(verify(newSecret, r!).type).toBe('webhook.test');
  expect(verify(ep.secret, r!).type).toBe('webhook.test');
  expect(() => verify('whsec_' + Buffer.alloc(24, 7).toString('base64'), r!)).toThrow();
  // The list shows both secrets masked, never in full.
  const list = await h.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers });
  const shown = list.json().items.find((e: { id: string }) => e.id === ep.endpoint.id);
  expect(shown.secret).toMatch(/^whsec_\*\*\*.{4}$/);
  expect(list.body).not.toContain(newSecret);
  expect(list.body).not.toContain(ep.secret);
});

test('410 Gone disables the endpoint; what comes meanwhile waits, and goes once it is enabled', async () => {
  const t = await createTestTenant(h);
  const headers = await hrHeaders(h, t);
  const ep = await addEndpoint(h, t, { url: `${receiver.url}/gone`, events: ['hr.alert'] });
  receiver.script = [{ status: 410 }];
  await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/test`, headers });
  await eventually(async () => {
    const list = (await h.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers })).json().items;
    return list.find((e: { id: string; enabled: boolean }) => e.id === ep.endpoint.id && !e.enabled);
  }, 30_000, 'endpoint disabled');
  await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/test`, headers });
  await sleep(1500);
  expect(at('/gone')).toHaveLength(1);
  expect((await deliveries(t, ep.endpoint.id)).map((d) => d.status)).toEqual(['PENDING', 'PENDING']);
  const retry = await h.app.inject({ method: 'POST', url: `/v1/webhook-deliveries/${(await deliveries(t, ep.endpoint.id))[0]!.id}/retry`, headers });
  expect(retry.statusCode).toBe(409);

  const enabled = await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/enable`, headers });
  expect(enabled.statusCode).toBe(200);
  expect(enabled.json()).toMatchObject({ enabled: true, disabledAt: null });
  await eventually(async () => ((await deliveries(t, ep.endpoint.id)).every((d) => d.status === 'DELIVERED') ? true : undefined), 30_000, 'both delivered');
  expect(at('/gone')).toHaveLength(3);
});

test('a delivery that fails for the whole schedule is FAILED and the next one for the interview goes; a manual retry sends it again, same webhook-id', async () => {
  const t = await createTestTenant(h);
  const headers = await hrHeaders(h, t);
  const ep = await addEndpoint(h, t, { url: `${receiver.url}/down`, events: ['interview.rescheduled'] });
  const iv = await confirm(t, hours(48));
  receiver.script = Array(STEPS + 1).fill({ status: 500 });
  expect((await platformReschedule(t, iv.externalId, hours(50))).statusCode).toBe(202);
  expect((await platformReschedule(t, iv.externalId, hours(52))).statusCode).toBe(202);
  await eventually(async () => {
    const list = await deliveries(t, ep.endpoint.id);
    return list.length === 2 && list.every((d) => d.status !== 'PENDING') ? list : undefined;
  }, 30_000, 'first failed, second delivered');
  const [second, first] = await deliveries(t, ep.endpoint.id);
  expect(first!.status).toBe('FAILED');
  expect(first!.attempts).toHaveLength(STEPS + 1);
  expect(second!.status).toBe('DELIVERED');

  const retry = await h.app.inject({ method: 'POST', url: `/v1/webhook-deliveries/${first!.id}/retry`, headers });
  expect(retry.statusCode).toBe(202);
  await eventually(async () => ((await deliveries(t, ep.endpoint.id)).every((d) => d.status === 'DELIVERED') ? true : undefined), 30_000, 'retried');
  const ids = at('/down').map((r) => verify(ep.secret, r).id);
  expect(ids[ids.length - 1]).toBe(first!.webhookId);
  expect(await h.prisma.auditEntry.count({ where: { action: 'webhook.retry', subsidiaryId: t.subsidiaryId } })).toBe(1);

  const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
  expect(metrics).toMatch(/turnout_webhook_deliveries\{status="DELIVERED"\} [1-9]/);
  expect(metrics).toMatch(/turnout_webhook_delivery_attempts\{outcome="http_error"\} [1-9]/);
  expect(metrics).toMatch(/turnout_webhook_backlog_oldest_seconds \d/);
});

test('endpoints: HR of another subsidiary neither sees nor changes them; URLs outside the rule and unknown events are refused; delete cancels what waits', async () => {
  const t = await createTestTenant(h);
  const other = await createTestTenant(h);
  const headers = await hrHeaders(h, t);
  const ep = await addEndpoint(h, t, { url: `${receiver.url}/mine`, events: ['hr.alert'] });
  const theirs = await hrHeaders(h, other);
  expect((await h.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: theirs })).json().items).toEqual([]);
  expect((await h.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${ep.endpoint.id}`, headers: theirs })).statusCode).toBe(404);
  for (const payload of [
    { url: 'http://example.test/hook', events: ['hr.alert'] },
    { url: 'https://user:pw@example.test/hook', events: ['hr.alert'] },
    { url: 'https://example.test/hook', events: ['interview.exploded'] },
    { url: 'https://example.test/hook', events: ['interview.no_show'], format: 'feishu' },
    { url: 'https://example.test/hook', events: ['hr.alert'], subsidiaryId: other.subsidiaryId },
  ]) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload });
    expect([payload, res.statusCode]).toEqual([payload, expect.any(Number)]);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  }
  receiver.script = Array(STEPS + 1).fill({ status: 500 });
  await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/test`, headers });
  expect((await h.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${ep.endpoint.id}`, headers })).statusCode).toBe(204);
  const rows = await h.prisma.webhookDelivery.findMany({ where: { endpointId: ep.endpoint.id } });
  expect(rows.map((r) => r.status).filter((s) => s === 'PENDING')).toEqual([]);
  expect((await h.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers })).json().items).toEqual([]);
});

test('the OpenAPI document lists every alert and webhook route', async () => {
  const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const ops = Object.entries(doc.paths).flatMap(([p, o]) => Object.keys(o).map((m) => `${m.toUpperCase()} ${p}`));
  for (const op of [
    'GET /v1/subsidiaries/{subsidiaryId}/alerting',
    'PUT /v1/subsidiaries/{subsidiaryId}/alerting',
    'GET /v1/alerts',
    'POST /v1/alerts/{id}/read',
    'POST /v1/webhook-endpoints',
    'GET /v1/webhook-endpoints',
    'DELETE /v1/webhook-endpoints/{id}',
    'POST /v1/webhook-endpoints/{id}/rotate-secret',
    'POST /v1/webhook-endpoints/{id}/test',
    'POST /v1/webhook-endpoints/{id}/enable',
    'GET /v1/webhook-endpoints/{id}/deliveries',
    'POST /v1/webhook-deliveries/{id}/retry',
  ]) {
    expect(ops).toContain(op);
  }
});
