/**
 * GET /v1/reports/no-shows against a hand-computed fixture. The fixture's
 * rows are inserted directly (interviews in their final states, records,
 * notifications): the report reads the projection, however it was written.
 *
 * March 2026 (UTC), group with subsidiary-1 (S1) and subsidiary-2 (S2); one
 * line per attempt — # interview, sub, position (region), channels: result, reason, messages
 *   1  S1 pos-1 (East) sms        attended                      delivered
 *   2  S1 pos-1 (East) sms        attended                      sent
 *   3  S1 pos-1 (East) sms+email  no-show   NO_REASON           delivered
 *   4  S1 pos-2 (West) email      cancelled                     none
 *   5  S1 pos-2 (West) email      late-cancel FORCE_MAJEURE     sent
 *   6a S2 pos-3 (East) sms        no-show   (unclassified, rescheduled)  sent
 *   6b S2 pos-3 (East) sms        attended  (its second attempt)         delivered
 *   7  S2 pos-3 (East) sms        no-show   UNANNOTATED         delivered
 *   8  S2 pos-3 (East) sms        open (Mar 31 23:59:59)        none
 *   12a S1 pos-1 (East) sms       no-show (Mar 30, rescheduled to April)  sent
 * Outside March: #9 attended Feb 28 23:59:59.999, #10 attended Apr 1 00:00,
 * #12b attended Apr 2; and another group's interview in March.
 * Totals: scheduled 10, attended 3, noShow 4, cancelled 1, lateCancel 1,
 * open 1, noShowRate 4 / (3 + 4) = 0.5714.
 */
import { temporalConfig } from '../lib/config';
import type { Prisma } from '../lib/database';
import { DEFAULT_POLICY } from '../domain/policy';
import { startHarness, type Harness } from './support/harness';
import { createFixtureInterview, createTestGroup, hrHeaders, type TestGroup } from './support/records';

let h: Harness;
let group: TestGroup;
let other: TestGroup;
beforeAll(async () => {
  h = await startHarness();
  group = await createTestGroup(h, 2);
  other = await createTestGroup(h, 1);
  await insertFixture();
});
afterAll(async () => {
  await h?.close();
});

const MARCH = '2026-03';
const at = (iso: string) => new Date(iso);

type Msg = 'delivered' | 'sent' | 'none';

async function insertFixture() {
  const [s1, s2] = group.subsidiaries.map((s) => s.subsidiaryId) as [string, string];
  const position = (subsidiaryId: string, externalId: string, title: string, region: string | null) =>
    h.prisma.position.create({ data: { subsidiaryId, externalId, title, region } });
  const p1 = await position(s1, 'pos-1', 'Backend Engineer', 'East');
  const p2 = await position(s1, 'pos-2', '=HYPERLINK("x")', 'West');
  const p3 = await position(s2, 'pos-3', 'Sales, North', 'East');

  async function interview(
    subsidiaryId: string,
    positionId: string,
    o: { status: Prisma.InterviewCreateInput['status']; startsAt: string; channels: string[]; attempt?: number; outcome?: string },
    records: { attempt: number; kind: 'NO_SHOW' | 'LATE_CANCEL'; scheduledStart: string; classification: 'NO_REASON' | 'UNANNOTATED' | 'FORCE_MAJEURE' | null; nextAttempt?: number }[],
    messages: { attempt: number; state: Msg }[],
  ) {
    const iv = await createFixtureInterview(h, {
      subsidiaryId,
      positionId,
      status: o.status,
      attempt: o.attempt ?? 1,
      startsAt: at(o.startsAt),
      channels: o.channels,
      policy: { ...DEFAULT_POLICY, policyVersion: 1 },
      outcome: o.outcome ?? null,
      confirmedAt: at('2026-02-01T00:00:00Z'),
    });
    for (const r of records) {
      await h.prisma.noShowRecord.create({
        data: {
          interviewId: iv.id,
          attempt: r.attempt,
          kind: r.kind,
          scheduledStart: at(r.scheduledStart),
          detectedAt: at(r.scheduledStart),
          classification: r.classification,
          classifiedAt: r.classification ? at(r.scheduledStart) : null,
          expiresAt: r.classification === 'FORCE_MAJEURE' || r.classification === null ? null : at('2027-03-01T00:00:00Z'),
          nextAttempt: r.nextAttempt ?? null,
        },
      });
    }
    for (const m of messages) {
      if (m.state === 'none') continue;
      await h.prisma.notification.create({
        data: {
          interviewId: iv.id,
          attempt: m.attempt,
          point: 'PT24H',
          channel: o.channels[0]!,
          dueAt: at(o.startsAt),
          status: 'SENT',
          sentAt: at(o.startsAt),
          deliveryStatus: m.state === 'delivered' ? 'delivered' : 'sent',
          deliveredAt: m.state === 'delivered' ? at(o.startsAt) : null,
        },
      });
    }
  }

  // 1, 2: attended
  await interview(s1, p1.id, { status: 'ATTENDED', startsAt: '2026-03-02T09:00:00Z', channels: ['sms'], outcome: 'ATTENDED' }, [], [{ attempt: 1, state: 'delivered' }]);
  await interview(s1, p1.id, { status: 'ATTENDED', startsAt: '2026-03-05T09:00:00Z', channels: ['sms'], outcome: 'ATTENDED' }, [], [{ attempt: 1, state: 'sent' }]);
  // 3: no-show, NO_REASON, both channels
  await interview(s1, p1.id, { status: 'CLOSED', startsAt: '2026-03-10T09:00:00Z', channels: ['sms', 'email'], outcome: 'NO_REASON' },
    [{ attempt: 1, kind: 'NO_SHOW', scheduledStart: '2026-03-10T09:00:00Z', classification: 'NO_REASON' }], [{ attempt: 1, state: 'delivered' }]);
  // 4: cancelled in time
  await interview(s1, p2.id, { status: 'CANCELLED', startsAt: '2026-03-12T09:00:00Z', channels: ['email'], outcome: 'CANCELLED' }, [], []);
  // 5: late cancel, FORCE_MAJEURE
  await interview(s1, p2.id, { status: 'CLOSED', startsAt: '2026-03-15T09:00:00Z', channels: ['email'], outcome: 'FORCE_MAJEURE' },
    [{ attempt: 1, kind: 'LATE_CANCEL', scheduledStart: '2026-03-15T09:00:00Z', classification: 'FORCE_MAJEURE' }], [{ attempt: 1, state: 'sent' }]);
  // 6: no-show rescheduled by HR, then attended
  await interview(s2, p3.id, { status: 'ATTENDED', startsAt: '2026-03-25T09:00:00Z', channels: ['sms'], attempt: 2, outcome: 'ATTENDED' },
    [{ attempt: 1, kind: 'NO_SHOW', scheduledStart: '2026-03-20T09:00:00Z', classification: null, nextAttempt: 2 }],
    [{ attempt: 1, state: 'sent' }, { attempt: 2, state: 'delivered' }]);
  // 7: no-show nobody classified
  await interview(s2, p3.id, { status: 'CLOSED', startsAt: '2026-03-28T09:00:00Z', channels: ['sms'], outcome: 'UNANNOTATED' },
    [{ attempt: 1, kind: 'NO_SHOW', scheduledStart: '2026-03-28T09:00:00Z', classification: 'UNANNOTATED' }], [{ attempt: 1, state: 'delivered' }]);
  // 8: still scheduled, the month's last second
  await interview(s2, p3.id, { status: 'SCHEDULED', startsAt: '2026-03-31T23:59:59Z', channels: ['sms'] }, [], []);
  // 9, 10: just outside the month
  await interview(s1, p1.id, { status: 'ATTENDED', startsAt: '2026-02-28T23:59:59.999Z', channels: ['sms'], outcome: 'ATTENDED' }, [], []);
  await interview(s1, p1.id, { status: 'ATTENDED', startsAt: '2026-04-01T00:00:00Z', channels: ['sms'], outcome: 'ATTENDED' }, [], []);
  // 12: a March no-show rescheduled into April and attended there
  await interview(s1, p1.id, { status: 'ATTENDED', startsAt: '2026-04-02T09:00:00Z', channels: ['sms'], attempt: 2, outcome: 'ATTENDED' },
    [{ attempt: 1, kind: 'NO_SHOW', scheduledStart: '2026-03-30T09:00:00Z', classification: null, nextAttempt: 2 }], [{ attempt: 1, state: 'sent' }]);
  // Another group's interview in March: never counted here.
  const o = other.subsidiaries[0]!.subsidiaryId;
  const po = await position(o, 'pos-1', 'Backend Engineer', 'East');
  await interview(o, po.id, { status: 'ATTENDED', startsAt: '2026-03-10T09:00:00Z', channels: ['sms'], outcome: 'ATTENDED' }, [], []);
}

const counts = (scheduled: number, attended: number, noShow: number, cancelled: number, lateCancel: number, open: number, noShowRate: number | null) =>
  ({ scheduled, attended, noShow, cancelled, lateCancel, open, noShowRate });

async function report(query: string, role: 'group_hr' | 'hr' | 'auditor' = 'group_hr', subsidiary?: number, accept?: string) {
  const headers = await hrHeaders(h, group.groupId, role, subsidiary === undefined ? undefined : group.subsidiaries[subsidiary]!.subsidiaryId);
  return h.app.inject({ method: 'GET', url: `/v1/reports/no-shows?${query}`, headers: { ...headers, ...(accept ? { accept } : {}) } });
}

describe('the no-show report for March', () => {
  test('totals over the group', async () => {
    const res = await report(`month=${MARCH}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ month: MARCH, groupBy: [], rows: [], totals: counts(10, 3, 4, 1, 1, 1, 0.5714) });
  });

  test('by subsidiary', async () => {
    const body = (await report(`month=${MARCH}&groupBy=subsidiary`)).json();
    expect(body.rows).toEqual([
      { subsidiaryId: group.subsidiaries[0]!.subsidiaryId, subsidiaryName: 'subsidiary-1', ...counts(6, 2, 2, 1, 1, 0, 0.5) },
      { subsidiaryId: group.subsidiaries[1]!.subsidiaryId, subsidiaryName: 'subsidiary-2', ...counts(4, 1, 2, 0, 0, 1, 0.6667) },
    ]);
    expect(body.totals).toEqual(counts(10, 3, 4, 1, 1, 1, 0.5714));
  });

  test('by reason (the classification of the record; none for attempts without one)', async () => {
    expect((await report(`month=${MARCH}&groupBy=reason`)).json().rows).toEqual([
      { reason: 'FORCE_MAJEURE', ...counts(1, 0, 0, 0, 1, 0, null) },
      { reason: 'NO_REASON', ...counts(1, 0, 1, 0, 0, 0, 1) },
      { reason: 'UNANNOTATED', ...counts(1, 0, 1, 0, 0, 0, 1) },
      { reason: 'UNCLASSIFIED', ...counts(2, 0, 2, 0, 0, 0, 1) },
      { reason: null, ...counts(5, 3, 0, 1, 0, 1, 0) },
    ]);
  });

  test('by channel and by whether the messages were delivered', async () => {
    expect((await report(`month=${MARCH}&groupBy=channel`)).json().rows).toEqual([
      { channel: 'email', ...counts(2, 0, 0, 1, 1, 0, null) },
      { channel: 'email+sms', ...counts(1, 0, 1, 0, 0, 0, 1) },
      { channel: 'sms', ...counts(7, 3, 3, 0, 0, 1, 0.5) },
    ]);
    expect((await report(`month=${MARCH}&groupBy=delivered`)).json().rows).toEqual([
      { delivered: 'delivered', ...counts(4, 2, 2, 0, 0, 0, 0.5) },
      { delivered: 'none', ...counts(2, 0, 0, 1, 0, 1, null) },
      { delivered: 'sent', ...counts(4, 1, 2, 0, 1, 0, 0.6667) },
    ]);
  });

  test('by region, by position, and by two columns at once', async () => {
    expect((await report(`month=${MARCH}&groupBy=region`)).json().rows).toEqual([
      { region: 'East', ...counts(8, 3, 4, 0, 0, 1, 0.5714) },
      { region: 'West', ...counts(2, 0, 0, 1, 1, 0, null) },
    ]);
    expect((await report(`month=${MARCH}&groupBy=position`)).json().rows).toEqual([
      { positionId: 'pos-1', positionTitle: 'Backend Engineer', ...counts(4, 2, 2, 0, 0, 0, 0.5) },
      { positionId: 'pos-2', positionTitle: '=HYPERLINK("x")', ...counts(2, 0, 0, 1, 1, 0, null) },
      { positionId: 'pos-3', positionTitle: 'Sales, North', ...counts(4, 1, 2, 0, 0, 1, 0.6667) },
    ]);
    const [s1, s2] = group.subsidiaries.map((s) => s.subsidiaryId);
    // The order of groupBy in the query does not matter: columns come in a fixed order.
    expect((await report(`month=${MARCH}&groupBy=delivered,subsidiary`)).json().rows).toEqual([
      { subsidiaryId: s1, subsidiaryName: 'subsidiary-1', delivered: 'delivered', ...counts(2, 1, 1, 0, 0, 0, 0.5) },
      { subsidiaryId: s1, subsidiaryName: 'subsidiary-1', delivered: 'none', ...counts(1, 0, 0, 1, 0, 0, null) },
      { subsidiaryId: s1, subsidiaryName: 'subsidiary-1', delivered: 'sent', ...counts(3, 1, 1, 0, 1, 0, 0.5) },
      { subsidiaryId: s2, subsidiaryName: 'subsidiary-2', delivered: 'delivered', ...counts(2, 1, 1, 0, 0, 0, 0.5) },
      { subsidiaryId: s2, subsidiaryName: 'subsidiary-2', delivered: 'none', ...counts(1, 0, 0, 0, 0, 1, null) },
      { subsidiaryId: s2, subsidiaryName: 'subsidiary-2', delivered: 'sent', ...counts(1, 0, 1, 0, 0, 0, 1) },
    ]);
  });

  test('month boundaries are UTC: the last millisecond of February and the first of April are not March', async () => {
    expect((await report('month=2026-02')).json().totals).toEqual(counts(1, 1, 0, 0, 0, 0, 0));
    expect((await report('month=2026-04')).json().totals).toEqual(counts(2, 2, 0, 0, 0, 0, 0));
  });

  test("scoped to the caller: HR of a subsidiary sees its own; another group's rows never count", async () => {
    expect((await report(`month=${MARCH}`, 'hr', 1)).json().totals).toEqual(counts(4, 1, 2, 0, 0, 1, 0.6667));
    expect((await report(`month=${MARCH}&groupBy=subsidiary`, 'auditor', 0)).json().rows).toHaveLength(1);
    const foreign = await h.app.inject({ method: 'GET', url: `/v1/reports/no-shows?month=${MARCH}`, headers: await hrHeaders(h, other.groupId, 'group_hr') });
    expect(foreign.json().totals).toEqual(counts(1, 1, 0, 0, 0, 0, 0));
  });

  test('CSV on Accept: text/csv, quoted, and safe to open in a spreadsheet', async () => {
    const res = await report(`month=${MARCH}&groupBy=position`, 'group_hr', undefined, 'text/csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('no-shows-2026-03.csv');
    expect(res.body.split('\r\n')).toEqual([
      'positionId,positionTitle,scheduled,attended,noShow,cancelled,lateCancel,open,noShowRate',
      'pos-1,Backend Engineer,4,2,2,0,0,0,0.5',
      `pos-2,"'=HYPERLINK(""x"")",2,0,0,1,1,0,`,
      'pos-3,"Sales, North",4,1,2,0,0,1,0.6667',
      '',
    ]);
    const json = await report(`month=${MARCH}`, 'group_hr', undefined, 'text/csv;q=0.5, application/json');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
  });

  test('a bad month or group-by column is a 400 that names it', async () => {
    const bad = await report(`month=${MARCH}&groupBy=subsidiary,candidate`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('querystring.groupBy');
    expect(bad.json().error.message).toContain('candidate');
    const injection = await report(`month=${MARCH}&groupBy=${encodeURIComponent('reason;DROP TABLE "Interview"')}`);
    expect(injection.statusCode).toBe(400);
    expect((await report('month=2026-13')).statusCode).toBe(400);
    expect((await report('')).statusCode).toBe(400);
  });
});

describe('the monthly report', () => {
  test('the monthly workflow stores every group’s report; group HR reads it, HR of a subsidiary is sent to the live report', async () => {
    const { taskQueue } = temporalConfig();
    const result = await h.client.workflow.execute('monthlyReportsWorkflow', { taskQueue, workflowId: `test-monthly-${Date.now()}`, args: [{ month: MARCH }] });
    expect(result).toMatchObject({ month: MARCH, groups: expect.any(Number) });
    const headers = await hrHeaders(h, group.groupId, 'group_hr');
    const stored = await h.app.inject({ method: 'GET', url: `/v1/reports/monthly?month=${MARCH}`, headers });
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ month: MARCH, groupBy: ['subsidiary', 'reason'], totals: counts(10, 3, 4, 1, 1, 1, 0.5714) });
    expect(stored.json().rows).toHaveLength(7);
    expect((await h.app.inject({ method: 'GET', url: `/v1/reports/monthly?month=${MARCH}`, headers: await hrHeaders(h, group.groupId, 'hr', group.subsidiaries[0]!.subsidiaryId) })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/v1/reports/monthly?month=2020-01', headers })).statusCode).toBe(404);

    // Running it again replaces the month's report, it does not add a second one.
    await h.client.workflow.execute('monthlyReportsWorkflow', { taskQueue, workflowId: `test-monthly-again-${Date.now()}`, args: [{ month: MARCH }] });
    expect(await h.prisma.monthlyReport.count({ where: { groupId: group.groupId, month: MARCH } })).toBe(1);
  });
});
