/**
 * What operators see: structured JSON logs where every line of a request
 * carries its request id and no credential or contact detail, and GET
 * /metrics in Prometheus' format with requests, latencies and the outcome of
 * every workflow start, signal and update.
 */
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from './support/api-app';
import { buildApp } from '../api/app';
import { apiConfig, providerWebhooksConfig, temporalConfig } from '../lib/config';
import { signatureHeader } from '../lib/secrets';
import {
  candidateEvent,
  confirmedEvent,
  createTestTenant,
  eventually,
  hrToken,
  selfServiceToken,
  startHarness,
  type Harness,
  type TestTenant,
  waitForInterviewRow,
} from './support/harness';
import type { Connection } from '@temporalio/client';

let h: Harness;
let tenant: TestTenant;
let app: FastifyInstance;
const lines: Array<Record<string, unknown>> = [];
const rawLines: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  tenant = await createTestTenant(h);
  app = await buildApp({
    prisma: h.prisma,
    temporalClient: h.client,
    temporalConnection: h.client.connection as Connection,
    temporal: temporalConfig(),
    secrets: h.secrets,
    api: { ...apiConfig(), logLevel: 'info' },
    providerWebhooks: providerWebhooksConfig(),
    logStream: {
      write(line: string) {
        rawLines.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
});
afterAll(async () => {
  await app?.close();
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

async function metricsText(): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** The value of one sample, or 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('logs', () => {
  test('every line of a request is JSON carrying its request id; the answer carries the same id', async () => {
    const before = lines.length;
    const res = await app.inject({ method: 'GET', url: '/v1/interviews', headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    const mine = lines.slice(before);
    expect(mine.length).toBeGreaterThanOrEqual(2); // incoming request, request completed
    for (const line of mine) {
      expect(line).toMatchObject({ reqId: 'trace-abc-123', level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
    }
    expect(mine.find((l) => l.msg === 'request completed')).toMatchObject({ res: { statusCode: 401 }, responseTime: expect.any(Number) });
  });

  test('credentials and contact details never reach the log', async () => {
    const before = rawLines.length;
    const token = selfServiceToken(h.secrets, '00000000-0000-0000-0000-000000000000');
    const hr = await hrToken(h, { sub: 'log-hr', role: 'group_hr', groupId: tenant.groupId });
    await app.inject({ method: 'GET', url: `/v1/self-service/${token}` });
    await app.inject({ method: 'GET', url: '/v1/candidates/attendance?phone=%2B8613800138000', headers: { authorization: `Bearer ${hr}` } });
    const event = confirmedEvent();
    const raw = JSON.stringify(event);
    const signature = signatureHeader(tenant.apiSecret, raw);
    await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKeyId, 'x-signature': signature }, payload: raw });
    const text = rawLines.slice(before).join('');
    for (const secret of [token, hr, signature.split('v1=')[1]!, tenant.apiSecret, '8613800138000', event.data.candidate.email, event.data.candidate.name]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('/v1/self-service/<token>');
    expect(text).toContain('phone=<redacted>');
  });
});

describe('GET /metrics', () => {
  test('answers in the Prometheus text format, with request counts and latencies by route template and status', async () => {
    const id = `iv-metrics-${Date.now()}`;
    const hr = { authorization: `Bearer ${await hrToken(h, { sub: 'm', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId })}` };
    const before = await metricsText();
    await app.inject({ method: 'GET', url: `/v1/interviews/${id}`, headers: hr });
    await app.inject({ method: 'GET', url: `/v1/interviews/${id}`, headers: hr });
    await app.inject({ method: 'GET', url: '/no/such/route' });

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('# TYPE turnout_http_requests_total counter');
    expect(text).toContain('# TYPE turnout_http_request_duration_seconds histogram');
    const route = { method: 'GET', route: '/v1/interviews/:id', status_code: '404' };
    expect(sample(text, 'turnout_http_requests_total', route) - sample(before, 'turnout_http_requests_total', route)).toBe(2);
    expect(sample(text, 'turnout_http_request_duration_seconds_count', route)).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'turnout_http_requests_total', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    // Labels are templates: no interview id, token or raw path becomes a series.
    expect(text).not.toContain(id);
    expect(text).not.toContain('/no/such/route');
    // Process metrics come along.
    expect(text).toContain('turnout_process_cpu_seconds_total');
  });

  test('counts workflow starts, signals and updates by outcome', async () => {
    const before = await metricsText();
    const event = confirmedEvent({ startsAt: new Date(Date.now() + 72 * 3600_000) });
    expect((await send(event)).statusCode).toBe(202);
    await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 15_000);
    expect((await send({ ...event, id: `${event.id}-dup` })).statusCode).toBe(202);
    expect((await send(candidateEvent('candidate.link_clicked', event.data.interviewId))).statusCode).toBe(202);
    expect((await send(candidateEvent('candidate.logged_in', 'never-confirmed'))).statusCode).toBe(404);
    const hr = { authorization: `Bearer ${await hrToken(h, { sub: 'm2', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId })}` };
    const refused = await app.inject({ method: 'POST', url: `/v1/interviews/${event.data.interviewId}/annotations`, headers: hr, payload: { classification: 'NO_REASON', note: 'not missed yet' } });
    expect(refused.statusCode).toBe(409);
    const moved = await app.inject({ method: 'POST', url: `/v1/interviews/${event.data.interviewId}/reschedule`, headers: hr, payload: { startsAt: new Date(Date.now() + 96 * 3600_000).toISOString() } });
    expect(moved.statusCode).toBe(202);

    const after = await metricsText();
    const delta = (operation: string, outcome: string) =>
      sample(after, 'turnout_workflow_calls_total', { operation, outcome }) - sample(before, 'turnout_workflow_calls_total', { operation, outcome });
    expect(delta('start', 'ok')).toBe(1);
    expect(delta('start', 'duplicate')).toBe(1);
    expect(delta('signal_link_clicked', 'ok')).toBe(1);
    expect(delta('signal_logged_in', 'not_found')).toBe(1);
    expect(delta('update_annotate', 'rejected')).toBe(1);
    expect(delta('update_reschedule', 'ok')).toBe(1);
  }, 40_000);

  test('with METRICS_TOKEN set, a scraper must present it', async () => {
    const guarded = await buildApiApp(h, { metricsToken: 'scrape-token-0123456789' });
    try {
      const denied = await guarded.inject({ method: 'GET', url: '/metrics' });
      expect(denied.statusCode).toBe(401);
      expect(denied.json().error.code).toBe('missing_token');
      const wrong = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-9876543210' } });
      expect(wrong.statusCode).toBe(401);
      const ok = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('turnout_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});
