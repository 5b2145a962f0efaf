/**
 * Every path an interview can take, driven through the public API (platform
 * events, HR calls, candidate self-service) on the real Temporal dev server
 * and PostgreSQL, checked by final state, evidence trail and records.
 */
import { verifyChain } from '../domain/evidence';
import {
  candidateEvent,
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Confirms an interview and waits until its projection exists; returns Turnout's id. */
async function confirm(tenant: TestTenant, startsAt: Date, channels = ['sms']) {
  const event = confirmedEvent({ startsAt, channels });
  const res = await postEvent(h, tenant, event);
  expect(res.statusCode).toBe(202);
  const iv = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 10_000);
  return { id: iv.id, externalId: event.data.interviewId };
}

async function waitForStatus(id: string, status: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const iv = await h.prisma.interview.findUniqueOrThrow({ where: { id } });
    return iv.status === status ? iv : undefined;
  }, timeoutMs, status);
}

async function trail(id: string) {
  const rows = await h.prisma.evidence.findMany({ where: { interviewId: id }, orderBy: { seq: 'asc' } });
  expect(verifyChain(rows)).toEqual({ ok: true });
  return rows;
}

async function hr(tenant: TestTenant, role: 'hr' | 'group_hr' | 'auditor' = 'hr', sub = 'hr-alice') {
  const token = await hrToken(h, { sub, role, groupId: tenant.groupId, ...(role === 'hr' ? { subsidiaryId: tenant.subsidiaryId } : {}) });
  return { authorization: `Bearer ${token}` };
}

function annotate(headers: Record<string, string>, id: string, classification: string, note = 'called twice, no answer') {
  return h.app.inject({ method: 'POST', url: `/v1/interviews/${id}/annotations`, headers, payload: { classification, note } });
}

function reschedule(headers: Record<string, string>, id: string, startsAt: Date) {
  return h.app.inject({ method: 'POST', url: `/v1/interviews/${id}/reschedule`, headers, payload: { startsAt: startsAt.toISOString(), reason: 'interviewer ill' } });
}

describe('after a no-show', () => {
  test('HR classifies it NO_REASON: the interview closes and the record becomes negative until it expires', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    // The file's first request warms the app up: a start a few seconds out stays in the future under load.
    const { id, externalId } = await confirm(tenant, seconds(5));
    await waitForStatus(id, 'NO_SHOW');
    const headers = await hr(tenant);

    const res = await annotate(headers, externalId, 'NO_REASON');
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('CLOSED');

    const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id } });
    expect(record.classification).toBe('NO_REASON');
    expect(record.classifiedBy).toBe('hr-alice');
    expect(record.note).toBe('called twice, no answer');
    const year = 365 * 24 * 3600_000;
    expect(record.expiresAt!.getTime() - record.classifiedAt!.getTime()).toBeGreaterThanOrEqual(year);

    // Messages (the candidate's notice, HR's alert e-mail) add their evidence at their own pace: the lifecycle's steps are compared among themselves.
    const kinds = (await trail(id)).map((e) => e.kind).filter((k) => !k.startsWith('MESSAGE_') && !k.startsWith('HR_ALERT_DELIVER'));
    expect(kinds.slice(-2)).toEqual(['HR_ALERTED', 'ANNOTATED']);

    // A second annotation is refused with the current state, and changes nothing.
    const again = await annotate(headers, externalId, 'FORCE_MAJEURE');
    expect(again.statusCode).toBe(409);
    expect((await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id } })).classification).toBe('NO_REASON');
    const audit = await h.prisma.auditEntry.findMany({ where: { interviewId: id, action: 'annotate' }, orderBy: { at: 'asc' } });
    expect(audit.map((a) => (a.payload as { outcome: { applied: boolean } }).outcome.applied)).toEqual([true, false]);
  }, 40_000);

  test('HR reschedules it: a new attempt starts, the no-show record stays and is linked to it', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { id, externalId } = await confirm(tenant, seconds(2));
    await waitForStatus(id, 'NO_SHOW');
    const headers = await hr(tenant);

    const res = await reschedule(headers, externalId, seconds(6));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'SCHEDULED', attempt: 2 });

    const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id, attempt: 1 } });
    expect(record.nextAttempt).toBe(2);
    expect(record.classification).toBeNull();

    // The second attempt gets its own reminders, then the candidate attends.
    await eventually(async () => ((await h.prisma.notification.count({ where: { interviewId: id, attempt: 2, point: 'PT2S', status: 'SENT' } })) ? true : undefined), 15_000, 'attempt-2 reminder');
    expect((await postEvent(h, tenant, candidateEvent('candidate.logged_in', externalId))).statusCode).toBe(202);
    const attended = await waitForStatus(id, 'ATTENDED');
    expect(attended.attempt).toBe(2);

    const detail = (await h.app.inject({ method: 'GET', url: `/v1/interviews/${externalId}`, headers })).json();
    expect(detail.records).toHaveLength(1);
    expect(detail.schedule.map((s: { change: string }) => s.change)).toEqual(['confirmed', 'rescheduled']);
    expect((await trail(id)).some((e) => e.kind === 'RESCHEDULED')).toBe(true);
  }, 60_000);

  test('nobody classifies it: HR is reminded once, then it closes as UNANNOTATED', async () => {
    const tenant = await createTestTenant(h, { ...FAST_POLICY, annotationWindow: 'PT4S' });
    const { id } = await confirm(tenant, seconds(2));
    await waitForStatus(id, 'NO_SHOW');
    const closed = await waitForStatus(id, 'CLOSED', 20_000);
    expect(closed.outcome).toBe('UNANNOTATED');
    const alerts = await h.prisma.hrAlert.findMany({ where: { interviewId: id }, orderBy: { createdAt: 'asc' } });
    expect(alerts.map((a) => a.kind)).toEqual(['NO_SHOW', 'ANNOTATION_DUE']);
    const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id } });
    expect(record.classification).toBe('UNANNOTATED');
    expect((await trail(id)).at(-1)?.kind).toBe('CLOSED_UNANNOTATED');
  }, 40_000);

  test('a login whose own time is after start + grace is kept as evidence with how late it was, and the record stays', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const startsAt = seconds(2);
    const { id, externalId } = await confirm(tenant, startsAt);
    await waitForStatus(id, 'NO_SHOW');
    const lateAt = new Date(); // as the platform reports it: after start + grace
    const res = await postEvent(h, tenant, candidateEvent('candidate.logged_in', externalId, lateAt));
    expect(res.statusCode).toBe(202);
    const late = await eventually(async () => (await h.prisma.evidence.findFirst({ where: { interviewId: id, kind: 'LATE_LOGIN' } })) ?? undefined, 10_000, 'LATE_LOGIN');
    expect(late.data).toMatchObject({ reportedAt: lateAt.toISOString(), minutesLate: Math.round((lateAt.getTime() - startsAt.getTime()) / 60_000) });
    expect((await h.prisma.interview.findUniqueOrThrow({ where: { id } })).status).toBe('NO_SHOW');
    await trail(id);
  }, 40_000);
});

describe('before the start', () => {
  test('HR reschedules: timers are re-planned and reminders already sent are not repeated', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { id, externalId } = await confirm(tenant, seconds(6));
    // Wait for the 4-second reminder, then move the start so that point lies in the future again.
    await eventually(async () => ((await h.prisma.notification.count({ where: { interviewId: id, point: 'PT4S', status: 'SENT' } })) ? true : undefined), 10_000, 'PT4S reminder');
    const res = await reschedule(await hr(tenant), externalId, seconds(7));
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('SCHEDULED');

    await eventually(async () => ((await h.prisma.notification.count({ where: { interviewId: id, point: 'PT2S', status: 'SENT' } })) ? true : undefined), 15_000, 'PT2S reminder');
    expect((await postEvent(h, tenant, candidateEvent('candidate.logged_in', externalId))).statusCode).toBe(202);
    await waitForStatus(id, 'ATTENDED', 15_000);

    // Each reminder once, and one notice of the move (domain/notices.ts).
    const sent = await h.prisma.notification.findMany({ where: { interviewId: id } });
    expect(sent.map((n) => n.point.replace(/^moved-\d+$/, 'moved')).sort()).toEqual(['PT2S', 'PT4S', 'confirmation', 'moved']);
    expect((await trail(id)).filter((e) => e.kind === 'MESSAGE_SENT')).toHaveLength(4);
  }, 60_000);

  test('a link click is evidence, not attendance', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { id, externalId } = await confirm(tenant, seconds(2));
    expect((await postEvent(h, tenant, candidateEvent('candidate.link_clicked', externalId))).statusCode).toBe(202);
    await waitForStatus(id, 'NO_SHOW');
    const kinds = (await trail(id)).map((e) => e.kind);
    expect(kinds).toContain('LINK_CLICKED');
    expect(kinds).not.toContain('ATTENDED');
    const recorded = (await h.prisma.evidence.findFirstOrThrow({ where: { interviewId: id, kind: 'NO_SHOW_RECORDED' } })).data;
    expect(recorded).toMatchObject({ linkClicks: 1 });
  }, 40_000);

  test('annotating an interview that has not been missed is a 409 with its state and the reason, and nothing changes', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { id, externalId } = await confirm(tenant, seconds(3600));
    const res = await annotate(await hr(tenant), externalId, 'NO_REASON');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('invalid_state');
    expect(res.json().error.details).toMatchObject({ state: { status: 'SCHEDULED' }, reason: 'not_awaiting_classification' });
    expect(await h.prisma.noShowRecord.count({ where: { interviewId: id } })).toBe(0);
  });
});

describe('candidate self-service', () => {
  test('a cancellation 24 hours or more ahead ends the interview CANCELLED with no record', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { id } = await confirm(tenant, seconds(48 * 3600));
    const token = selfServiceToken(h.secrets, id);
    const missing = await h.app.inject({ method: 'POST', url: `/v1/self-service/${token}/cancel`, payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('reason');

    const res = await h.app.inject({ method: 'POST', url: `/v1/self-service/${token}/cancel`, payload: { reason: 'accepted another offer' } });
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('CANCELLED');
    const iv = await waitForStatus(id, 'CANCELLED');
    expect(iv.outcome).toBe('CANCELLED');
    expect(await h.prisma.noShowRecord.count({ where: { interviewId: id } })).toBe(0);

    const view = await h.app.inject({ method: 'GET', url: `/v1/self-service/${token}` });
    expect(view.json()).toMatchObject({ open: false, status: 'CANCELLED' });
    expect(view.json().message).toMatch(/ended/);
  });

  test('a later cancellation leaves a LATE_CANCEL record that HR classifies like a no-show', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { id, externalId } = await confirm(tenant, seconds(3 * 3600));
    const token = selfServiceToken(h.secrets, id);
    const res = await h.app.inject({ method: 'POST', url: `/v1/self-service/${token}/cancel`, payload: { reason: 'sick' } });
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('LATE_CANCELLED');
    const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id } });
    expect(record.kind).toBe('LATE_CANCEL');

    const annotated = await annotate(await hr(tenant), externalId, 'FORCE_MAJEURE', 'hospital note received');
    expect(annotated.statusCode).toBe(202);
    const closed = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id } });
    expect(closed.classification).toBe('FORCE_MAJEURE');
    expect(closed.expiresAt).toBeNull(); // never a negative mark
    await trail(id);
  });

  test('moving the interview is capped by the policy: count and cutoff', async () => {
    const tenant = await createTestTenant(h, { ...FAST_POLICY, selfService: { maxReschedules: 1, cutoff: 'PT2H' } });
    const { id } = await confirm(tenant, seconds(5 * 3600));
    const token = selfServiceToken(h.secrets, id);
    const move = (to: Date) => h.app.inject({ method: 'POST', url: `/v1/self-service/${token}/reschedule`, payload: { startsAt: to.toISOString() } });

    expect((await h.app.inject({ method: 'GET', url: `/v1/self-service/${token}` })).json().reschedulesLeft).toBe(1);
    const first = await move(seconds(6 * 3600));
    expect(first.statusCode).toBe(202);
    const second = await move(seconds(7 * 3600));
    expect(second.statusCode).toBe(409);
    expect(second.json().error.message).toMatch(/already moved/);
    expect((await h.prisma.interview.findUniqueOrThrow({ where: { id } })).startsAt.getTime()).toBe(Date.parse(first.json().startsAt));
  });

  test('a candidate cannot move an interview inside the cutoff', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { id } = await confirm(tenant, seconds(3600)); // cutoff is 2 h by default
    const token = selfServiceToken(h.secrets, id);
    const res = await h.app.inject({ method: 'POST', url: `/v1/self-service/${token}/reschedule`, payload: { startsAt: seconds(2 * 3600).toISOString() } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toMatch(/too close/);
  });

  test('a tampered link is 401', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/self-service/${selfServiceToken(h.secrets, '00000000-0000-0000-0000-000000000000')}x` });
    expect(res.statusCode).toBe(401);
  });
});

describe('HR scope', () => {
  test("HR of another subsidiary gets 404 for an interview, never its data; an auditor may read but not annotate", async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const other = await createTestTenant(h, FAST_POLICY);
    const { externalId } = await confirm(tenant, seconds(3600));
    const foreign = await h.app.inject({ method: 'GET', url: `/v1/interviews/${externalId}`, headers: await hr(other) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('Li Wei');

    const auditor = await hr(tenant, 'auditor');
    // Once the confirmation is out, the workflow says what it waits for next.
    const read = await eventually(async () => {
      const r = await h.app.inject({ method: 'GET', url: `/v1/interviews/${externalId}`, headers: auditor });
      return r.statusCode === 200 && /reminder|window/.test(r.json().next?.step ?? '') ? r : undefined;
    }, 10_000, 'next step');
    expect(read.json()).toMatchObject({ interviewId: externalId, status: 'SCHEDULED', next: { step: expect.stringMatching(/reminder|window/) } });
    expect((await annotate(auditor, externalId, 'NO_REASON')).statusCode).toBe(403);
  });
});
