/**
 * Property: every write route, fed malformed and hostile bodies (generated
 * from its own schema by test/support/hostile-bodies.ts) with valid
 * credentials — platform events validly signed over the hostile bytes —
 * answers 4xx in the contract's error shape, never 5xx; the server stays up;
 * and the database gains no row. Runs through inject and, for a share of the
 * cases, over a real port.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { signatureHeader } from '../lib/secrets';
import { DEFAULT_POLICY } from '../domain/policy';
import { EVENT_VARIANTS, type EventType } from '../api/schemas/events';
import { AnnotationBody, CancelBody, RescheduleBody, SelfServiceRescheduleBody } from '../api/schemas/interviews';
import { DisputeBody, ErasureBody, PolicyBody, PolicyPatch, RESOLVE_VARIANTS } from '../api/schemas/records';
import { SessionPatch } from '../api/schemas/session';
import { AlertingBody, EndpointBody } from '../api/schemas/alerts';
import { buildApiApp } from './support/api-app';
import { signInWithConsoleLink, type ConsoleSignIn } from './support/console-session';
import { hostileBodies } from './support/hostile-bodies';
import {
  candidateEvent,
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

/** Cases per route through inject; FUZZ_RUNS_SCALE=10 for a longer hunt. */
const RUNS = Math.round(150 * Number(process.env.FUZZ_RUNS_SCALE ?? 1));
const PORT_RUNS = Math.round(40 * Number(process.env.FUZZ_RUNS_SCALE ?? 1));

/**
 * Write routes fed by parties whose signatures these tests cannot make
 * (provider webhooks: their own tests), sign-out, which reads no body beyond
 * a form's CSRF field (test/console-session.test.ts), the actions on an
 * alert, an endpoint or a delivery, which take no body at all, and the
 * candidate page's HTML forms, which pass what they are given to the
 * self-service routes fuzzed here (test/candidate-page.test.tsx).
 */
const NOT_FUZZED_HERE = new Set([
  'POST /v1/webhooks/twilio/status',
  'POST /v1/webhooks/sendgrid/events',
  'POST /console/auth/logout',
  'POST /v1/alerts/:id/read',
  'DELETE /v1/webhook-endpoints/:id',
  'POST /v1/webhook-endpoints/:id/rotate-secret',
  'POST /v1/webhook-endpoints/:id/test',
  'POST /v1/webhook-endpoints/:id/enable',
  'POST /v1/webhook-deliveries/:id/retry',
  'POST /s/:code/cancel',
  'POST /s/:code/move',
  'POST /s/:code/contest',
]);

let h: Harness;
let tenant: TestTenant;
let interview: { id: string; externalId: string };
/** Rate limiting off: every case must reach validation, not stop at 429. */
let app: FastifyInstance;
let baseUrl: string;
/** An HR console session, for the routes only the session reaches. */
let consoleSession: ConsoleSignIn;
const tried: Record<string, number> = {};
const answers: Record<string, number> = {};

beforeAll(async () => {
  h = await startHarness();
  tenant = await createTestTenant(h);
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 72 * 3600_000) });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const row = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 15_000);
  interview = { id: row.id, externalId: event.data.interviewId };
  // The worker is still recording the confirmation; counts must only move because of a request.
  let last = -1;
  await eventually(async () => {
    const n = await h.prisma.evidence.count({ where: { interviewId: row.id } });
    const settled = n === last && n > 0;
    last = n;
    await new Promise((r) => setTimeout(r, 750));
    return settled ? true : undefined;
  }, 20_000, 'the confirmation to settle');
  app = await buildApiApp(h, { rateLimitPerMinute: 0, logLevel: 'fatal' });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  consoleSession = await signInWithConsoleLink(app, h.prisma, { sub: 'fuzz-console', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId });
}, 60_000);

afterAll(async () => {
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  // The figure the issue asks for: how many hostile bodies were thrown, per route.
  console.log(
    `fuzz: ${total} hostile bodies tried\n${Object.entries(tried).map(([k, n]) => `  ${n}\t${k}`).join('\n')}\n` +
      `answers: ${Object.entries(answers).sort().map(([k, n]) => `${k} ×${n}`).join(', ')}`,
  );
  await app?.close();
  await h?.close();
});

interface WriteRoute {
  name: string;
  method: 'POST' | 'PUT' | 'PATCH';
  url: () => string;
  schema: object;
  base: () => unknown;
  headers: (raw: string) => Promise<Record<string, string>>;
}

const hrHeaders = (role: 'hr' | 'group_hr') => async () => ({
  authorization: `Bearer ${await hrToken(h, { sub: `fuzz-${role}`, role, groupId: tenant.groupId, ...(role === 'hr' ? { subsidiaryId: tenant.subsidiaryId } : {}) })}`,
});
const signed = async (raw: string) => ({ 'x-api-key': tenant.apiKeyId, 'x-signature': signatureHeader(tenant.apiSecret, raw) });
const noAuth = async () => ({});
const consoleHeaders = async () => ({ cookie: consoleSession.cookie, 'x-csrf-token': consoleSession.csrfToken });

/** The envelope's variant for one type, with that type's own `data`. */
const eventSchema = (type: EventType) => EVENT_VARIANTS.find((v) => v.properties.type.const === type)!;
const soon = () => new Date(Date.now() + 96 * 3600_000).toISOString();

const ROUTES: WriteRoute[] = [
  { name: 'POST /v1/events interview.confirmed', method: 'POST', url: () => '/v1/events', schema: eventSchema('interview.confirmed'), base: () => confirmedEvent(), headers: signed },
  { name: 'POST /v1/events candidate.logged_in', method: 'POST', url: () => '/v1/events', schema: eventSchema('candidate.logged_in'), base: () => candidateEvent('candidate.logged_in', interview.externalId), headers: signed },
  { name: 'POST /v1/events candidate.link_clicked', method: 'POST', url: () => '/v1/events', schema: eventSchema('candidate.link_clicked'), base: () => candidateEvent('candidate.link_clicked', interview.externalId), headers: signed },
  {
    name: 'POST /v1/events interview.rescheduled',
    method: 'POST',
    url: () => '/v1/events',
    schema: eventSchema('interview.rescheduled'),
    base: () => ({ id: `evt-${randomUUID()}`, type: 'interview.rescheduled', occurredAt: new Date().toISOString(), data: { interviewId: interview.externalId, startsAt: soon(), reason: 'moved' } }),
    headers: signed,
  },
  {
    name: 'POST /v1/events interview.cancelled',
    method: 'POST',
    url: () => '/v1/events',
    schema: eventSchema('interview.cancelled'),
    base: () => ({ id: `evt-${randomUUID()}`, type: 'interview.cancelled', occurredAt: new Date().toISOString(), data: { interviewId: interview.externalId, reason: 'withdrawn' } }),
    headers: signed,
  },
  { name: 'POST /v1/interviews/:id/annotations', method: 'POST', url: () => `/v1/interviews/${interview.externalId}/annotations`, schema: AnnotationBody, base: () => ({ classification: 'NO_REASON', note: 'no answer' }), headers: hrHeaders('hr') },
  { name: 'POST /v1/interviews/:id/reschedule', method: 'POST', url: () => `/v1/interviews/${interview.externalId}/reschedule`, schema: RescheduleBody, base: () => ({ startsAt: soon(), reason: 'interviewer ill' }), headers: hrHeaders('hr') },
  { name: 'POST /v1/self-service/:token/cancel', method: 'POST', url: () => `/v1/self-service/${selfServiceToken(h.secrets, interview.id)}/cancel`, schema: CancelBody, base: () => ({ reason: 'found another job' }), headers: noAuth },
  { name: 'POST /v1/self-service/:token/reschedule', method: 'POST', url: () => `/v1/self-service/${selfServiceToken(h.secrets, interview.id)}/reschedule`, schema: SelfServiceRescheduleBody, base: () => ({ startsAt: soon() }), headers: noAuth },
  { name: 'POST /v1/self-service/:token/disputes', method: 'POST', url: () => `/v1/self-service/${selfServiceToken(h.secrets, interview.id)}/disputes`, schema: DisputeBody, base: () => ({ statement: 'I was in hospital that day' }), headers: noAuth },
  { name: 'POST /v1/disputes/:id/resolve', method: 'POST', url: () => `/v1/disputes/${randomUUID()}/resolve`, schema: RESOLVE_VARIANTS[1], base: () => ({ decision: 'reclassify', classification: 'FORCE_MAJEURE', note: 'hospital note' }), headers: hrHeaders('group_hr') },
  { name: 'POST /v1/candidates/erasure', method: 'POST', url: () => '/v1/candidates/erasure', schema: ErasureBody, base: () => ({ phone: '+8613900000001' }), headers: hrHeaders('group_hr') },
  { name: 'PATCH /v1/session', method: 'PATCH', url: () => '/v1/session', schema: SessionPatch, base: () => ({ locale: 'en' }), headers: consoleHeaders },
  {
    name: 'PATCH /v1/groups/:groupId/policy',
    method: 'PATCH',
    url: () => `/v1/groups/${tenant.groupId}/policy`,
    schema: PolicyPatch,
    base: () => ({ grace: 'PT10M', retention: { UNREACHABLE: 'P30D' } }),
    headers: async () => ({ ...(await hrHeaders('group_hr')()), 'content-type': 'application/merge-patch+json' }),
  },
  { name: 'PUT /v1/subsidiaries/:subsidiaryId/alerting', method: 'PUT', url: () => `/v1/subsidiaries/${tenant.subsidiaryId}/alerting`, schema: AlertingBody, base: () => ({ emails: ['hr@example.test'], locale: 'zh-CN' }), headers: hrHeaders('group_hr') },
  { name: 'POST /v1/webhook-endpoints', method: 'POST', url: () => '/v1/webhook-endpoints', schema: EndpointBody, base: () => ({ url: 'https://platform.example.test/turnout', events: ['interview.no_show'] }), headers: hrHeaders('group_hr') },
  { name: 'PUT /v1/groups/:groupId/policy', method: 'PUT', url: () => `/v1/groups/${tenant.groupId}/policy`, schema: PolicyBody, base: () => ({ ...DEFAULT_POLICY, grace: 'PT10M', selfService: { maxReschedules: 1, cutoff: 'PT2H' }, quietHours: { start: '22:00', end: '07:00' } }), headers: hrHeaders('group_hr') },
];

/**
 * Rows this file's tenant could gain. Scoped to it: the run shares one
 * database and one task queue, so workflows of earlier test files may still
 * write their own evidence through this file's worker meanwhile.
 */
async function rowCounts(): Promise<Record<string, number>> {
  const sub = tenant.subsidiaryId;
  const group = tenant.groupId;
  const [row] = await h.prisma.$queryRaw<Array<Record<string, bigint>>>`
    SELECT (SELECT count(*) FROM "InboundEvent") AS "InboundEvent",
           (SELECT count(*) FROM "AuditEntry" WHERE "subsidiaryId" = ${sub}::uuid OR "groupId" = ${group}::uuid) AS "AuditEntry",
           (SELECT count(*) FROM "Interview" WHERE "subsidiaryId" = ${sub}::uuid) AS "Interview",
           (SELECT count(*) FROM "Evidence" e JOIN "Interview" i ON i.id = e."interviewId" WHERE i."subsidiaryId" = ${sub}::uuid) AS "Evidence",
           (SELECT count(*) FROM "Dispute") AS "Dispute",
           (SELECT count(*) FROM "GroupPolicyVersion" WHERE "groupId" = ${group}::uuid) AS "GroupPolicyVersion"`;
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

async function sendInject(app: FastifyInstance, route: WriteRoute, raw: string) {
  const res = await app.inject({ method: route.method, url: route.url(), headers: { 'content-type': 'application/json', ...(await route.headers(raw)) }, payload: raw });
  return { status: res.statusCode, text: res.body };
}

async function sendOverPort(route: WriteRoute, raw: string) {
  const res = await fetch(`${baseUrl}${route.url()}`, { method: route.method, headers: { 'content-type': 'application/json', ...(await route.headers(raw)) }, body: raw });
  return { status: res.status, text: await res.text() };
}

async function checkCase(route: WriteRoute, body: { raw: string; what: string }, send: (raw: string) => Promise<{ status: number; text: string }>) {
  tried[route.name] = (tried[route.name] ?? 0) + 1;
  const before = await rowCounts();
  const res = await send(body.raw);
  const after = await rowCounts();
  const context = `${route.name} <- ${body.what}: ${res.status} ${res.text.slice(0, 300)}`;
  // Credentials and scope are right, so what refuses the request must be its body: 400, or 413 for a huge one.
  expect([context, res.status === 400 || res.status === 413]).toEqual([context, true]);
  const parsed = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
  answers[`${res.status} ${String(parsed.error?.code)}`] = (answers[`${res.status} ${String(parsed.error?.code)}`] ?? 0) + 1;
  expect([context, typeof parsed.error?.code, typeof parsed.error?.message]).toEqual([context, 'string', 'string']);
  expect([context, after]).toEqual([context, before]);
}

test('every write route is fuzzed here or named as fuzzed elsewhere', () => {
  const writes = h.app.routeTable.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)).map((r) => `${r.method} ${r.url}`);
  const fuzzed = new Set(ROUTES.map((r) => r.name.split(' ').slice(0, 2).join(' ')));
  expect(writes.filter((w) => !fuzzed.has(w) && !NOT_FUZZED_HERE.has(w))).toEqual([]);
});

describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
  test(`${RUNS} hostile bodies through inject: each a 4xx, no row added`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileBodies(route.schema, route.base()), (body) => checkCase(route, body, (raw) => sendInject(app, route, raw))),
      { numRuns: RUNS },
    );
  }, 180_000);
});

test(`${PORT_RUNS} hostile bodies per route over a real port`, async () => {
  for (const route of ROUTES) {
    await fc.assert(
      fc.asyncProperty(hostileBodies(route.schema, route.base()), (body) => checkCase(route, body, (raw) => sendOverPort(route, raw))),
      { numRuns: PORT_RUNS },
    );
  }
}, 300_000);

test('the server is still up and still does its job; no prototype was polluted', async () => {
  expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  const view = await app.inject({ method: 'GET', url: `/v1/self-service/${selfServiceToken(h.secrets, interview.id)}` });
  expect(view.statusCode).toBe(200);
  expect(view.json()).toMatchObject({ status: 'SCHEDULED', open: true });
  const res = await postEvent(h, tenant, candidateEvent('candidate.link_clicked', interview.externalId));
  expect(res.statusCode).toBe(202);
  for (const key of ['admin', 'polluted', 'a']) expect(({} as Record<string, unknown>)[key]).toBeUndefined();
});
