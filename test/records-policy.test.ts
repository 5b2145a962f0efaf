/**
 * The group policy through the API: who may read and change it, how a bad
 * value is refused, versions and audit, and the scope of a change (interviews
 * confirmed afterwards only).
 */
import { DEFAULT_POLICY, mergePatch, POLICY_FIELDS } from '../domain/policy';
import { startHarness, type Harness } from './support/harness';
import { confirmFor, createTestGroup, hrHeaders } from './support/records';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const url = (groupId: string) => `/v1/groups/${groupId}/policy`;

/** A JSON merge patch, as PATCH takes it. */
async function patch(groupId: string, body: unknown, headers: Record<string, string>) {
  return h.app.inject({ method: 'PATCH', url: url(groupId), headers: { ...headers, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify(body) });
}

describe('reading the policy', () => {
  test('group_hr of the group reads it with its version; hr and auditors are refused; another group is not found', async () => {
    const group = await createTestGroup(h, 1);
    const other = await createTestGroup(h, 1);
    const sub = group.subsidiaries[0]!.subsidiaryId;

    const res = await h.app.inject({ method: 'GET', url: url(group.groupId), headers: await hrHeaders(h, group.groupId, 'group_hr') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ groupId: group.groupId, version: 1, policy: DEFAULT_POLICY });
    expect(res.headers.etag).toBe('"1"');

    for (const role of ['hr', 'auditor'] as const) {
      const refused = await h.app.inject({ method: 'GET', url: url(group.groupId), headers: await hrHeaders(h, group.groupId, role, sub) });
      expect(refused.statusCode).toBe(403);
    }
    const foreign = await h.app.inject({ method: 'GET', url: url(group.groupId), headers: await hrHeaders(h, other.groupId, 'group_hr') });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('reminderOffsets');
  });
});

describe('changing the policy', () => {
  test('a bad value is a 400 that names the field, by PUT or by PATCH, and nothing changes', async () => {
    const group = await createTestGroup(h, 1);
    const headers = await hrHeaders(h, group.groupId, 'group_hr');
    const cases: [unknown, string][] = [
      [{ retention: { NO_REASON: 'P5Y' } }, 'retention.NO_REASON'],
      [{ retention: { NO_REASON: 'P1Y', UNREACHABLE: 'P2Y' } }, 'retention.UNREACHABLE'],
      [{ grace: 'soon' }, 'grace'],
      [{ reminderOffsets: ['PT24H', 'P1D'] }, 'reminderOffsets'],
      [{ channels: ['fax'] }, 'channels.0'],
      [{ shareAcrossSubsidiaries: 'yes' }, 'shareAcrossSubsidiaries'],
      [{ sharing: true }, 'sharing'],
      // What luxon reads and PostgreSQL's ::interval (the expiry sweep) refuses.
      [{ retention: { UNREACHABLE: '-P-90D' } }, 'retention.UNREACHABLE'],
      [{ grace: 'PT1H30M10,5S' }, 'grace'],
      [{ annotationWindow: 'PT' }, 'annotationWindow'],
      [{ selfService: { cutoff: 'p1d' } }, 'selfService.cutoff'],
      [{ reminderOffsets: ['PT48H', 'P1DT'] }, 'reminderOffsets.1'],
      // In the grammar, out of the field's bounds.
      [{ grace: 'P2D' }, 'grace'],
      [{ reminderOffsets: ['PT48H', 'P60D'] }, 'reminderOffsets.1'],
      [{ annotationWindow: 'PT0S' }, 'annotationWindow'],
      [{ selfService: { cutoff: 'P1Y' } }, 'selfService.cutoff'],
    ];
    for (const [body, field] of cases) {
      const put = await h.app.inject({ method: 'PUT', url: url(group.groupId), headers, payload: mergePatch(DEFAULT_POLICY, body) as object });
      const patched = await patch(group.groupId, body, headers);
      for (const res of [put, patched]) {
        expect({ body, method: res.raw.req.method, status: res.statusCode }).toEqual({ body, method: res.raw.req.method, status: 400 });
        expect({ body, field: res.json().error.details[0].field }).toEqual({ body, field });
        expect(res.json().error.message).toContain(field);
      }
    }
    const stored = await h.prisma.group.findUniqueOrThrow({ where: { id: group.groupId } });
    expect(stored.policyVersion).toBe(1);
    expect(await h.prisma.groupPolicyVersion.count({ where: { groupId: group.groupId } })).toBe(0);
  });

  test('a change is a new version, kept in the history and audited; the same policy again changes nothing', async () => {
    const group = await createTestGroup(h, 1);
    const headers = await hrHeaders(h, group.groupId, 'group_hr', undefined, 'gh-chen');
    const change = { ...DEFAULT_POLICY, shareAcrossSubsidiaries: false, retention: { NO_REASON: 'P2Y', UNREACHABLE: 'P90D' } };

    const res = await h.app.inject({ method: 'PUT', url: url(group.groupId), headers, payload: change });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: 2, policy: change });
    expect(res.headers.etag).toBe('"2"');

    const history = (await h.app.inject({ method: 'GET', url: `${url(group.groupId)}/versions`, headers })).json();
    expect(history.items.map((v: { version: number; changedBy: string }) => [v.version, v.changedBy])).toEqual([
      [2, 'gh-chen'],
      [1, 'unrecorded'],
    ]);
    expect(history.items[1].policy).toEqual(DEFAULT_POLICY);
    // What each version changed, as the audit entry says it.
    expect(history.items.map((v: { changed: string[] }) => v.changed)).toEqual([['retention.NO_REASON', 'shareAcrossSubsidiaries'], []]);

    const audit = await h.prisma.auditEntry.findMany({ where: { groupId: group.groupId, action: 'group.policy.update' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'hr', actorId: 'gh-chen' });
    expect(audit[0]!.payload).toEqual({ fromVersion: 1, toVersion: 2, changed: ['retention.NO_REASON', 'shareAcrossSubsidiaries'] });

    const again = await h.app.inject({ method: 'PUT', url: url(group.groupId), headers, payload: change });
    expect(again.json().version).toBe(2);
    expect(await h.prisma.auditEntry.count({ where: { groupId: group.groupId, action: 'group.policy.update' } })).toBe(1);
  });

  test('a PUT that leaves fields out is a 400 listing every missing one, and changes nothing (sharing stays off)', async () => {
    const group = await createTestGroup(h, 1, { shareAcrossSubsidiaries: false });
    const headers = await hrHeaders(h, group.groupId, 'group_hr');
    const res = await h.app.inject({ method: 'PUT', url: url(group.groupId), headers, payload: { grace: 'PT20M', selfService: { cutoff: 'PT1H' } } });
    expect(res.statusCode).toBe(400);
    const missing = POLICY_FIELDS.filter((f) => f !== 'grace' && f !== 'selfService.cutoff');
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual(missing);
    expect(missing).toContain('shareAcrossSubsidiaries');
    expect(res.json().error.message).toContain('shareAcrossSubsidiaries');
    const stored = await h.prisma.group.findUniqueOrThrow({ where: { id: group.groupId } });
    expect(stored).toMatchObject({ policyVersion: 1, policy: expect.objectContaining({ shareAcrossSubsidiaries: false, grace: 'PT15M' }) });
    // Every field named: accepted.
    const full = await h.app.inject({ method: 'PUT', url: url(group.groupId), headers, payload: { ...DEFAULT_POLICY, shareAcrossSubsidiaries: false, grace: 'PT20M' } });
    expect(full.statusCode).toBe(200);
    expect(full.json().policy).toEqual({ ...DEFAULT_POLICY, shareAcrossSubsidiaries: false, grace: 'PT20M' });
  });

  test('PATCH merges over the current policy: objects member by member, arrays replaced, quietHours null turns it off', async () => {
    const group = await createTestGroup(h, 1, { shareAcrossSubsidiaries: false, retention: { NO_REASON: 'P2Y', UNREACHABLE: 'P30D' } });
    const headers = await hrHeaders(h, group.groupId, 'group_hr', undefined, 'gh-patch');
    const res = await patch(group.groupId, { grace: 'PT20M', retention: { UNREACHABLE: 'P60D' }, reminderOffsets: ['PT2H'], quietHours: null }, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: 2 });
    expect(res.json().policy).toEqual({
      ...DEFAULT_POLICY,
      grace: 'PT20M',
      reminderOffsets: ['PT2H'],
      quietHours: null,
      shareAcrossSubsidiaries: false,
      retention: { NO_REASON: 'P2Y', UNREACHABLE: 'P60D' },
    });
    const audit = await h.prisma.auditEntry.findFirstOrThrow({ where: { groupId: group.groupId, action: 'group.policy.update' } });
    expect(audit.payload).toMatchObject({ changed: ['reminderOffsets', 'grace', 'quietHours', 'retention.UNREACHABLE'] });

    // null on a field that must keep a value, a body as application/json, and a merged result out of range: refused.
    const removed = await patch(group.groupId, { grace: null }, headers);
    expect(removed.statusCode).toBe(400);
    expect(removed.json().error.details[0].field).toBe('grace');
    const asJson = await h.app.inject({ method: 'PATCH', url: url(group.groupId), headers: { ...headers, 'content-type': 'application/json' }, payload: { grace: 'PT25M' } });
    expect(asJson.statusCode).toBe(415);
    expect(asJson.json().error.details).toMatchObject({ accepted: ['application/merge-patch+json'] });
    const longer = await patch(group.groupId, { retention: { UNREACHABLE: 'P3Y' } }, headers);
    expect(longer.statusCode).toBe(400);
    expect(longer.json().error.details[0].field).toBe('retention.UNREACHABLE');
    expect((await h.prisma.group.findUniqueOrThrow({ where: { id: group.groupId } })).policyVersion).toBe(2);
  });

  test('a group_hr token narrowed to a subsidiary may read the policy but not change it (403)', async () => {
    const group = await createTestGroup(h, 2);
    const narrowed = await hrHeaders(h, group.groupId, 'group_hr', group.subsidiaries[0]!.subsidiaryId);
    expect((await h.app.inject({ method: 'GET', url: url(group.groupId), headers: narrowed })).statusCode).toBe(200);
    const res = await h.app.inject({ method: 'PUT', url: url(group.groupId), headers: narrowed, payload: { ...DEFAULT_POLICY, shareAcrossSubsidiaries: false } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect((await patch(group.groupId, { shareAcrossSubsidiaries: false }, narrowed)).statusCode).toBe(403);
    expect((await h.prisma.group.findUniqueOrThrow({ where: { id: group.groupId } })).policyVersion).toBe(1);
  });

  test('If-Match with a stale version is refused with 412', async () => {
    const group = await createTestGroup(h, 1);
    const headers = await hrHeaders(h, group.groupId, 'group_hr');
    const first = await patch(group.groupId, { grace: 'PT10M' }, { ...headers, 'if-match': '"1"' });
    expect(first.statusCode).toBe(200);
    const stale = await h.app.inject({ method: 'PUT', url: url(group.groupId), headers: { ...headers, 'if-match': '"1"' }, payload: { ...DEFAULT_POLICY, grace: 'PT20M' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.details).toEqual({ version: 2 });
    expect((await h.prisma.group.findUniqueOrThrow({ where: { id: group.groupId } })).policy).toMatchObject({ grace: 'PT10M' });
  });

  test('a change applies to interviews confirmed afterwards: one confirmed before keeps its snapshot', async () => {
    const group = await createTestGroup(h, 1);
    const tenant = group.subsidiaries[0]!;
    const startsAt = new Date(Date.now() + 10 * 24 * 3600_000);
    const before = await confirmFor(h, tenant, { startsAt });

    const res = await patch(group.groupId, { reminderOffsets: ['PT72H', 'PT2H'], grace: 'PT30M', retention: { NO_REASON: 'P3Y' } }, await hrHeaders(h, group.groupId, 'group_hr'));
    expect(res.statusCode).toBe(200);
    const after = await confirmFor(h, tenant, { startsAt });

    const interview = (iv: { id: string }) => h.prisma.interview.findUniqueOrThrow({ where: { id: iv.id } });
    const [old, fresh] = await Promise.all([interview(before), interview(after)]);
    expect(old.policy).toMatchObject({ policyVersion: 1, reminderOffsets: ['PT48H', 'PT24H', 'PT1H'], grace: 'PT15M', retention: { NO_REASON: 'P1Y' } });
    expect(fresh.policy).toMatchObject({ policyVersion: 2, reminderOffsets: ['PT72H', 'PT2H'], grace: 'PT30M', retention: { NO_REASON: 'P3Y' } });

    // The running workflow of the earlier interview still plans by its snapshot.
    const detail = (await h.app.inject({ method: 'GET', url: `/v1/interviews/${before.externalId}`, headers: await hrHeaders(h, group.groupId, 'group_hr') })).json();
    expect(detail.next.step).toBe('reminder PT48H');
  });
});
