/**
 * Temporal down, for real: an API whose Temporal address is a local port with
 * nothing listening, on the run's real database. Reads keep answering from
 * the database; writes that need Temporal answer 503 temporal_unavailable and
 * leave nothing marked done; once the same address reaches Temporal again
 * (a relay opens on that port) the platform's retry of the event succeeds.
 */
import type { FastifyInstance } from 'fastify';
import { signatureHeader } from '../lib/secrets';
import { buildApiApp, closedPort, lazyTemporal, TemporalRelay, type TemporalHandle } from './support/api-app';
import {
  confirmedEvent,
  createTestTenant,
  eventually,
  hrToken,
  postEvent,
  selfServiceToken,
  startHarness,
  type Harness,
  type TestTenant,
  waitForInterviewRow,
} from './support/harness';

let h: Harness;
let tenant: TestTenant;
let relay: TemporalRelay;
let down: TemporalHandle;
let app: FastifyInstance;
let interview: { id: string; externalId: string };
let hr: Record<string, string>;

beforeAll(async () => {
  h = await startHarness();
  tenant = await createTestTenant(h);
  // An interview confirmed while everything is up: its projection is what the reads serve.
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 72 * 3600_000) });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const row = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 15_000);
  interview = { id: row.id, externalId: event.data.interviewId };
  hr = { authorization: `Bearer ${await hrToken(h, { sub: 'hr-down', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId })}` };

  relay = new TemporalRelay(await closedPort());
  down = lazyTemporal(relay.port);
  app = await buildApiApp(h, { temporalTimeoutMs: 1500, temporalQueryTimeoutMs: 500, logLevel: 'error' }, down);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await relay?.close();
  await down?.connection.close();
  await h?.close();
});

function send(body: unknown) {
  const raw = JSON.stringify(body);
  return app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKeyId, 'x-signature': signatureHeader(tenant.apiSecret, raw) },
    payload: raw,
  });
}

describe('while Temporal is unreachable', () => {
  test('reads keep answering from the database', async () => {
    const list = await app.inject({ method: 'GET', url: '/v1/interviews', headers: hr });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { interviewId: string }) => i.interviewId)).toContain(interview.externalId);

    const started = Date.now();
    const detail = await app.inject({ method: 'GET', url: `/v1/interviews/${interview.externalId}`, headers: hr });
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ status: 'SCHEDULED', next: null });
    expect(Date.now() - started).toBeLessThan(5000); // bounded by the query deadline, not the SDK's retries

    expect((await app.inject({ method: 'GET', url: `/v1/interviews/${interview.externalId}/evidence`, headers: hr })).statusCode).toBe(200);
    const view = await app.inject({ method: 'GET', url: `/v1/self-service/${selfServiceToken(h.secrets, interview.id)}` });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ open: true, status: 'SCHEDULED' });
  });

  test('writes that need Temporal answer 503 temporal_unavailable with Retry-After', async () => {
    const token = selfServiceToken(h.secrets, interview.id);
    const writes = [
      await app.inject({ method: 'POST', url: `/v1/interviews/${interview.externalId}/reschedule`, headers: hr, payload: { startsAt: new Date(Date.now() + 96 * 3600_000).toISOString() } }),
      await app.inject({ method: 'POST', url: `/v1/interviews/${interview.externalId}/annotations`, headers: hr, payload: { classification: 'NO_REASON', note: 'n/a' } }),
      await app.inject({ method: 'POST', url: `/v1/self-service/${token}/cancel`, payload: { reason: 'found another job' } }),
      await app.inject({ method: 'POST', url: `/v1/self-service/${token}/reschedule`, payload: { startsAt: new Date(Date.now() + 100 * 3600_000).toISOString() } }),
      await send({ id: `evt-click-${interview.id}`, type: 'candidate.link_clicked', occurredAt: new Date().toISOString(), data: { interviewId: interview.externalId, at: new Date().toISOString() } }),
    ];
    for (const res of writes) {
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('temporal_unavailable');
      expect(res.headers['retry-after']).toBe('10');
    }
    // Nothing changed: the interview is as it was, and the audit log says the attempts were not applied.
    expect((await h.prisma.interview.findUniqueOrThrow({ where: { id: interview.id } })).status).toBe('SCHEDULED');
    const audits = await h.prisma.auditEntry.findMany({ where: { interviewId: interview.id } });
    expect(audits).toHaveLength(4);
    for (const a of audits) expect((a.payload as { outcome: unknown }).outcome).toEqual({ applied: false, error: 'temporal_unavailable' });
  }, 30_000);

  test('/readyz answers 503 naming Temporal as the failing part', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not_ready', failing: ['temporal'], checks: { database: { ok: true }, temporal: { ok: false } } });
  });
});

test('an event answered 503 is not recorded as processed, and its retry once Temporal is back succeeds', async () => {
  const event = confirmedEvent();
  const first = await send(event);
  expect(first.statusCode).toBe(503);
  expect(first.json().error.code).toBe('temporal_unavailable');
  const inbox = { subsidiaryId_eventId: { subsidiaryId: tenant.subsidiaryId, eventId: event.id } };
  expect((await h.prisma.inboundEvent.findUniqueOrThrow({ where: inbox })).status).toBe('FAILED');

  await relay.open(); // the same address now reaches Temporal
  const retried = await eventually(async () => {
    const res = await send(event);
    return res.statusCode === 202 ? res : undefined;
  }, 45_000, 'the retry to be accepted');
  const accepted = retried.json();
  expect(accepted).toMatchObject({ interviewId: event.data.interviewId, status: 'SCHEDULED' });
  expect((await h.prisma.inboundEvent.findUniqueOrThrow({ where: inbox })).status).toBe('PROCESSED');
  // Accepted means durable in Temporal: the workflow exists and runs.
  expect((await h.client.workflow.getHandle(accepted.workflowId).describe()).status.name).toBe('RUNNING');
  // And the platform's next retry gets the first answer without a second effect.
  const again = await send(event);
  expect(again.statusCode).toBe(200);
  expect(again.json()).toEqual(accepted);

  expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
}, 60_000);
