/**
 * A login is judged by its own time (`data.at`), not by when it reaches
 * Turnout: a platform whose login events were held back (Turnout's database
 * or Temporal down, the platform retrying) must not turn a candidate who
 * attended into a no-show. Driven through the public API on the real
 * Temporal dev server and PostgreSQL: the login is posted after the no-show
 * was recorded, with the `at` the platform saw inside the window.
 */
import { verifyChain } from '../domain/evidence';
import { computeNoShowReport } from '../domain/reports';
import {
  candidateEvent,
  confirmedEvent,
  createTestTenant,
  eventually,
  FAST_POLICY,
  hrToken,
  postEvent,
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

async function trail(id: string) {
  const rows = await h.prisma.evidence.findMany({ where: { interviewId: id }, orderBy: { seq: 'asc' } });
  expect(verifyChain(rows)).toEqual({ ok: true });
  return rows;
}

async function hrHeaders(tenant: TestTenant) {
  return { authorization: `Bearer ${await hrToken(h, { sub: 'hr-alice', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId })}` };
}

describe('data.at must be believable', () => {
  test('a login more than 24 hours old or more than 2 minutes ahead is 400 naming data.at, and leaves no row', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const { externalId } = await confirm(tenant, seconds(3600));
    for (const at of [new Date(Date.now() - 24 * 3600_000 - 60_000), new Date(Date.now() + 5 * 60_000)]) {
      const event = candidateEvent('candidate.logged_in', externalId, at);
      const res = await postEvent(h, tenant, event);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'data.at' })]);
      expect(await h.prisma.inboundEvent.count({ where: { subsidiaryId: tenant.subsidiaryId, eventId: event.id } })).toBe(0);
    }
    // Within the bounds (an hour ago, a minute ahead) it is taken.
    for (const at of [new Date(Date.now() - 3600_000), new Date(Date.now() + 60_000)]) {
      expect((await postEvent(h, tenant, candidateEvent('candidate.link_clicked', externalId, at))).statusCode).toBe(202);
    }
  }, 40_000);
});

describe('a login inside the window that arrives after the no-show was recorded', () => {
  test('before HR classified it: the no-show is withdrawn, the interview ATTENDED, HR\'s alert resolved, and it counts as attended', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const startsAt = seconds(5);
    const { id, externalId } = await confirm(tenant, startsAt);
    await waitForStatus(id, 'NO_SHOW');
    const alert = await eventually(async () => (await h.prisma.hrAlert.findFirst({ where: { interviewId: id, kind: 'NO_SHOW' } })) ?? undefined, 10_000, 'NO_SHOW alert');
    expect(alert.resolvedAt).toBeNull();

    // The candidate logged in one second after the start; the platform could deliver it only now.
    const loginAt = new Date(startsAt.getTime() + 1000);
    const res = await postEvent(h, tenant, candidateEvent('candidate.logged_in', externalId, loginAt));
    expect(res.statusCode).toBe(202);

    const attended = await waitForStatus(id, 'ATTENDED');
    expect(attended.outcome).toBe('ATTENDED');
    expect(attended.attendedAt?.toISOString()).toBe(loginAt.toISOString());

    const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id } });
    expect(record.withdrawnAt).not.toBeNull();
    expect(record.loginAt?.toISOString()).toBe(loginAt.toISOString());
    expect(record.loginReceivedAt!.getTime()).toBeGreaterThan(record.detectedAt.getTime());
    expect(record.classification).toBeNull();
    expect((await h.prisma.hrAlert.findUniqueOrThrow({ where: { id: alert.id } })).resolvedAt).not.toBeNull();

    const rows = await trail(id);
    const kinds = rows.map((e) => e.kind);
    expect(kinds.slice(-3)).toEqual(['LOGIN', 'NO_SHOW_WITHDRAWN', 'ATTENDED']);
    expect(kinds.indexOf('NO_SHOW_RECORDED')).toBeLessThan(kinds.indexOf('NO_SHOW_WITHDRAWN'));
    const withdrawn = rows.find((e) => e.kind === 'NO_SHOW_WITHDRAWN')!;
    expect(withdrawn.data).toMatchObject({ attempt: 1, loginAt: loginAt.toISOString(), receivedAt: record.loginReceivedAt!.toISOString(), alertsResolved: 1 });

    // HR sees the withdrawal on the interview; the month's report counts an attendance, no no-show.
    const detail = (await h.app.inject({ method: 'GET', url: `/v1/interviews/${externalId}`, headers: await hrHeaders(tenant) })).json();
    expect(detail.status).toBe('ATTENDED');
    expect(detail.records).toEqual([
      expect.objectContaining({ withdrawnAt: record.withdrawnAt!.toISOString(), lateInWindowLogin: { at: loginAt.toISOString(), receivedAt: record.loginReceivedAt!.toISOString() } }),
    ]);
    const month = startsAt.toISOString().slice(0, 7);
    const report = await computeNoShowReport(h.prisma, { subsidiaryIds: [tenant.subsidiaryId], month, groupBy: [] });
    expect(report.totals).toMatchObject({ scheduled: 1, attended: 1, noShow: 0 });

    // HR can no longer classify it.
    const annotate = await h.app.inject({
      method: 'POST',
      url: `/v1/interviews/${externalId}/annotations`,
      headers: await hrHeaders(tenant),
      payload: { classification: 'NO_REASON', note: 'too late' },
    });
    expect(annotate.statusCode).toBe(409);
  }, 60_000);

  test('after HR classified it: nothing changes by itself; the login is evidence, the record shows it, HR is alerted', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const startsAt = seconds(5);
    const { id, externalId } = await confirm(tenant, startsAt);
    await waitForStatus(id, 'NO_SHOW');
    const headers = await hrHeaders(tenant);
    const annotated = await h.app.inject({ method: 'POST', url: `/v1/interviews/${externalId}/annotations`, headers, payload: { classification: 'NO_REASON', note: 'no answer' } });
    expect(annotated.statusCode).toBe(202);
    await waitForStatus(id, 'CLOSED');

    const loginAt = new Date(startsAt.getTime() + 1500);
    const res = await postEvent(h, tenant, candidateEvent('candidate.logged_in', externalId, loginAt));
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('CLOSED');

    const iv = await h.prisma.interview.findUniqueOrThrow({ where: { id } });
    expect(iv.status).toBe('CLOSED');
    // The workflow may still be running its last step, and then it records the login a moment after the 202.
    const record = await eventually(async () => {
      const r = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: id } });
      return r.loginAt ? r : undefined;
    }, 20_000, 'the late in-window login on the record');
    expect(record.classification).toBe('NO_REASON');
    expect(record.withdrawnAt).toBeNull();
    expect(record.loginAt?.toISOString()).toBe(loginAt.toISOString());
    await eventually(async () => ((await h.prisma.hrAlert.count({ where: { interviewId: id } })) >= 2 ? true : undefined), 20_000, 'the alert');
    const alerts = (await h.prisma.hrAlert.findMany({ where: { interviewId: id }, orderBy: { createdAt: 'asc' } })).map((a) => a.kind);
    expect(alerts).toEqual(['NO_SHOW', 'LATE_IN_WINDOW_LOGIN']);
    // Messages (the alert's e-mail, the candidate's notice of the record) add their own evidence meanwhile.
    const rows = (await trail(id)).filter((e) => e.kind === 'LATE_LOGIN' || e.kind === 'HR_ALERTED');
    expect(rows.map((e) => e.kind).slice(-2)).toEqual(['LATE_LOGIN', 'HR_ALERTED']);
    expect(rows.at(-2)!.data).toMatchObject({ reportedAt: loginAt.toISOString(), inWindowOfAttempt: 1 });

    // A second in-window login adds evidence but no second alert; one after start + grace is refused as before.
    expect((await postEvent(h, tenant, candidateEvent('candidate.logged_in', externalId, new Date(startsAt.getTime() + 1800)))).statusCode).toBe(202);
    expect(await h.prisma.hrAlert.count({ where: { interviewId: id } })).toBe(2);
    expect((await postEvent(h, tenant, candidateEvent('candidate.logged_in', externalId, new Date()))).statusCode).toBe(409);

    const detail = (await h.app.inject({ method: 'GET', url: `/v1/interviews/${externalId}`, headers })).json();
    expect(detail.records[0]).toMatchObject({ classification: 'NO_REASON', withdrawnAt: null, lateInWindowLogin: { at: loginAt.toISOString() } });
  }, 60_000);
});
