/**
 * GET /v1/candidates/attendance: one person with records in three
 * subsidiaries of a group, looked up by HR of each, by group HR and by
 * auditors, with sharing on and then off. Records come from real lifecycles
 * (no-show, then HR's classification through the API).
 */
import { FAST_POLICY, startHarness, type Harness } from './support/harness';
import { confirmFor, createTestGroup, hrHeaders, waitForStatus, type TestGroup } from './support/records';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const PERSON = { phone: '+8613800138000', email: 'Li.Wei@Example.test', name: 'Li Wei' };
const seconds = (n: number) => new Date(Date.now() + n * 1000);

let group: TestGroup;
const ids: Record<string, string> = {};

/** Subsidiary 1: NO_REASON. 2: UNREACHABLE, and an expired NO_REASON. 3: FORCE_MAJEURE. */
beforeAll(async () => {
  group = await createTestGroup(h, 3, FAST_POLICY);
  const [s1, s2, s3] = group.subsidiaries;
  const plan = [
    ['s1NoReason', s1!, 'NO_REASON'],
    ['s2Unreachable', s2!, 'UNREACHABLE'],
    ['s2Expired', s2!, 'NO_REASON'],
    ['s3ForceMajeure', s3!, 'FORCE_MAJEURE'],
  ] as const;
  // Each subsidiary knows the person under its own candidate id; the lookups below write the phone differently.
  // Ten seconds ahead, so that even a loaded machine sends the 2-second reminder the records below report.
  const interviews = await Promise.all(
    plan.map(([, tenant]) =>
      confirmFor(h, tenant, { candidate: { ...PERSON, id: `person-at-${tenant.subsidiaryId.slice(0, 8)}` }, startsAt: seconds(10), channels: ['sms'] }),
    ),
  );
  await Promise.all(interviews.map((iv) => waitForStatus(h, iv.id, 'NO_SHOW', 45_000)));
  for (const [i, [name, tenant, classification]] of plan.entries()) {
    const iv = interviews[i]!;
    ids[name] = iv.externalId;
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/interviews/${iv.id}/annotations`,
      headers: await hrHeaders(h, group.groupId, 'hr', tenant.subsidiaryId),
      payload: { classification, note: 'called twice' },
    });
    expect(res.statusCode).toBe(202);
  }
  // Time passes for one of them: its retention is over.
  const expired = interviews[2]!;
  await h.prisma.noShowRecord.updateMany({ where: { interviewId: expired.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
}, 120_000);

async function lookup(headers: Record<string, string>, query: string) {
  const res = await h.app.inject({ method: 'GET', url: `/v1/candidates/attendance?${query}`, headers });
  expect(res.statusCode).toBe(200);
  return res.json() as { matchedSubsidiaries: number; records: { classification: string; subsidiary: { id: string }; interviewId: string | null }[] };
}

const byPhone = `phone=${encodeURIComponent('+86 138 0013 8000')}`;
const seen = (body: Awaited<ReturnType<typeof lookup>>) =>
  body.records.map((r) => `${group.subsidiaries.findIndex((s) => s.subsidiaryId === r.subsidiary.id) + 1}:${r.classification}`).sort();

describe('with sharing on (the default)', () => {
  test("HR of another subsidiary sees the negative record group-wide, and its own neutral one; never another's neutral, force majeure or an expired record", async () => {
    const [s1, s2, s3] = group.subsidiaries;
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'hr', s1!.subsidiaryId), byPhone))).toEqual(['1:NO_REASON']);
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'hr', s2!.subsidiaryId), byPhone))).toEqual(['1:NO_REASON', '2:UNREACHABLE']);
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'hr', s3!.subsidiaryId), byPhone))).toEqual(['1:NO_REASON']);
  });

  test('group HR and a group-wide auditor see every subsidiary as their own; an auditor bound to a subsidiary sees as its HR does', async () => {
    const [, s2] = group.subsidiaries;
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'group_hr'), byPhone))).toEqual(['1:NO_REASON', '2:UNREACHABLE']);
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'auditor'), byPhone))).toEqual(['1:NO_REASON', '2:UNREACHABLE']);
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'auditor', s2!.subsidiaryId), byPhone))).toEqual(['1:NO_REASON', '2:UNREACHABLE']);
  });

  test('each record says when, where, for which position, whether the reminders went out, and when it expires; contact details never appear', async () => {
    const [s1, s2] = group.subsidiaries;
    const res = await h.app.inject({ method: 'GET', url: `/v1/candidates/attendance?${byPhone}`, headers: await hrHeaders(h, group.groupId, 'hr', s2!.subsidiaryId) });
    const body = res.json();
    const negative = body.records.find((r: { classification: string }) => r.classification === 'NO_REASON');
    expect(negative).toMatchObject({
      kind: 'NO_SHOW',
      subsidiary: { id: s1!.subsidiaryId, name: 'subsidiary-1' },
      position: { id: 'pos-backend', title: 'Backend Engineer', region: 'East China' },
      interviewId: null, // another subsidiary's interview: the record, not the file
      reminders: { sent: expect.any(Number), delivered: 0, summary: 'sent' },
      dispute: null,
    });
    expect(negative.reminders.sent).toBeGreaterThanOrEqual(1);
    expect(Date.parse(negative.expiresAt) - Date.parse(negative.classifiedAt)).toBeGreaterThanOrEqual(365 * 24 * 3600_000);
    const own = body.records.find((r: { classification: string }) => r.classification === 'UNREACHABLE');
    expect(own.interviewId).toBe(ids.s2Unreachable);
    // Its own subsidiary and the one whose record it sees; not subsidiary 3, whose force-majeure record it may not see.
    expect(body.matchedSubsidiaries).toBe(2);
    for (const secret of ['Li Wei', '8613800138000', 'Example.test', 'example.test', 'called twice']) expect(res.body).not.toContain(secret);
  });

  test('the e-mail matches whatever its case; another person matches nothing', async () => {
    const headers = await hrHeaders(h, group.groupId, 'group_hr');
    expect(seen(await lookup(headers, 'email=LI.WEI%40EXAMPLE.TEST'))).toEqual(['1:NO_REASON', '2:UNREACHABLE']);
    expect(await lookup(headers, 'phone=%2B8613900139000')).toEqual({ matchedSubsidiaries: 0, records: [] });
  });

  test('a lookup in another group finds nothing, and every lookup is audited without the contact', async () => {
    const other = await createTestGroup(h, 1);
    expect(await lookup(await hrHeaders(h, other.groupId, 'group_hr'), byPhone)).toEqual({ matchedSubsidiaries: 0, records: [] });
    const audit = await h.prisma.auditEntry.findMany({ where: { groupId: group.groupId, action: 'candidate.attendance.lookup' } });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain('8613800138000');
  });

  test('a lookup needs exactly one valid phone or e-mail', async () => {
    const headers = await hrHeaders(h, group.groupId, 'group_hr');
    for (const q of ['', 'phone=%2B8613800138000&email=a%40b.test', 'phone=13800138000', 'email=nobody']) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/candidates/attendance?${q}`, headers });
      expect({ q, status: res.statusCode }).toEqual({ q, status: 400 });
    }
    const noToken = await h.app.inject({ method: 'GET', url: `/v1/candidates/attendance?${byPhone}` });
    expect(noToken.statusCode).toBe(401);
  });
});

describe('with sharing off', () => {
  beforeAll(async () => {
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/v1/groups/${group.groupId}/policy`,
      headers: { ...(await hrHeaders(h, group.groupId, 'group_hr')), 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ shareAcrossSubsidiaries: false }),
    });
    expect(res.statusCode).toBe(200);
  });

  test("another subsidiary's negative record disappears at once; each subsidiary still sees its own; group HR still sees all", async () => {
    const [s1, s2, s3] = group.subsidiaries;
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'hr', s1!.subsidiaryId), byPhone))).toEqual(['1:NO_REASON']);
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'hr', s2!.subsidiaryId), byPhone))).toEqual(['2:UNREACHABLE']);
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'hr', s3!.subsidiaryId), byPhone))).toEqual([]);
    expect(seen(await lookup(await hrHeaders(h, group.groupId, 'group_hr'), byPhone))).toEqual(['1:NO_REASON', '2:UNREACHABLE']);
  });

  test('the match count says only what the caller may see: its own subsidiary knowing the person, not that others do', async () => {
    const [s1, , s3] = group.subsidiaries;
    expect(await lookup(await hrHeaders(h, group.groupId, 'hr', s3!.subsidiaryId), byPhone)).toEqual({ matchedSubsidiaries: 1, records: [] });
    expect((await lookup(await hrHeaders(h, group.groupId, 'hr', s1!.subsidiaryId), byPhone)).matchedSubsidiaries).toBe(1);
    expect((await lookup(await hrHeaders(h, group.groupId, 'group_hr'), byPhone)).matchedSubsidiaries).toBe(3);
    const audit = await h.prisma.auditEntry.findFirstOrThrow({
      where: { groupId: group.groupId, subsidiaryId: s3!.subsidiaryId, action: 'candidate.attendance.lookup' },
      orderBy: { at: 'desc' },
    });
    expect(audit.payload).toMatchObject({ matched: 1, shown: 0 });
  });
});
