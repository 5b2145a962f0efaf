/**
 * POST /v1/candidates/erasure: group HR erases a person's personal data
 * across the group; anonymous counts stay.
 */
import { verifyChain } from '../domain/evidence';
import { computeNoShowReport } from '../domain/reports';
import { candidateEvent, FAST_POLICY, postEvent, selfServiceToken, startHarness, type Harness } from './support/harness';
import { confirmFor, createTestGroup, hrHeaders, waitForStatus } from './support/records';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const seconds = (n: number) => new Date(Date.now() + n * 1000);
const PERSON = { phone: '+447700900123', email: 'Ann.Smith@Example.test', name: 'Ann Smith' };

function erase(headers: Record<string, string>, body: object) {
  return h.app.inject({ method: 'POST', url: '/v1/candidates/erasure', headers, payload: body });
}

test("erasure removes the person's data in every subsidiary, keeps records and counts, and is refused while an interview still runs", async () => {
  const group = await createTestGroup(h, 2, FAST_POLICY);
  const [s1, s2] = group.subsidiaries;
  const groupHr = await hrHeaders(h, group.groupId, 'group_hr', undefined, 'gh-erasure');

  // A no-show classified NO_REASON in the first subsidiary (with a link click: ip and user agent as evidence),
  // an attended interview in the second, and one still scheduled there.
  const missed = await confirmFor(h, s1!, { candidate: { ...PERSON, id: 'ann-1' }, startsAt: seconds(3), channels: ['sms'] });
  const attended = await confirmFor(h, s2!, { candidate: { ...PERSON, id: 'ann-2' }, startsAt: seconds(3), channels: ['email'] });
  const upcoming = await confirmFor(h, s2!, { candidate: { ...PERSON, id: 'ann-2' }, startsAt: seconds(3 * 24 * 3600), channels: ['email'] });
  expect((await postEvent(h, s1!, candidateEvent('candidate.link_clicked', missed.externalId))).statusCode).toBe(202);
  expect((await postEvent(h, s2!, candidateEvent('candidate.logged_in', attended.externalId))).statusCode).toBe(202);
  await waitForStatus(h, missed.id, 'NO_SHOW');
  await waitForStatus(h, attended.id, 'ATTENDED');
  const annotated = await h.app.inject({
    method: 'POST',
    url: `/v1/interviews/${missed.id}/annotations`,
    headers: await hrHeaders(h, group.groupId, 'hr', s1!.subsidiaryId),
    payload: { classification: 'NO_REASON', note: 'Ann said she forgot' },
  });
  expect(annotated.statusCode).toBe(202);
  const month = new Date().toISOString().slice(0, 7);
  const subsidiaryIds = group.subsidiaries.map((s) => s.subsidiaryId);
  const report = () => computeNoShowReport(h.prisma, { subsidiaryIds, month, groupBy: ['subsidiary', 'reason'] });

  // Only group HR for the whole group may erase: not HR, not group HR narrowed to one subsidiary.
  expect((await erase(await hrHeaders(h, group.groupId, 'hr', s1!.subsidiaryId), { phone: PERSON.phone })).statusCode).toBe(403);
  expect((await erase(await hrHeaders(h, group.groupId, 'group_hr', s1!.subsidiaryId), { phone: PERSON.phone })).statusCode).toBe(403);
  expect((await erase(groupHr, {})).statusCode).toBe(400);

  // The upcoming interview's workflow would still message her: refused, nothing erased.
  const refused = await erase(groupHr, { phone: '+44 7700 900123' });
  expect(refused.statusCode).toBe(409);
  expect(refused.json().error.details.interviews).toEqual([expect.objectContaining({ interviewId: upcoming.externalId, status: 'SCHEDULED' })]);
  expect((await h.prisma.candidate.findUniqueOrThrow({ where: { id: missed.candidateId } })).name).toBe('Ann Smith');

  // She cancels it (self-service, days ahead: no record); then the erasure goes through, found by e-mail in any case.
  const token = selfServiceToken(h.secrets, upcoming.id);
  expect((await h.app.inject({ method: 'POST', url: `/v1/self-service/${token}/cancel`, payload: { reason: 'Ann Smith found another job' } })).statusCode).toBe(202);
  await waitForStatus(h, upcoming.id, 'CANCELLED');
  const before = await report();

  const res = await erase(groupHr, { email: 'ann.smith@EXAMPLE.test' });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ candidates: 2, interviews: 3 });
  expect(res.json().evidenceRedacted).toBeGreaterThanOrEqual(2); // the click and the login

  for (const id of [missed.candidateId, attended.candidateId]) {
    expect(await h.prisma.candidate.findUniqueOrThrow({ where: { id } })).toMatchObject({
      name: '',
      phone: '',
      email: '',
      phoneHash: null,
      emailHash: null,
      erasedAt: expect.any(Date),
    });
  }
  // The record and its classification stay, without the note; counts do not move.
  const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: missed.id } });
  expect(record).toMatchObject({ classification: 'NO_REASON', note: null });
  expect(await report()).toEqual(before);

  // Nothing personal is left in the rows of her interviews.
  for (const iv of [missed, attended, upcoming]) {
    const trail = await h.prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
    expect(verifyChain(trail)).toEqual({ ok: true });
    const audit = await h.prisma.auditEntry.findMany({ where: { interviewId: iv.id } });
    const inbox = await h.prisma.inboundEvent.findMany({ where: { payload: { path: ['data', 'interviewId'], equals: iv.externalId } } });
    const notifications = await h.prisma.notification.findMany({ where: { interviewId: iv.id } });
    const stored = JSON.stringify({ trail, audit, inbox, notifications }, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const secret of ['Ann', 'Smith', 'ann.smith', '447700900123', '203.0.113.7', 'forgot', 'another job']) {
      expect({ interview: iv.externalId, secret, found: stored.includes(secret) }).toEqual({ interview: iv.externalId, secret, found: false });
    }
    expect(audit.filter((a) => a.actorType === 'candidate').every((a) => a.ip === null)).toBe(true);
  }

  // She is no longer found; the erasure is audited; a second request has nothing left to erase.
  const lookup = await h.app.inject({ method: 'GET', url: `/v1/candidates/attendance?phone=${encodeURIComponent(PERSON.phone)}`, headers: groupHr });
  expect(lookup.json()).toEqual({ matchedSubsidiaries: 0, records: [] });
  const audit = await h.prisma.auditEntry.findFirstOrThrow({ where: { groupId: group.groupId, action: 'candidate.erase' } });
  expect(audit).toMatchObject({ actorId: 'gh-erasure', payload: { by: 'email', candidates: 2, interviews: 3 } });
  expect((await erase(groupHr, { phone: PERSON.phone })).json()).toEqual({ candidates: 0, interviews: 0, evidenceRedacted: 0 });

  // HR still reads the interview, without a name.
  const detail = await h.app.inject({ method: 'GET', url: `/v1/interviews/${missed.id}`, headers: groupHr });
  expect(detail.statusCode).toBe(200);
  expect(detail.json().candidate).toEqual({ id: 'ann-1', name: '' });
}, 60_000);
