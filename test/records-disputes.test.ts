/**
 * Disputes: the candidate contests a NO_REASON record through the
 * self-service link; HR sees it, and reverses it (or upholds it). Every step
 * is in the audit log and the evidence trail.
 */
import { verifyChain } from '../domain/evidence';
import { FAST_POLICY, selfServiceToken, startHarness, type Harness } from './support/harness';
import { confirmFor, createTestGroup, hrHeaders, waitForStatus, type TestGroup } from './support/records';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const seconds = (n: number) => new Date(Date.now() + n * 1000);
const PHONE = '+8613700137000';
let group: TestGroup;

async function classified(subsidiary: number, classification: string) {
  const tenant = group.subsidiaries[subsidiary]!;
  const iv = await confirmFor(h, tenant, { candidate: { id: `zhang-${subsidiary}`, phone: PHONE, email: 'zhang@example.test' }, startsAt: seconds(6), channels: ['sms'] });
  await waitForStatus(h, iv.id, 'NO_SHOW');
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/interviews/${iv.id}/annotations`,
    headers: await hrHeaders(h, group.groupId, 'hr', tenant.subsidiaryId),
    payload: { classification, note: 'no answer' },
  });
  expect(res.statusCode).toBe(202);
  return { ...iv, token: selfServiceToken(h.secrets, iv.id), tenant };
}

beforeAll(async () => {
  group = await createTestGroup(h, 2, FAST_POLICY);
});

test('HR reverses a contested NO_REASON record to FORCE_MAJEURE: it leaves the group-wide view, and every step is audited and in the evidence', async () => {
  const iv = await classified(0, 'NO_REASON');
  const [s1, s2] = group.subsidiaries;
  const candidateView = () => h.app.inject({ method: 'GET', url: `/v1/self-service/${iv.token}/disputes` }).then((r) => r.json());
  expect(await candidateView()).toMatchObject({ canDispute: true, record: { classification: 'NO_REASON' }, dispute: null });

  // The candidate contests it; a statement is required, and a second dispute is refused.
  expect((await h.app.inject({ method: 'POST', url: `/v1/self-service/${iv.token}/disputes`, payload: { statement: 'no' } })).statusCode).toBe(400);
  const opened = await h.app.inject({
    method: 'POST',
    url: `/v1/self-service/${iv.token}/disputes`,
    payload: { statement: 'I was in hospital that morning; I can send the discharge letter.' },
  });
  expect(opened.statusCode).toBe(201);
  const disputeId = opened.json().disputeId;
  const again = await h.app.inject({ method: 'POST', url: `/v1/self-service/${iv.token}/disputes`, payload: { statement: 'Please look at it again.' } });
  expect(again.statusCode).toBe(409);
  expect(again.json().error.code).toBe('already_disputed');

  // HR of the subsidiary sees it with the statement; HR of another subsidiary does not; an auditor may read, not decide.
  const hr1 = await hrHeaders(h, group.groupId, 'hr', s1!.subsidiaryId, 'hr-wu');
  const list = (await h.app.inject({ method: 'GET', url: '/v1/disputes', headers: hr1 })).json();
  expect(list.items).toEqual([
    expect.objectContaining({ id: disputeId, status: 'OPEN', statement: expect.stringContaining('hospital'), fromClassification: 'NO_REASON', interview: expect.objectContaining({ interviewId: iv.externalId }) }),
  ]);
  expect((await h.app.inject({ method: 'GET', url: '/v1/disputes', headers: await hrHeaders(h, group.groupId, 'hr', s2!.subsidiaryId) })).json().items).toEqual([]);
  const auditor = await hrHeaders(h, group.groupId, 'auditor');
  expect((await h.app.inject({ method: 'GET', url: '/v1/disputes', headers: auditor })).json().items).toHaveLength(1);
  const resolve = (headers: Record<string, string>, body: object) => h.app.inject({ method: 'POST', url: `/v1/disputes/${disputeId}/resolve`, headers, payload: body });
  expect((await resolve(auditor, { decision: 'uphold', note: 'x' })).statusCode).toBe(403);
  expect((await resolve(await hrHeaders(h, group.groupId, 'hr', s2!.subsidiaryId), { decision: 'uphold', note: 'x' })).statusCode).toBe(404);

  // Before: HR of the other subsidiary sees the negative record.
  const lookupFromS2 = async () =>
    (await h.app.inject({ method: 'GET', url: `/v1/candidates/attendance?phone=${encodeURIComponent(PHONE)}`, headers: await hrHeaders(h, group.groupId, 'hr', s2!.subsidiaryId) })).json();
  expect((await lookupFromS2()).records).toEqual([expect.objectContaining({ classification: 'NO_REASON', dispute: expect.objectContaining({ status: 'OPEN' }) })]);

  const missing = await resolve(hr1, { decision: 'reclassify', note: 'letter received' });
  expect(missing.statusCode).toBe(400);
  expect(missing.json().error.details[0].field).toBe('classification');
  const res = await resolve(hr1, { decision: 'reclassify', classification: 'FORCE_MAJEURE', note: 'discharge letter received and checked' });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ status: 'RECLASSIFIED', toClassification: 'FORCE_MAJEURE', resolvedBy: 'hr-wu', record: { classification: 'FORCE_MAJEURE', expiresAt: null } });
  expect((await resolve(hr1, { decision: 'uphold', note: 'changed my mind' })).statusCode).toBe(409);

  // After: the record is force majeure (never negative), the interview's outcome says so, nobody else sees it.
  const interview = await h.prisma.interview.findUniqueOrThrow({ where: { id: iv.id }, include: { noShowRecords: true } });
  expect(interview).toMatchObject({ status: 'CLOSED', outcome: 'FORCE_MAJEURE' });
  expect(interview.noShowRecords[0]).toMatchObject({ classification: 'FORCE_MAJEURE', expiresAt: null });
  expect((await lookupFromS2()).records).toEqual([]);
  expect(await candidateView()).toMatchObject({ canDispute: false, dispute: { status: 'RECLASSIFIED', outcome: 'FORCE_MAJEURE' } });

  const trail = await h.prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
  expect(verifyChain(trail)).toEqual({ ok: true });
  // The candidate's notice of the record adds its own message evidence at its own pace: the dispute's steps are compared among themselves.
  const disputeSteps = trail.filter((e) => e.kind.startsWith('DISPUTE_'));
  expect(disputeSteps.slice(-2).map((e) => [e.kind, e.data])).toEqual([
    ['DISPUTE_OPENED', expect.objectContaining({ disputeId, attempt: 1 })],
    ['DISPUTE_RESOLVED', expect.objectContaining({ disputeId, decision: 'reclassify', from: 'NO_REASON', to: 'FORCE_MAJEURE', hrUserId: 'hr-wu' })],
  ]);
  expect(JSON.stringify(trail.map((e) => e.data))).not.toContain('hospital'); // free text stays in the audit log
  const audit = await h.prisma.auditEntry.findMany({ where: { interviewId: iv.id, action: { startsWith: 'dispute.' } }, orderBy: { at: 'asc' } });
  expect(audit.map((a) => [a.action, a.actorType])).toEqual([
    ['dispute.open', 'candidate'],
    ['dispute.resolve', 'hr'],
  ]);
  expect(audit[1]!.payload).toMatchObject({ note: 'discharge letter received and checked' });
}, 60_000);

test('HR upholds a contested record: it stays negative, and the dispute says so', async () => {
  const iv = await classified(1, 'NO_REASON');
  const opened = await h.app.inject({ method: 'POST', url: `/v1/self-service/${iv.token}/disputes`, payload: { statement: 'I did log in, the link did not work.' } });
  expect(opened.statusCode).toBe(201);
  const headers = await hrHeaders(h, group.groupId, 'group_hr', undefined, 'gh-li');
  const res = await h.app.inject({ method: 'POST', url: `/v1/disputes/${opened.json().disputeId}/resolve`, headers, payload: { decision: 'uphold', note: 'no login in the platform logs' } });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ status: 'UPHELD', toClassification: 'NO_REASON', record: { classification: 'NO_REASON' } });
  expect((await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: iv.id } })).expiresAt).not.toBeNull();
  expect((await h.app.inject({ method: 'GET', url: '/v1/disputes?status=UPHELD', headers })).json().items.map((d: { id: string }) => d.id)).toContain(opened.json().disputeId);
}, 60_000);

test('only a NO_REASON record can be contested', async () => {
  const iv = await classified(0, 'UNREACHABLE');
  const res = await h.app.inject({ method: 'POST', url: `/v1/self-service/${iv.token}/disputes`, payload: { statement: 'I never got a call from you.' } });
  expect(res.statusCode).toBe(409);
  expect(res.json().error.code).toBe('nothing_to_dispute');
  expect((await h.app.inject({ method: 'GET', url: `/v1/self-service/${iv.token}/disputes` })).json()).toMatchObject({ canDispute: false, record: null });
}, 60_000);
