/**
 * The report's dimensions that look for causes, against a hand-computed
 * fixture written straight into the projection (September 2026, one
 * subsidiary; times UTC):
 *
 *   # start              candidate zone       local start         confirmed   reminder points delivered   result
 *   1 09-07 01:00 (Mon)  Asia/Shanghai        09:00 Mon           6 h before  none (one only sent)        no-show
 *   2 09-07 02:00 (Mon)  Asia/Shanghai        10:00 Mon           2 d before  PT24H                       attended
 *   3 09-12 23:30 (Sat)  Asia/Shanghai        07:30 Sun 09-13     5 d before  PT48H, PT24H                no-show
 *   4 09-13 09:00 (Sun)  (none)               09:00 Sun (UTC)     10 d before PT48H, PT24H, PT1H           attended
 *   5 09-14 09:00 (Mon)  "Mars/Olympus" (bad) 09:00 Mon (UTC)     30 d before PT48H, PT24H, PT1H, PT15M    attended
 *
 * A delivered confirmation is not a reminder point; two channels delivered at one point count once.
 */
import { startHarness, type Harness } from './support/harness';
import { createFixtureInterview, createTestGroup, hrHeaders, type TestGroup } from './support/records';

let h: Harness;
let group: TestGroup;
const MONTH = '2026-09';

beforeAll(async () => {
  h = await startHarness({ worker: false });
  group = await createTestGroup(h, 1);
  await fixture();
});
afterAll(async () => {
  await h?.close();
});

async function fixture() {
  const s = group.subsidiaries[0]!.subsidiaryId;
  const p = await h.prisma.position.create({ data: { subsidiaryId: s, externalId: 'pos-1', title: 'Cashier', region: 'South' } });
  const one = async (startsAt: string, timezone: string | null, leadHours: number, delivered: string[], result: 'attended' | 'no_show', onlySent: string[] = []) => {
    const start = new Date(startsAt);
    const iv = await createFixtureInterview(h, {
      subsidiaryId: s,
      positionId: p.id,
      status: result === 'attended' ? 'ATTENDED' : 'CLOSED',
      startsAt: start,
      channels: ['sms', 'email'],
      outcome: result === 'attended' ? 'ATTENDED' : 'NO_REASON',
      confirmedAt: new Date(start.getTime() - leadHours * 3600_000),
      timezone,
    });
    if (result === 'no_show') {
      await h.prisma.noShowRecord.create({
        data: { interviewId: iv.id, attempt: 1, kind: 'NO_SHOW', scheduledStart: start, detectedAt: start, classification: 'NO_REASON', classifiedAt: start, expiresAt: new Date('2027-09-30T00:00:00Z') },
      });
    }
    const message = (point: string, channel: string, isDelivered: boolean) =>
      h.prisma.notification.create({
        data: {
          interviewId: iv.id,
          attempt: 1,
          point,
          channel,
          dueAt: start,
          status: 'SENT',
          sentAt: start,
          deliveryStatus: isDelivered ? 'delivered' : 'sent',
          deliveredAt: isDelivered ? start : null,
        },
      });
    // Every interview has a delivered confirmation: it must not count as a reminder point.
    await message('confirmation', 'sms', true);
    for (const point of delivered) {
      await message(point, 'sms', true);
      await message(point, 'email', true);
    }
    for (const point of onlySent) await message(point, 'sms', false);
  };
  await one('2026-09-07T01:00:00Z', 'Asia/Shanghai', 6, [], 'no_show', ['PT1H']);
  await one('2026-09-07T02:00:00Z', 'Asia/Shanghai', 48, ['PT24H'], 'attended');
  await one('2026-09-12T23:30:00Z', 'Asia/Shanghai', 5 * 24, ['PT48H', 'PT24H'], 'no_show');
  await one('2026-09-13T09:00:00Z', null, 10 * 24, ['PT48H', 'PT24H', 'PT1H'], 'attended');
  await one('2026-09-14T09:00:00Z', 'Mars/Olympus', 30 * 24, ['PT48H', 'PT24H', 'PT1H', 'PT15M'], 'attended');
}

async function report(groupBy: string) {
  const res = await h.app.inject({ method: 'GET', url: `/v1/reports/no-shows?month=${MONTH}&groupBy=${groupBy}`, headers: await hrHeaders(h, group.groupId, 'group_hr') });
  expect(res.statusCode).toBe(200);
  return res.json() as { rows: Record<string, unknown>[]; totals: { scheduled: number; noShow: number } };
}

const pick = (rows: Record<string, unknown>[], key: string) => rows.map((r) => [r[key], r.scheduled, r.noShow]);

test('hour: the start in the candidate’s zone, UTC when the zone is missing or unknown', async () => {
  const r = await report('hour');
  expect(pick(r.rows, 'hour')).toEqual([
    [7, 1, 1],
    [9, 3, 1],
    [10, 1, 0],
  ]);
  expect(r.totals).toMatchObject({ scheduled: 5, noShow: 2 });
});

test('weekday: ISO (1 = Monday), in the candidate’s zone, so a Saturday-night UTC start is a Sunday in Shanghai', async () => {
  expect(pick((await report('weekday')).rows, 'weekday')).toEqual([
    [1, 3, 1],
    [7, 2, 1],
  ]);
});

test('remindersReached: reminder points with a delivered message, confirmation not counted, in order 0, 1, 2, 3+', async () => {
  expect(pick((await report('remindersReached')).rows, 'remindersReached')).toEqual([
    ['0', 1, 1],
    ['1', 1, 0],
    ['2', 1, 1],
    ['3+', 2, 0],
  ]);
});

test('leadTime: confirmation to start in buckets, in order <1d, 1-3d, 3-7d, 7d+', async () => {
  expect(pick((await report('leadTime')).rows, 'leadTime')).toEqual([
    ['<1d', 1, 1],
    ['1-3d', 1, 0],
    ['3-7d', 1, 1],
    ['7d+', 2, 0],
  ]);
});

test('the new dimensions combine with the others and come out in CSV too', async () => {
  const r = await report('subsidiary,leadTime,hour');
  // #4 and #5 share 7d+ at 09:00.
  expect(r.rows).toHaveLength(4);
  const csv = await h.app.inject({
    method: 'GET',
    url: `/v1/reports/no-shows?month=${MONTH}&groupBy=weekday,remindersReached`,
    headers: { ...(await hrHeaders(h, group.groupId, 'group_hr')), accept: 'text/csv' },
  });
  expect(csv.body.split('\r\n')[0]).toBe('weekday,remindersReached,scheduled,attended,noShow,cancelled,lateCancel,open,noShowRate');
  expect(csv.body).toContain('\r\n7,2,1,0,1,0,0,0,1\r\n');
});

test('an unknown dimension is still refused, naming the ones there are', async () => {
  const res = await h.app.inject({ method: 'GET', url: `/v1/reports/no-shows?month=${MONTH}&groupBy=minute`, headers: await hrHeaders(h, group.groupId, 'group_hr') });
  expect(res.statusCode).toBe(400);
  expect(res.json().error.message).toContain('hour, weekday, remindersReached, leadTime');
});
