/**
 * Expiry: the sweep workflow (run here through the real worker, as its
 * Temporal Schedule would) anonymises expired records and their personal
 * evidence, keeps anonymous counts, and does nothing the second time. And the
 * schedules themselves are created once and updated on every later start.
 */
import { verifyChain } from '../domain/evidence';
import type { SweepCounts } from '../activities/records';
import { temporalConfig } from '../lib/config';
import { computeNoShowReport } from '../domain/reports';
import { ensureSchedules, scheduleIds } from '../workers/schedules';
import { candidateEvent, FAST_POLICY, postEvent, startHarness, type Harness } from './support/harness';
import { confirmFor, createTestGroup, hrHeaders, waitForStatus } from './support/records';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const seconds = (n: number) => new Date(Date.now() + n * 1000);
const { taskQueue } = temporalConfig();

function sweep(): Promise<SweepCounts> {
  return h.client.workflow.execute('recordsSweepWorkflow', { taskQueue, workflowId: `test-sweep-${Date.now()}`, args: [{}] });
}

async function noShow(tenant: Parameters<typeof confirmFor>[1], phone: string, classification: string, clickFirst = false) {
  const iv = await confirmFor(h, tenant, { candidate: { id: `person-${phone.slice(-2)}`, phone, email: `${phone.slice(1)}@example.test`, name: `Person ${phone.slice(-2)}` }, startsAt: seconds(3), channels: ['sms'] });
  if (clickFirst) expect((await postEvent(h, tenant, candidateEvent('candidate.link_clicked', iv.externalId))).statusCode).toBe(202);
  await waitForStatus(h, iv.id, 'NO_SHOW');
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/interviews/${iv.id}/annotations`,
    headers: await hrHeaders(h, tenant.groupId, 'hr', tenant.subsidiaryId),
    payload: { classification, note: `note about ${phone}: hospital letter` },
  });
  expect(res.statusCode).toBe(202);
  return iv;
}

describe('the expiry sweep', () => {
  test('expired records are detached from the person and their personal data removed; counts stay; a second run does nothing', async () => {
    // UNREACHABLE retention of one second: a force-majeure record's personal parts go after it too.
    const group = await createTestGroup(h, 1, { ...FAST_POLICY, retention: { NO_REASON: 'P1Y', UNREACHABLE: 'PT1S' } });
    const tenant = group.subsidiaries[0]!;
    const [expired, kept, alone, illness] = await Promise.all([
      noShow(tenant, '+8613800000001', 'NO_REASON', true),
      noShow(tenant, '+8613800000001', 'NO_REASON'),
      noShow(tenant, '+8613800000002', 'NO_REASON'),
      noShow(tenant, '+8613800000003', 'FORCE_MAJEURE'),
    ]);
    // The first and third reach their expiry (as if a year had passed); the second has not.
    await h.prisma.noShowRecord.updateMany({ where: { interviewId: { in: [expired.id, alone.id] } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await new Promise((r) => setTimeout(r, 1100)); // the force-majeure record's PT1S
    const month = new Date().toISOString().slice(0, 7);
    const report = () => computeNoShowReport(h.prisma, { subsidiaryIds: [tenant.subsidiaryId], month, groupBy: ['reason'] });
    const before = await report();

    const first = await sweep();
    expect(first.records).toBeGreaterThanOrEqual(3);
    expect(first.evidenceRedacted).toBeGreaterThanOrEqual(1);

    // The swept interviews point to the subsidiary's anonymous candidate; the records stay, without their notes.
    const swept = await h.prisma.interview.findMany({ where: { id: { in: [expired.id, alone.id, illness.id] } }, include: { candidate: true, noShowRecords: true } });
    for (const iv of swept) {
      expect(iv.candidate).toMatchObject({ externalId: '', name: '', phone: '', email: '', phoneHash: null });
      expect(iv.noShowRecords[0]).toMatchObject({ note: null, sweptAt: expect.any(Date) });
      expect(iv.outcome).toBe(iv.noShowRecords[0]!.classification);
    }
    // The person with another, live record keeps it and their contact; the person with nothing left is gone.
    const live = await h.prisma.interview.findUniqueOrThrow({ where: { id: kept.id }, include: { candidate: true, noShowRecords: true } });
    expect(live.candidate.phone).toBe('+8613800000001');
    expect(live.noShowRecords[0]).toMatchObject({ sweptAt: null, note: expect.stringContaining('hospital') });
    expect(await h.prisma.candidate.count({ where: { id: alone.candidateId } })).toBe(0);

    // Personal evidence is erased; the trail still verifies (redacted rows by their place in the chain).
    const trail = await h.prisma.evidence.findMany({ where: { interviewId: expired.id }, orderBy: { seq: 'asc' } });
    const click = trail.find((e) => e.kind === 'LINK_CLICKED')!;
    expect(click.data).toMatchObject({ ip: '[erased]', userAgent: '[erased]' });
    expect(click.redactedAt).not.toBeNull();
    expect(verifyChain(trail)).toEqual({ ok: true });
    const tampered = trail.map((e) => (e.kind === 'CONFIRMED' ? { ...e, data: { ...(e.data as object), startsAt: 'changed' } } : e));
    expect(verifyChain(tampered)).toMatchObject({ ok: false });

    // Contact details and free text copied elsewhere are gone too.
    expect(await h.prisma.notification.count({ where: { interviewId: expired.id, body: { not: null } } })).toBe(0);
    const annotation = await h.prisma.auditEntry.findFirstOrThrow({ where: { interviewId: illness.id, action: 'annotate' } });
    expect(annotation.payload).toMatchObject({ note: '[erased]', classification: 'FORCE_MAJEURE' });
    const inbox = await h.prisma.inboundEvent.findFirstOrThrow({
      where: { subsidiaryId: tenant.subsidiaryId, type: 'interview.confirmed', payload: { path: ['data', 'interviewId'], equals: expired.externalId } },
    });
    expect((inbox.payload as { data: { candidate: unknown } }).data.candidate).toMatchObject({ name: '[erased]', phone: '[erased]', email: '[erased]' });
    expect(JSON.stringify(inbox.payload)).not.toContain('8613800000001');

    // The lookup shows the live record only; the month's counts did not move.
    const lookup = await h.app.inject({ method: 'GET', url: '/v1/candidates/attendance?phone=%2B8613800000001', headers: await hrHeaders(h, group.groupId, 'group_hr') });
    expect(lookup.json().records.map((r: { interviewId: string }) => r.interviewId)).toEqual([kept.externalId]);
    expect(await report()).toEqual(before);

    const second = await sweep();
    expect(second).toMatchObject({ records: 0, interviews: 0, evidenceRedacted: 0, candidatesDeleted: 0 });
  }, 60_000);

  test('a policy snapshot PostgreSQL cannot read as an interval is skipped and reported; every other group is still swept', async () => {
    const policy = { ...FAST_POLICY, retention: { NO_REASON: 'P1Y', UNREACHABLE: 'PT1S' } };
    const [broken, sound] = await Promise.all([createTestGroup(h, 1, policy), createTestGroup(h, 1, policy)]);
    const [bad, good] = await Promise.all([
      noShow(broken.subsidiaries[0]!, '+8613800000011', 'FORCE_MAJEURE'),
      noShow(sound.subsidiaries[0]!, '+8613800000012', 'FORCE_MAJEURE'),
    ]);
    // A snapshot written before durations had one grammar: luxon reads "-P-90D", PostgreSQL's ::interval does not.
    const row = await h.prisma.interview.findUniqueOrThrow({ where: { id: bad.id } });
    const snapshot = row.policy as { retention: Record<string, string> };
    await h.prisma.interview.update({ where: { id: bad.id }, data: { policy: { ...snapshot, retention: { ...snapshot.retention, UNREACHABLE: '-P-90D' } } } });
    await new Promise((r) => setTimeout(r, 1100)); // the sound one's PT1S

    const counts = await sweep();
    expect(counts.skipped).toContainEqual({ interviewId: bad.id, reason: expect.stringContaining('retention.UNREACHABLE') });
    expect(counts.skipped.map((s) => s.interviewId)).not.toContain(good.id);
    const [badRecord, goodRecord] = await Promise.all(
      [bad, good].map((iv) => h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: iv.id } })),
    );
    expect(goodRecord).toMatchObject({ sweptAt: expect.any(Date), note: null });
    expect(badRecord).toMatchObject({ sweptAt: null, note: expect.stringContaining('hospital') });
  }, 60_000);
});

describe('the maintenance schedules', () => {
  test('are created at the first start and brought up to date at the next, never doubled', async () => {
    const ids = scheduleIds(taskQueue);
    try {
      expect(await ensureSchedules(h.client, taskQueue)).toEqual({ [ids.sweep]: 'created', [ids.monthlyReports]: 'created' });
      expect(await ensureSchedules(h.client, taskQueue)).toEqual({ [ids.sweep]: 'updated', [ids.monthlyReports]: 'updated' });
      const sweepSchedule = await h.client.schedule.getHandle(ids.sweep).describe();
      expect(sweepSchedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'recordsSweepWorkflow', taskQueue });
      expect(sweepSchedule.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 3, end: 3 }], minute: [{ start: 15, end: 15 }] });
      expect(sweepSchedule.policies.overlap).toBe('SKIP');
      const monthly = await h.client.schedule.getHandle(ids.monthlyReports).describe();
      expect(monthly.action).toMatchObject({ workflowType: 'monthlyReportsWorkflow' });
      expect(monthly.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 1, end: 1 }] });
    } finally {
      for (const id of Object.values(ids)) await h.client.schedule.getHandle(id).delete().catch(() => undefined);
    }
  });
});
