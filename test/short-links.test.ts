/**
 * Short self-service links: every message carries `<public URL>/s/<code>`
 * (96 bits, stored hashed, path under 32 characters), bound to its interview
 * and attempt; the JSON self-service API takes the code where it takes the
 * long token; what a code still opens follows domain/self-service.ts; the
 * policy's disputeWindow defaults to P30D and is validated.
 */
import { DEFAULT_POLICY, PolicyError, resolvePolicy } from '../domain/policy';
import { shortLinkState } from '../domain/self-service';
import { hashShortCode } from '../lib/short-links';
import { confirmedEvent, createTestTenant, eventually, FAST_POLICY, postEvent, startHarness, waitForInterviewRow, type Harness, type TestTenant } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const hours = (n: number) => new Date(Date.now() + n * 3600_000);

async function confirm(tenant: TestTenant, startsAt: Date) {
  const event = confirmedEvent({ startsAt, channels: ['sms'] });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  return waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId);
}

/** The link in the interview's confirmation SMS, as the outbox kept it. */
async function linkInConfirmation(interviewId: string) {
  const row = await eventually(
    () => h.prisma.notification.findFirst({ where: { interviewId, point: 'confirmation', channel: 'sms', status: 'SENT' } }).then((r) => r ?? undefined),
    20_000,
    'confirmation SMS',
  );
  const url = /(https?:\/\/\S+\/s\/(\S+))/.exec(row.body!)!;
  return { url: url[1]!, code: url[2]!, body: row.body! };
}

describe('short links in messages', () => {
  test('the confirmation SMS carries a /s/<code> link of 96 bits under 32 characters of path, stored only as a hash', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const iv = await confirm(tenant, hours(48));
    const { url, code, body } = await linkInConfirmation(iv.id);
    expect(url.startsWith(`${h.publicUrl}/s/`)).toBe(true);
    expect(new URL(url).pathname.length).toBeLessThan(32);
    expect(code).toMatch(/^[A-Za-z0-9_-]{16}$/); // 16 base64url characters = 96 bits
    expect(body).not.toContain('/v1/self-service/');
    const stored = await h.prisma.selfServiceLink.findMany({ where: { interviewId: iv.id } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ codeHash: hashShortCode(code), attempt: 1 });
    expect(JSON.stringify(stored)).not.toContain(code);
  });

  test('the JSON self-service API takes the code: view, then cancel; afterwards the code is used up', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const iv = await confirm(tenant, hours(48));
    const { code } = await linkInConfirmation(iv.id);
    const view = await h.app.inject({ method: 'GET', url: `/v1/self-service/${code}` });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ open: true, canCancel: true, status: 'SCHEDULED' });

    const cancel = await h.app.inject({ method: 'POST', url: `/v1/self-service/${code}/cancel`, payload: { reason: 'accepted another offer' } });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json().status).toBe('CANCELLED');
    const after = await h.app.inject({ method: 'GET', url: `/v1/self-service/${code}` });
    expect(after.statusCode).toBe(410);
    expect(after.json().error.code).toBe('link_used');
  });

  test('an unknown code is 401 invalid_link', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/self-service/AAAAAAAAAAAAAAAA' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('invalid_link');
  });
});

describe('what a code opens', () => {
  const base = { attempt: 1, disputeWindowMs: 30 * 86_400_000, now: Date.parse('2026-12-01T00:00:00Z') };
  const classified = (at: string, dispute: { status: string; resolvedAt: Date | null } | null = null) => ({
    classification: 'NO_REASON',
    classifiedAt: new Date(at),
    dispute,
  });

  test('changes while its attempt is upcoming; the attempt over without a record: used', () => {
    expect(shortLinkState({ ...base, interview: { attempt: 1, status: 'SCHEDULED' }, record: null })).toBe('open');
    expect(shortLinkState({ ...base, interview: { attempt: 1, status: 'CANCELLED' }, record: null })).toBe('used');
    expect(shortLinkState({ ...base, interview: { attempt: 2, status: 'SCHEDULED' }, record: null })).toBe('used');
  });

  test('a record: awaiting until HR classifies, then open for disputeWindow after it, then expired', () => {
    const ended = { attempt: 1, status: 'CLOSED' };
    expect(shortLinkState({ ...base, interview: ended, record: { classification: null, classifiedAt: null, dispute: null } })).toBe('awaiting');
    expect(shortLinkState({ ...base, interview: ended, record: classified('2026-11-10T00:00:00Z') })).toBe('record');
    expect(shortLinkState({ ...base, interview: ended, record: classified('2026-10-31T00:00:00Z') })).toBe('expired');
    // An open dispute stays visible; a decided one for another window after its decision.
    expect(shortLinkState({ ...base, interview: ended, record: classified('2026-10-01T00:00:00Z', { status: 'OPEN', resolvedAt: null }) })).toBe('record');
    expect(shortLinkState({ ...base, interview: ended, record: classified('2026-10-01T00:00:00Z', { status: 'UPHELD', resolvedAt: new Date('2026-11-20T00:00:00Z') }) })).toBe('record');
  });
});

describe('the policy disputeWindow', () => {
  test('defaults to P30D and must be positive and at most P1Y', () => {
    expect(DEFAULT_POLICY.disputeWindow).toBe('P30D');
    expect(resolvePolicy({}).disputeWindow).toBe('P30D');
    expect(resolvePolicy({ disputeWindow: 'PT30S' }).disputeWindow).toBe('PT30S');
    expect(() => resolvePolicy({ disputeWindow: 'PT0S' })).toThrow(PolicyError);
    expect(() => resolvePolicy({ disputeWindow: 'P2Y' })).toThrow(/disputeWindow/);
  });
});
