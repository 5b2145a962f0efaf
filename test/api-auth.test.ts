/**
 * The authentication and scope matrix through the API, on the real stack:
 * platform keys (good, bad, stale, replayed, rotated, revoked, another
 * tenant's), HR tokens (expired, wrong role, audience, issuer, secret,
 * algorithm, scope) and candidates' self-service links.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { issueSelfServiceToken } from '../lib/self-service-token';
import { revokeApiKey, rotateApiKey } from '../lib/tenants';
import { signatureHeader } from '../lib/secrets';
import {
  candidateEvent,
  confirmedEvent,
  createTestTenant,
  eventually,
  hrToken,
  postEvent,
  selfServiceToken,
  startHarness,
  type Harness,
  type TestTenant,
  waitForInterviewRow,
} from './support/harness';

let h: Harness;
let a: TestTenant;
let b: TestTenant;
let ivA: { id: string; externalId: string };
let ivB: { id: string; externalId: string };
const actor = { type: 'test', id: 'api-auth' };

async function confirm(tenant: TestTenant) {
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 72 * 3600_000) });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const row = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 15_000);
  return { id: row.id, externalId: event.data.interviewId };
}

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h);
  b = await createTestTenant(h);
  [ivA, ivB] = await Promise.all([confirm(a), confirm(b)]);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const code = (res: { json(): any }) => res.json().error?.code;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const hrOf = (t: TestTenant, role: 'hr' | 'group_hr' | 'auditor' = 'hr', ttl?: number) =>
  hrToken(h, { sub: `hr-${role}`, role, groupId: t.groupId, ...(role === 'hr' ? { subsidiaryId: t.subsidiaryId } : {}) }, ttl);

describe('platform keys', () => {
  test('a good signature is accepted; one over another body, a malformed one, an unknown key are 401 each naming why', async () => {
    expect((await postEvent(h, a, candidateEvent('candidate.link_clicked', ivA.externalId))).statusCode).toBe(202);
    const t = Math.floor(Date.now() / 1000);
    expect(code(await postEvent(h, a, confirmedEvent(), { signature: `t=${t},v1=${'0'.repeat(64)}` }))).toBe('bad_signature');
    expect(code(await postEvent(h, a, confirmedEvent(), { signature: 'sha256=abc' }))).toBe('malformed_signature');
    expect(code(await postEvent(h, { ...a, apiKeyId: 'key_unknown' }, confirmedEvent()))).toBe('unknown_api_key');
  });

  test('a signature more than 5 minutes old, or from 5 minutes ahead, is 401 stale_signature', async () => {
    for (const skew of [-301_000, 301_000]) {
      const res = await postEvent(h, a, confirmedEvent(), { now: Date.now() + skew });
      expect([res.statusCode, code(res)]).toEqual([401, 'stale_signature']);
    }
  });

  test('a replayed event gets 200 with the first answer and no second effect', async () => {
    const event = candidateEvent('candidate.link_clicked', ivA.externalId);
    const first = await postEvent(h, a, event);
    expect(first.statusCode).toBe(202);
    const clicks = () => h.prisma.evidence.count({ where: { interviewId: ivA.id, kind: 'LINK_CLICKED' } });
    const settled = await eventually(async () => ((await clicks()) >= 2 ? clicks() : undefined), 10_000, 'click evidence');
    const replay = await postEvent(h, a, event);
    expect([replay.statusCode, replay.json()]).toEqual([200, first.json()]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await clicks()).toBe(settled);
  });

  test('during rotation both keys authenticate; each signs with its own secret; a revoked key is 401 revoked_api_key', async () => {
    const tenant = await createTestTenant(h);
    const next = await rotateApiKey(h.prisma, h.secrets, tenant.apiKeyId, actor);
    const rotated = { ...tenant, apiKeyId: next.apiKeyId, apiSecret: next.apiSecret };
    expect((await postEvent(h, tenant, confirmedEvent())).statusCode).toBe(202);
    expect((await postEvent(h, rotated, confirmedEvent())).statusCode).toBe(202);
    // The new key id with the old secret's signature is not the new key.
    expect(code(await postEvent(h, { ...rotated, apiSecret: tenant.apiSecret }, confirmedEvent()))).toBe('bad_signature');

    await revokeApiKey(h.prisma, tenant.apiKeyId, actor);
    const revoked = await postEvent(h, tenant, confirmedEvent());
    expect([revoked.statusCode, code(revoked)]).toEqual([401, 'revoked_api_key']);
    expect((await postEvent(h, rotated, confirmedEvent())).statusCode).toBe(202);
  });

  test("a key of subsidiary A cannot touch B's interview: 404, and B's interview is untouched", async () => {
    const before = await h.prisma.evidence.count({ where: { interviewId: ivB.id } });
    const inboxB = await h.prisma.inboundEvent.count({ where: { subsidiaryId: b.subsidiaryId } });
    for (const event of [
      candidateEvent('candidate.logged_in', ivB.externalId),
      { id: `evt-${randomUUID()}`, type: 'interview.cancelled', occurredAt: new Date().toISOString(), data: { interviewId: ivB.externalId, reason: 'x' } },
      { id: `evt-${randomUUID()}`, type: 'interview.rescheduled', occurredAt: new Date().toISOString(), data: { interviewId: ivB.externalId, startsAt: new Date(Date.now() + 99 * 3600_000).toISOString() } },
    ]) {
      const res = await postEvent(h, a, event);
      expect([event.type, res.statusCode, code(res)]).toEqual([event.type, 404, 'interview_not_found']);
    }
    await new Promise((r) => setTimeout(r, 500));
    const row = await h.prisma.interview.findUniqueOrThrow({ where: { id: ivB.id } });
    expect(row.status).toBe('SCHEDULED');
    expect(await h.prisma.evidence.count({ where: { interviewId: ivB.id } })).toBe(before);
    expect(await h.prisma.inboundEvent.count({ where: { subsidiaryId: b.subsidiaryId } })).toBe(inboxB);
    const state = await h.client.workflow.getHandle(row.workflowId).describe();
    expect(state.status.name).toBe('RUNNING');
  });
});

describe('HR tokens', () => {
  /** A token like mintHrToken's, with one thing changed. */
  async function craft(opts: { alg?: string; key?: Parameters<SignJWT['sign']>[0]; issuer?: string; audience?: string; exp?: number | null; claims?: Record<string, unknown> }) {
    const jwt = new SignJWT({ role: 'hr', groupId: a.groupId, subsidiaryId: a.subsidiaryId, ...opts.claims })
      .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
      .setSubject('mallory')
      .setIssuer(opts.issuer ?? h.secrets.jwtIssuer)
      .setAudience(opts.audience ?? h.secrets.jwtAudience)
      .setIssuedAt();
    if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600);
    return jwt.sign(opts.key ?? h.secrets.jwtSecret);
  }
  const list = (headers: Record<string, string>) => h.app.inject({ method: 'GET', url: '/v1/interviews', headers });

  test('a good token reads; no token, a lowercase scheme or garbage are 401', async () => {
    expect((await list(bearer(await hrOf(a)))).statusCode).toBe(200);
    expect((await craft({})).length).toBeGreaterThan(0);
    expect((await list(bearer(await craft({})))).statusCode).toBe(200);
    expect(code(await list({}))).toBe('missing_token');
    expect(code(await list({ authorization: `bearer ${await hrOf(a)}` }))).toBe('missing_token');
    expect(code(await list(bearer('not.a.jwt')))).toBe('invalid_token');
  });

  test('an expired token is 401 token_expired', async () => {
    const res = await list(bearer(await hrOf(a, 'hr', -60)));
    expect([res.statusCode, code(res)]).toEqual([401, 'token_expired']);
  });

  test('a token without an expiry is refused', async () => {
    const res = await list(bearer(await craft({ exp: null })));
    expect([res.statusCode, code(res)]).toEqual([401, 'invalid_token']);
  });

  test('the wrong audience, issuer or secret is 401 invalid_token', async () => {
    for (const token of [await craft({ audience: 'another-api' }), await craft({ issuer: 'someone-else' }), await craft({ key: new Uint8Array(32).fill(7) })]) {
      const res = await list(bearer(token));
      expect([res.statusCode, code(res)]).toEqual([401, 'invalid_token']);
    }
  });

  test('the algorithm is pinned to HS256: alg none, HS384/HS512 with the right secret, RS256 and ES256 are refused', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({ sub: 'mallory', role: 'group_hr', groupId: a.groupId, iss: h.secrets.jwtIssuer, aud: h.secrets.jwtAudience, iat: now, exp: now + 600 }),
    ).toString('base64url');
    const tokens = [
      `${header}.${payload}.`,
      `${header}.${payload}`,
      await craft({ alg: 'HS384', key: h.secrets.jwtSecret }),
      await craft({ alg: 'HS512', key: h.secrets.jwtSecret }),
      await craft({ alg: 'RS256', key: (await generateKeyPair('RS256')).privateKey }),
      await craft({ alg: 'ES256', key: (await generateKeyPair('ES256')).privateKey }),
    ];
    for (const token of tokens) {
      const res = await list(bearer(token));
      expect([token.split('.')[0], res.statusCode, code(res)]).toEqual([token.split('.')[0], 401, 'invalid_token']);
    }
  });

  test('claims that do not make a caller are refused: an unknown role, hr without a subsidiary', async () => {
    expect(code(await list(bearer(await craft({ claims: { role: 'admin' } }))))).toBe('invalid_token');
    expect(code(await list(bearer(await craft({ claims: { subsidiaryId: undefined } }))))).toBe('invalid_token');
  });

  test('the wrong role is 403: an auditor cannot write, hr cannot set the group policy', async () => {
    const auditor = await hrOf(a, 'auditor');
    const annotate = await h.app.inject({ method: 'POST', url: `/v1/interviews/${ivA.externalId}/annotations`, headers: bearer(auditor), payload: { classification: 'NO_REASON', note: 'x' } });
    expect([annotate.statusCode, code(annotate)]).toEqual([403, 'forbidden']);
    const policy = await h.app.inject({ method: 'PUT', url: `/v1/groups/${a.groupId}/policy`, headers: bearer(await hrOf(a, 'hr')), payload: {} });
    expect([policy.statusCode, code(policy)]).toEqual([403, 'forbidden']);
    expect(await h.prisma.auditEntry.count({ where: { interviewId: ivA.id } })).toBe(0);
  });

  test("HR of subsidiary A gets 404 for B's interview, never its data, and cannot change it", async () => {
    const other = bearer(await hrOf(a));
    for (const url of [`/v1/interviews/${ivB.externalId}`, `/v1/interviews/${ivB.id}`, `/v1/interviews/${ivB.externalId}/evidence`]) {
      const res = await h.app.inject({ method: 'GET', url, headers: other });
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.body).not.toContain('Li Wei');
    }
    const startsAt = (await h.prisma.interview.findUniqueOrThrow({ where: { id: ivB.id } })).startsAt;
    const write = await h.app.inject({ method: 'POST', url: `/v1/interviews/${ivB.externalId}/reschedule`, headers: other, payload: { startsAt: new Date(Date.now() + 99 * 3600_000).toISOString() } });
    expect(write.statusCode).toBe(404);
    const state = await h.client.workflow.getHandle((await h.prisma.interview.findUniqueOrThrow({ where: { id: ivB.id } })).workflowId).describe();
    expect(state.status.name).toBe('RUNNING');
    expect((await h.prisma.interview.findUniqueOrThrow({ where: { id: ivB.id } })).startsAt).toEqual(startsAt);
    expect(await h.prisma.auditEntry.count({ where: { interviewId: ivB.id } })).toBe(0);
    // group_hr of A's group does not see another group either; B's own HR does.
    expect((await h.app.inject({ method: 'GET', url: `/v1/interviews/${ivB.externalId}`, headers: bearer(await hrOf(a, 'group_hr')) })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/v1/interviews/${ivB.externalId}`, headers: bearer(await hrOf(b, 'group_hr')) })).statusCode).toBe(200);
    const listed = await h.app.inject({ method: 'GET', url: '/v1/interviews', headers: other });
    expect(listed.json().items.map((i: { id: string }) => i.id)).not.toContain(ivB.id);
  });
});

describe('self-service links', () => {
  const view = (token: string) => h.app.inject({ method: 'GET', url: `/v1/self-service/${token}` });

  test("a link opens only its own interview; tampered, foreign-keyed and expired links are 401", async () => {
    const ok = await view(selfServiceToken(h.secrets, ivA.id));
    expect([ok.statusCode, ok.json().interviewId]).toEqual([200, ivA.externalId]);

    const good = selfServiceToken(h.secrets, ivA.id);
    const [payload, sig] = good.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ iid: ivB.id, exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    expect(code(await view(`${forged}.${sig}`))).toBe('invalid_link');
    expect(code(await view(`${payload}.${sig.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`))).toBe('invalid_link');
    expect(code(await view(issueSelfServiceToken(Buffer.alloc(32, 9), ivA.id)))).toBe('invalid_link');
    const expired = await view(issueSelfServiceToken(h.secrets.masterKey, ivA.id, Date.now() - 31 * 24 * 3600_000));
    expect([expired.statusCode, code(expired)]).toEqual([401, 'link_expired']);
  });
});
