/**
 * The HR console's session on the real stack: one-time console links
 * (`turnout console-link`), the server-side session in PostgreSQL, its
 * cookie, idle timeout, lifetime and sign-out, the HR scope accepting the
 * cookie beside bearer tokens, CSRF on every write through the cookie, and
 * GET/PATCH /v1/session.
 */
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { run } from '../cli/main';
import { consoleLinkCodeHash } from '../lib/console-links';
import { consoleConfig, type ConsoleConfig } from '../lib/config';
import type { HrClaims } from '../lib/hr-token';
import { buildApiApp } from './support/api-app';
import {
  consoleLinkPath,
  cookiePair,
  OVER_HTTPS,
  sessionSetCookie,
  setCookies,
  signInWithConsoleLink,
} from './support/console-session';
import { confirmedEvent, createTestTenant, hrToken, postEvent, startHarness, waitForInterviewRow, type Harness, type TestTenant } from './support/harness';

let h: Harness;
let app: FastifyInstance;
let a: TestTenant;
let b: TestTenant;
let ivA: { id: string; externalId: string };
const opened: FastifyInstance[] = [];

async function appWith(console: Partial<ConsoleConfig> = {}, api: Parameters<typeof buildApiApp>[1] = {}): Promise<FastifyInstance> {
  const built = await buildApiApp(h, { trustProxy: '127.0.0.1', ...api }, undefined, { console: { ...consoleConfig({}), ...console } });
  opened.push(built);
  return built;
}

beforeAll(async () => {
  h = await startHarness();
  [a, b] = await Promise.all([createTestTenant(h), createTestTenant(h)]);
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 72 * 3600_000) });
  expect((await postEvent(h, a, event)).statusCode).toBe(202);
  const row = await waitForInterviewRow(h, a.subsidiaryId, event.data.interviewId);
  ivA = { id: row.id, externalId: event.data.interviewId };
  app = await appWith();
}, 60_000);
afterAll(async () => {
  for (const o of opened) await o.close();
  await h?.close();
});

const hrOfA = (sub = `hr-${randomUUID().slice(0, 6)}`): HrClaims => ({ sub, role: 'hr', groupId: a.groupId, subsidiaryId: a.subsidiaryId });
const code = (res: { json(): any }) => res.json().error?.code;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `turnout console-link …` in this process; returns the printed URL. */
async function cliLink(args: string[]): Promise<{ exit: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const exit = await run(['console-link', ...args], {
    env: { ...process.env, USER: 'test', TURNOUT_PUBLIC_URL: 'https://hr.turnout.test' },
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: async () => Buffer.alloc(0),
  });
  return { exit, out: out.join('\n'), err: err.join('\n') };
}

describe('console links', () => {
  test('turnout console-link prints a link that signs in once: a new session, its cookie, /v1/session and an HR read through it', async () => {
    const printed = await cliLink(['--role', 'hr', '--group', a.groupId, '--subsidiary', a.subsidiaryId, '--sub', 'li.hr', '--lang', 'zh-CN']);
    expect(printed).toMatchObject({ exit: 0, err: '' });
    const url = new URL(printed.out);
    expect(url.origin).toBe('https://hr.turnout.test');
    expect(url.pathname).toMatch(/^\/console\/auth\/link\/[A-Za-z0-9_-]{32}$/);

    const res = await app.inject({ method: 'GET', url: url.pathname, headers: OVER_HTTPS });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console');
    const setCookie = sessionSetCookie(res)!;
    expect(setCookie).toMatch(/^turnout_console=/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; Path=\//);
    // A browser-session cookie: the server ends the session, not a date in the cookie.
    expect(setCookie).not.toMatch(/Expires=|Max-Age=/);
    const cookie = cookiePair(setCookie);

    const session = await app.inject({ method: 'GET', url: '/v1/session', headers: { ...OVER_HTTPS, cookie } });
    expect(session.statusCode).toBe(200);
    expect(session.json()).toEqual({
      sub: 'li.hr',
      role: 'hr',
      groupId: a.groupId,
      subsidiaryId: a.subsidiaryId,
      name: null,
      locale: 'zh-CN',
      signedInVia: 'console-link',
      signedInAt: expect.any(String),
      expiresAt: expect.any(String),
      csrfToken: expect.any(String),
      may: { write: true, groupPolicy: false },
    });

    const list = await app.inject({ method: 'GET', url: '/v1/interviews', headers: { ...OVER_HTTPS, cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(ivA.id);
    // The session's identity is the link's: another subsidiary's interview is not visible.
    const other = await app.inject({ method: 'GET', url: `/v1/interviews/${ivA.id}`, headers: { ...OVER_HTTPS, cookie: (await signInWithConsoleLink(app, h.prisma, { sub: 'x', role: 'hr', groupId: b.groupId, subsidiaryId: b.subsidiaryId })).cookie } });
    expect(other.statusCode).toBe(404);

    const again = await app.inject({ method: 'GET', url: url.pathname, headers: OVER_HTTPS });
    expect(again.statusCode).toBe(410);
    expect(again.headers['content-type']).toMatch(/^text\/html/);
    expect(again.body).toContain('link_used');
    expect(sessionSetCookie(again)).toBeUndefined();
  });

  test('HEAD (a link checker) does not use a link up', async () => {
    const path = await consoleLinkPath(h.prisma, hrOfA());
    const head = await app.inject({ method: 'HEAD', url: path, headers: OVER_HTTPS });
    expect(head.statusCode).toBe(200);
    expect(sessionSetCookie(head)).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: path, headers: OVER_HTTPS })).statusCode).toBe(303);
  });

  test('only a hash of the code is stored', async () => {
    const path = await consoleLinkPath(h.prisma, hrOfA());
    const linkCode = path.split('/').pop()!;
    const row = await h.prisma.consoleLink.findUnique({ where: { codeHash: consoleLinkCodeHash(linkCode) } });
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(linkCode);
  });

  test('a link expires 10 minutes after it was minted; an unknown code is not found; neither starts a session', async () => {
    const minted11MinutesAgo = await consoleLinkPath(h.prisma, hrOfA(), { now: new Date(Date.now() - 11 * 60_000) });
    const expired = await app.inject({ method: 'GET', url: minted11MinutesAgo, headers: OVER_HTTPS });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('link_expired');
    expect(sessionSetCookie(expired)).toBeUndefined();

    const minted9MinutesAgo = await consoleLinkPath(h.prisma, hrOfA(), { now: new Date(Date.now() - 9 * 60_000) });
    expect((await app.inject({ method: 'GET', url: minted9MinutesAgo, headers: OVER_HTTPS })).statusCode).toBe(303);

    const unknown = await app.inject({ method: 'GET', url: `/console/auth/link/${'A'.repeat(32)}`, headers: OVER_HTTPS });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('link_unknown');
    expect(sessionSetCookie(unknown)).toBeUndefined();
  });

  test('two browsers opening the same link at once: exactly one is signed in', async () => {
    const path = await consoleLinkPath(h.prisma, hrOfA());
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'GET', url: path, headers: OVER_HTTPS })));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([303, 410, 410]);
  });

  test('the CLI refuses an hr link without a subsidiary, an unknown role or language, and a subsidiary of another group', async () => {
    expect((await cliLink(['--role', 'hr', '--group', a.groupId])).exit).toBe(2);
    expect((await cliLink(['--role', 'admin', '--group', a.groupId])).exit).toBe(2);
    expect((await cliLink(['--role', 'group_hr', '--group', a.groupId, '--lang', 'fr'])).err).toMatch(/--lang must be one of en, zh-CN/);
    const mismatch = await cliLink(['--role', 'hr', '--group', a.groupId, '--subsidiary', b.subsidiaryId]);
    expect(mismatch.exit).toBe(1);
    expect(mismatch.err).toMatch(/does not belong to group/);
  });
});

describe('the session', () => {
  test('each sign-in gets a new session id: the cookie held before it no longer signs anyone in', async () => {
    const first = await signInWithConsoleLink(app, h.prisma, hrOfA('first'));
    const opened = await app.inject({ method: 'GET', url: await consoleLinkPath(h.prisma, hrOfA('second')), headers: { ...OVER_HTTPS, cookie: first.cookie } });
    expect(opened.statusCode).toBe(303);
    const second = cookiePair(sessionSetCookie(opened)!);
    expect(second).not.toBe(first.cookie);
    expect((await app.inject({ method: 'GET', url: '/v1/session', headers: { ...OVER_HTTPS, cookie: second } })).json().sub).toBe('second');
    const old = await app.inject({ method: 'GET', url: '/v1/session', headers: { ...OVER_HTTPS, cookie: first.cookie } });
    expect(old.statusCode).toBe(401);
    expect(code(old)).toBe('session_ended');
  });

  test('the table holds neither the session id nor the cookie', async () => {
    const { cookie } = await signInWithConsoleLink(app, h.prisma, hrOfA('stored'));
    const signedId = decodeURIComponent(cookie.split('=')[1]!);
    const sessionId = signedId.slice(0, signedId.lastIndexOf('.'));
    const rows = await h.prisma.consoleSession.findMany();
    const dump = JSON.stringify(rows);
    expect(rows.some((r) => (r.data as { user?: { sub?: string } }).user?.sub === 'stored')).toBe(true);
    expect(dump).not.toContain(sessionId);
  });

  test('a session unused for the idle timeout ends; use keeps it alive', async () => {
    const idle = await appWith({ idleTimeoutMs: 2000 });
    const { cookie } = await signInWithConsoleLink(idle, h.prisma, hrOfA());
    const get = () => idle.inject({ method: 'GET', url: '/v1/session', headers: { ...OVER_HTTPS, cookie } });
    await sleep(1200);
    expect((await get()).statusCode).toBe(200);
    await sleep(1200);
    // 2.4 s after sign-in, 1.2 s after the last use.
    expect((await get()).statusCode).toBe(200);
    await sleep(2300);
    const ended = await get();
    expect(ended.statusCode).toBe(401);
    expect(code(ended)).toBe('session_ended');
    // The cookie is cleared, and the HR routes refuse it the same way.
    expect(sessionSetCookie(ended)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(code(await idle.inject({ method: 'GET', url: '/v1/interviews', headers: { ...OVER_HTTPS, cookie } }))).toBe('session_ended');
  });

  test('a session ends at the end of its lifetime however busy it is', async () => {
    const short = await appWith({ idleTimeoutMs: 2000, lifetimeMs: 2500 });
    const { cookie } = await signInWithConsoleLink(short, h.prisma, hrOfA());
    const headers = { ...OVER_HTTPS, cookie };
    const signedInAt = Date.parse((await short.inject({ method: 'GET', url: '/v1/session', headers })).json().signedInAt);
    // Used every 300 ms, far more often than the idle timeout.
    while (Date.now() < signedInAt + 2000) {
      expect((await short.inject({ method: 'GET', url: '/v1/interviews', headers })).statusCode).toBe(200);
      await sleep(300);
    }
    while (Date.now() < signedInAt + 2600) await sleep(100);
    expect(code(await short.inject({ method: 'GET', url: '/v1/interviews', headers }))).toBe('session_ended');
  });

  test('sign-out needs the CSRF token, deletes the session row, clears the cookie; the old cookie is dead', async () => {
    const { cookie, csrfToken } = await signInWithConsoleLink(app, h.prisma, hrOfA('leaving'));
    const headers = { ...OVER_HTTPS, cookie };
    const rowsOf = async () => (await h.prisma.consoleSession.findMany()).filter((r) => (r.data as { user?: { sub?: string } }).user?.sub === 'leaving');
    expect(await rowsOf()).toHaveLength(1);

    const forged = await app.inject({ method: 'POST', url: '/console/auth/logout', headers });
    expect(forged.statusCode).toBe(403);
    expect(code(forged)).toBe('csrf_token_missing');
    const wrong = await app.inject({ method: 'POST', url: '/console/auth/logout', headers: { ...headers, 'x-csrf-token': 'not-the-token' } });
    expect(code(wrong)).toBe('csrf_token_invalid');

    // A plain HTML form posts the token as _csrf.
    const out = await app.inject({
      method: 'POST',
      url: '/console/auth/logout',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfToken }).toString(),
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/console');
    expect(sessionSetCookie(out)).toMatch(/^turnout_console=;.*Expires=Thu, 01 Jan 1970/);
    expect(await rowsOf()).toHaveLength(0);
    expect(code(await app.inject({ method: 'GET', url: '/v1/session', headers }))).toBe('session_ended');
    expect(code(await app.inject({ method: 'GET', url: '/v1/interviews', headers }))).toBe('session_ended');
    // Signing out again, with nothing left to end, is the same redirect.
    expect((await app.inject({ method: 'POST', url: '/console/auth/logout', headers })).statusCode).toBe(303);
  });

  test('GET /v1/session is 401 no_session without a session, bearer token or not', async () => {
    const none = await app.inject({ method: 'GET', url: '/v1/session' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatchObject({ code: 'no_session', details: { field: 'headers.cookie' } });
    const bearer = await app.inject({ method: 'GET', url: '/v1/session', headers: { authorization: `Bearer ${await hrToken(h, hrOfA())}` } });
    expect(code(bearer)).toBe('no_session');
  });

  test('PATCH /v1/session remembers the console language, with the CSRF token', async () => {
    const { cookie, csrfToken } = await signInWithConsoleLink(app, h.prisma, hrOfA());
    const headers = { ...OVER_HTTPS, cookie };
    expect((await app.inject({ method: 'GET', url: '/v1/session', headers })).json().locale).toBeNull();
    expect(code(await app.inject({ method: 'PATCH', url: '/v1/session', headers, payload: { locale: 'en' } }))).toBe('csrf_token_missing');
    const bad = await app.inject({ method: 'PATCH', url: '/v1/session', headers: { ...headers, 'x-csrf-token': csrfToken }, payload: { locale: 'fr' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('locale');
    const set = await app.inject({ method: 'PATCH', url: '/v1/session', headers: { ...headers, 'x-csrf-token': csrfToken }, payload: { locale: 'en' } });
    expect(set.statusCode).toBe(200);
    expect(set.json().locale).toBe('en');
    expect((await app.inject({ method: 'GET', url: '/v1/session', headers })).json().locale).toBe('en');
  });
});

describe('HR routes through the cookie', () => {
  test('a write through the cookie without the CSRF token, or with a wrong one, is 403; with it, accepted', async () => {
    const { cookie, csrfToken } = await signInWithConsoleLink(app, h.prisma, hrOfA());
    const reschedule = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: `/v1/interviews/${ivA.id}/reschedule`,
        headers: { ...OVER_HTTPS, cookie, ...headers },
        payload: { startsAt: new Date(Date.now() + 96 * 3600_000).toISOString(), reason: 'candidate asked' },
      });
    const none = await reschedule({});
    expect(none.statusCode).toBe(403);
    expect(none.json().error).toMatchObject({ code: 'csrf_token_missing', details: { field: 'headers.x-csrf-token' } });
    const wrong = await reschedule({ 'x-csrf-token': 'x'.repeat(40) });
    expect(wrong.statusCode).toBe(403);
    expect(code(wrong)).toBe('csrf_token_invalid');
    // Another session's token is not this session's.
    const other = await signInWithConsoleLink(app, h.prisma, hrOfA());
    expect(code(await reschedule({ 'x-csrf-token': other.csrfToken }))).toBe('csrf_token_invalid');
    const ok = await reschedule({ 'x-csrf-token': csrfToken });
    expect(ok.statusCode).toBe(202);
    // Whoever signed in is the actor the audit log names.
    const audit = await h.prisma.auditEntry.findFirst({ where: { interviewId: ivA.id, action: { contains: 'reschedule' } }, orderBy: { at: 'desc' } });
    expect(audit?.actorId).toMatch(/^hr-/);
  });

  test('the role rules are the same as for a token: an auditor session may read but not write', async () => {
    const { cookie, csrfToken } = await signInWithConsoleLink(app, h.prisma, { sub: 'aud', role: 'auditor', groupId: a.groupId });
    const headers = { ...OVER_HTTPS, cookie, 'x-csrf-token': csrfToken };
    expect((await app.inject({ method: 'GET', url: `/v1/interviews/${ivA.id}`, headers })).statusCode).toBe(200);
    const write = await app.inject({ method: 'POST', url: `/v1/interviews/${ivA.id}/reschedule`, headers, payload: { startsAt: new Date(Date.now() + 97 * 3600_000).toISOString() } });
    expect(write.statusCode).toBe(403);
    expect(code(write)).toBe('forbidden');
  });

  test('bearer tokens work as before, writes included, with no CSRF token; a bearer beside a cookie is what counts', async () => {
    const token = await hrToken(h, hrOfA('machine'));
    const read = await app.inject({ method: 'GET', url: `/v1/interviews/${ivA.id}`, headers: { authorization: `Bearer ${token}` } });
    expect(read.statusCode).toBe(200);
    const write = await app.inject({
      method: 'POST',
      url: `/v1/interviews/${ivA.id}/reschedule`,
      headers: { authorization: `Bearer ${token}` },
      payload: { startsAt: new Date(Date.now() + 98 * 3600_000).toISOString() },
    });
    expect(write.statusCode).toBe(202);
    const { cookie } = await signInWithConsoleLink(app, h.prisma, hrOfA());
    const both = await app.inject({ method: 'GET', url: '/v1/interviews', headers: { cookie, authorization: 'Bearer not-a-token' } });
    expect(code(both)).toBe('invalid_token');
    expect(code(await app.inject({ method: 'GET', url: '/v1/interviews' }))).toBe('missing_token');
  });

  test('the rate limit is charged to the signed-in identity, as for a token', async () => {
    const limited = await appWith({}, { rateLimitPerMinute: 3, rateLimitAnonymousPerMinute: 1000 });
    const claims = hrOfA('busy');
    const { cookie } = await signInWithConsoleLink(limited, h.prisma, claims);
    // signInWithConsoleLink's GET /v1/session was the first of the three.
    const list = () => limited.inject({ method: 'GET', url: '/v1/interviews', headers: { ...OVER_HTTPS, cookie } });
    expect((await list()).statusCode).toBe(200);
    expect((await list()).statusCode).toBe(200);
    expect((await list()).statusCode).toBe(429);
    // The same identity with a token shares the budget; another subject has its own.
    expect((await limited.inject({ method: 'GET', url: '/v1/interviews', headers: { authorization: `Bearer ${await hrToken(h, claims)}` } })).statusCode).toBe(429);
    expect((await limited.inject({ method: 'GET', url: '/v1/interviews', headers: { authorization: `Bearer ${await hrToken(h, hrOfA('calm'))}` } })).statusCode).toBe(200);
  });
});

describe('production', () => {
  test('the cookie is always Secure and __Host- prefixed; over plain http the link is refused and stays unused', async () => {
    const prod = await appWith({ secureCookie: true });
    const path = await consoleLinkPath(h.prisma, hrOfA());
    const plain = await prod.inject({ method: 'GET', url: path });
    expect(plain.statusCode).toBe(400);
    expect(plain.body).toContain('https_required');
    expect(setCookies(plain)).toEqual([]);

    const tls = await prod.inject({ method: 'GET', url: path, headers: OVER_HTTPS });
    expect(tls.statusCode).toBe(303);
    const setCookie = sessionSetCookie(tls)!;
    expect(setCookie).toMatch(/^__Host-turnout_console=/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/Domain=/);
    const session = await prod.inject({ method: 'GET', url: '/v1/session', headers: { ...OVER_HTTPS, cookie: cookiePair(setCookie) } });
    expect(session.statusCode).toBe(200);
  });

  test('outside production, plain http gets a cookie without Secure (a local run)', async () => {
    const opened = await app.inject({ method: 'GET', url: await consoleLinkPath(h.prisma, hrOfA()) });
    expect(opened.statusCode).toBe(303);
    expect(sessionSetCookie(opened)).not.toMatch(/Secure/);
  });
});
