/**
 * Every error a client can meet, in the contract's shape
 * `{ error: { code, message, details } }` naming what was wrong, plus the
 * limits (body size, content type, rate) and the headers every answer carries.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { signatureHeader } from '../lib/secrets';
import { buildApiApp } from './support/api-app';
import { confirmedEvent, createTestTenant, hrToken, postEvent, startHarness, type Harness, type TestTenant } from './support/harness';

let h: Harness;
let tenant: TestTenant;
let hr: Record<string, string>;
beforeAll(async () => {
  h = await startHarness({ worker: false });
  tenant = await createTestTenant(h);
  hr = { authorization: `Bearer ${await hrToken(h, { sub: 'hr-errors', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId })}` };
});
afterAll(async () => {
  await h?.close();
});

const call = (opts: InjectOptions, app?: FastifyInstance) => (app ?? h.app).inject(opts);
const annotate = (payload: unknown, headers: Record<string, string> = {}) =>
  call({ method: 'POST', url: '/v1/interviews/iv-any/annotations', headers: { ...hr, ...headers }, payload: payload as string });

function expectError(res: { statusCode: number; json(): any }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error as { code: string; message: string; details?: any };
}

describe('400: what is wrong with the request, naming the field', () => {
  test('a body that is not JSON is malformed_json', async () => {
    const err = expectError(await annotate('{"classification": ', { 'content-type': 'application/json' }), 400, 'malformed_json');
    expect(err.details).toEqual([{ field: 'body', message: 'is not valid JSON' }]);
  });

  test('a missing field is named in the message and the details', async () => {
    const err = expectError(await annotate({ classification: 'NO_REASON' }), 400, 'invalid_request');
    expect(err.message).toMatch(/^note /);
    expect(err.details[0].field).toBe('note');
  });

  test('a field of the wrong type is named', async () => {
    const err = expectError(await annotate({ classification: 'NO_REASON', note: 42 }), 400, 'invalid_request');
    expect(err.details[0]).toEqual({ field: 'note', message: 'must be string' });
    const nested = await postEvent(h, tenant, { ...confirmedEvent(), data: { ...confirmedEvent().data, candidate: { ...confirmedEvent().data.candidate, name: ['Li', 'Wei'] } } });
    expect(expectError(nested, 400, 'invalid_request').details[0].field).toBe('data.candidate.name');
  });

  test('a field the contract does not have is named as not allowed', async () => {
    const err = expectError(await annotate({ classification: 'NO_REASON', note: 'x', severity: 'high' }), 400, 'invalid_request');
    expect(err.details[0]).toEqual({ field: 'severity', message: 'is not an allowed field' });
  });

  test('a query parameter of the wrong type is named; a right one is read as its type', async () => {
    const bad = await call({ method: 'GET', url: '/v1/interviews?limit=lots', headers: hr });
    expect(expectError(bad, 400, 'invalid_request').details[0].field).toBe('querystring.limit');
    expect((await call({ method: 'GET', url: '/v1/interviews?limit=10', headers: hr })).statusCode).toBe(200);
  });

  test('a NUL in a query or path parameter is refused, as in a body, before it reaches the database', async () => {
    const query = await call({ method: 'GET', url: '/v1/interviews?positionId=p%00x', headers: hr });
    expect(expectError(query, 400, 'invalid_request').details).toEqual([{ field: 'querystring.positionId', message: 'must not contain NUL characters or unpaired surrogates' }]);
    const path = await call({ method: 'GET', url: '/v1/interviews/iv%00x', headers: hr });
    expect(expectError(path, 400, 'invalid_request').details[0].field).toBe('params.id');
  });

  test('a prototype key is refused even where the schema allows any field', async () => {
    const event = confirmedEvent();
    const raw = JSON.stringify(event).replace('"data":{', '"data":{"__proto__":{"admin":true},');
    const err = expectError(await postEvent(h, tenant, null, { raw }), 400, 'invalid_request');
    expect(err.details[0].field).toBe('data.__proto__');
  });
});

describe('401 and 403: who is calling and what they may do', () => {
  test('no bearer token is 401 missing_token naming the header', async () => {
    const res = await call({ method: 'GET', url: '/v1/interviews' });
    expect(expectError(res, 401, 'missing_token').details).toEqual({ field: 'headers.authorization' });
  });

  test('an unsigned platform call is 401 naming the missing header', async () => {
    const res = await call({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(expectError(res, 401, 'missing_api_key').details).toEqual({ field: 'headers.x-api-key' });
  });

  test('an auditor may read but not write: 403 forbidden', async () => {
    const auditor = { authorization: `Bearer ${await hrToken(h, { sub: 'aud', role: 'auditor', groupId: tenant.groupId })}` };
    expect((await call({ method: 'GET', url: '/v1/interviews', headers: auditor })).statusCode).toBe(200);
    const res = await call({ method: 'POST', url: '/v1/interviews/iv-any/annotations', headers: auditor, payload: { classification: 'NO_REASON', note: 'x' } });
    expectError(res, 403, 'forbidden');
  });
});

describe('405 and 414: the method and the URL', () => {
  test('a known path asked with a method it does not take is 405 with Allow, in the error shape', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/v1/interviews', 'GET, HEAD'],
      ['POST', '/v1/interviews/iv-1/evidence', 'GET, HEAD'],
      ['PUT', '/healthz', 'GET, HEAD'],
      ['DELETE', '/v1/groups/00000000-0000-0000-0000-000000000000/policy', 'GET, HEAD, PATCH, PUT'],
      ['GET', '/v1/events', 'POST'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await call({ method: method as 'GET', url });
      const err = expectError(res, 405, 'method_not_allowed');
      expect({ url, allow: res.headers.allow }).toEqual({ url, allow });
      expect(err.details).toMatchObject({ method, allowed: allow.split(', ') });
    }
    // A path nobody serves stays a 404.
    expectError(await call({ method: 'DELETE', url: '/v1/interviews/iv-1/nothing' }), 404, 'not_found');
  });

  test('a path segment over the router\'s length limit is 414 in the error shape, with a request id', async () => {
    const res = await call({ method: 'GET', url: `/v1/interviews/${'x'.repeat(600)}`, headers: hr });
    const err = expectError(res, 414, 'uri_too_long');
    expect(err.details).toEqual({ field: 'url' });
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });
});

describe('404, 409', () => {
  test('an unknown route is 404 not_found naming method and path', async () => {
    const err = expectError(await call({ method: 'GET', url: '/v1/nothing-here?x=1' }), 404, 'not_found');
    expect(err.details).toEqual({ method: 'GET', path: '/v1/nothing-here' });
  });

  test('an interview that is not in the caller\'s scope is 404', async () => {
    expectError(await call({ method: 'GET', url: '/v1/interviews/no-such-interview', headers: hr }), 404, 'interview_not_found');
  });

  test('an event id reused for another body is 409 naming the id', async () => {
    const event = confirmedEvent();
    expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
    const res = await postEvent(h, tenant, { ...event, occurredAt: new Date(Date.now() - 1000).toISOString() });
    expect(expectError(res, 409, 'event_id_reused').details).toEqual({ field: 'id' });
  });
});

describe('413 and 415: body size and type', () => {
  test('a body over API_BODY_LIMIT_BYTES is 413 payload_too_large, before any other check', async () => {
    const limit = h.app.initialConfig.bodyLimit!;
    const big = JSON.stringify({ classification: 'NO_REASON', note: 'x'.repeat(limit) });
    const err = expectError(await annotate(big, { 'content-type': 'application/json' }), 413, 'payload_too_large');
    expect(err.details).toEqual({ field: 'body', limitBytes: limit });
    // Not even authentication is attempted on a body that size.
    const unsigned = await call({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: big });
    expectError(unsigned, 413, 'payload_too_large');
  });

  test('the limit is configurable', async () => {
    const app = await buildApiApp(h, { bodyLimitBytes: 2048 });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/interviews/iv-any/annotations', headers: { ...hr, 'content-type': 'application/json' }, payload: JSON.stringify({ classification: 'NO_REASON', note: 'y'.repeat(3000) }) });
      expect(expectError(res, 413, 'payload_too_large').details.limitBytes).toBe(2048);
    } finally {
      await app.close();
    }
  });

  test.each([
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'classification=NO_REASON&note=x'],
    ['application/xml', '<note/>'],
  ])('a %s body on a JSON route is 415 unsupported_media_type', async (type, payload) => {
    const err = expectError(await annotate(payload, { 'content-type': type }), 415, 'unsupported_media_type');
    expect(err.details).toMatchObject({ field: 'headers.content-type', received: type, accepted: ['application/json'] });
    expectError(await call({ method: 'POST', url: '/v1/events', headers: { 'content-type': type }, payload }), 415, 'unsupported_media_type');
  });
});

describe('429: a per-client rate limit', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApiApp(h, { rateLimitPerMinute: 3, rateLimitAnonymousPerMinute: 2 });
  });
  afterAll(async () => {
    await app?.close();
  });

  test('HR is counted by token subject: one subject over its limit does not slow another', async () => {
    const token = (sub: string) => hrToken(h, { sub, role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId });
    const alice = { authorization: `Bearer ${await token('rl-alice')}` };
    const bob = { authorization: `Bearer ${await token('rl-bob')}` };
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: '/v1/interviews', headers: alice })).statusCode).toBe(200);
    const limited = await app.inject({ method: 'GET', url: '/v1/interviews', headers: alice });
    const err = expectError(limited, 429, 'rate_limited');
    expect(err.details).toMatchObject({ limit: 3 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/v1/interviews', headers: bob })).statusCode).toBe(200);
  });

  /** A signed event body the schema refuses: authenticated, charged, answered 400, nothing written. */
  const signedEvent = (t: TestTenant, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/v1/events', remoteAddress, headers: { 'content-type': 'application/json', 'x-api-key': t.apiKeyId, 'x-signature': signatureHeader(t.apiSecret, '{}') }, payload: '{}' });
  const badlySigned = (t: TestTenant, remoteAddress: string) =>
    app.inject({ method: 'POST', url: '/v1/events', remoteAddress, headers: { 'content-type': 'application/json', 'x-api-key': t.apiKeyId, 'x-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` }, payload: '{}' });

  test('a platform is counted by its API key once the signature verifies: one key over its limit does not slow another', async () => {
    const [first, second] = [await createTestTenant(h), await createTestTenant(h)];
    for (let i = 0; i < 3; i++) expect((await signedEvent(first)).statusCode).toBe(400);
    expectError(await signedEvent(first), 429, 'rate_limited');
    expect((await signedEvent(second)).statusCode).toBe(400); // another key: its own count
  });

  test("requests naming a platform's key with a bad signature are counted by address and leave the key's budget untouched", async () => {
    const victim = await createTestTenant(h);
    // A stranger at another address spends its own (anonymous) budget of 2, then gets 429.
    expectError(await badlySigned(victim, '198.51.100.20'), 401, 'bad_signature');
    expectError(await badlySigned(victim, '198.51.100.20'), 401, 'bad_signature');
    expectError(await badlySigned(victim, '198.51.100.20'), 429, 'rate_limited');
    expectError(await badlySigned(victim, '198.51.100.20'), 429, 'rate_limited');
    // The platform itself still has its whole budget of 3.
    const own = await signedEvent(victim);
    expect(own.statusCode).toBe(400);
    expect(own.headers['x-ratelimit-remaining']).toBe('2');
    for (let i = 0; i < 2; i++) expect((await signedEvent(victim)).statusCode).toBe(400);
    expectError(await signedEvent(victim), 429, 'rate_limited');
  });

  test('callers without a verified identity are counted by IP, and made-up keys or tokens do not escape it', async () => {
    const from = (ip: string, i: number) =>
      app.inject({ method: 'GET', url: `/v1/self-service/not-a-real-token-${i}`, remoteAddress: ip, headers: i % 2 ? { authorization: `Bearer forged.${i}.token` } : { 'x-api-key': `key_forged_${i}` } });
    expect((await from('198.51.100.7', 0)).statusCode).toBe(401);
    expect((await from('198.51.100.7', 1)).statusCode).toBe(401);
    expectError(await from('198.51.100.7', 2), 429, 'rate_limited');
    expect((await from('198.51.100.8', 3)).statusCode).toBe(401);
  });

  test('probing for routes that do not exist is limited too', async () => {
    const probe = () => app.inject({ method: 'GET', url: `/admin/${Math.random()}`, remoteAddress: '198.51.100.50' });
    expect((await probe()).statusCode).toBe(404);
    expect((await probe()).statusCode).toBe(404);
    expectError(await probe(), 429, 'rate_limited');
  });

  test('health probes, metrics and the document are never limited', async () => {
    for (let i = 0; i < 5; i++) {
      for (const url of ['/healthz', '/metrics', '/docs', '/docs/json']) {
        expect((await app.inject({ method: 'GET', url, remoteAddress: '198.51.100.99' })).statusCode).toBe(200);
      }
    }
  });
});

describe('headers on every answer', () => {
  const SECURITY_HEADERS = {
    'content-security-policy': expect.stringContaining("default-src 'none'"),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'strict-transport-security': expect.stringContaining('max-age='),
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-request-id': expect.any(String),
  };

  test('security headers and a request id on successes and on every kind of error', async () => {
    const answers = [
      await call({ method: 'GET', url: '/healthz' }),
      await call({ method: 'GET', url: '/v1/interviews', headers: hr }),
      await call({ method: 'GET', url: '/nope' }),
      await call({ method: 'GET', url: '/v1/interviews' }),
      await annotate('{', { 'content-type': 'application/json' }),
      await annotate('x', { 'content-type': 'text/plain' }),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 404, 401, 400, 415]);
    for (const res of answers) expect(res.headers).toMatchObject(SECURITY_HEADERS);
  });

  test("a caller's own x-request-id is echoed; a hostile one is replaced", async () => {
    const mine = await call({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'platform-req.42' } });
    expect(mine.headers['x-request-id']).toBe('platform-req.42');
    const hostile = await call({ method: 'GET', url: '/healthz', headers: { 'x-request-id': `evil\u2028${'x'.repeat(300)}` } });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('CORS is off unless CORS_ORIGINS is set', async () => {
    const origin = 'https://hr.example.test';
    const preflight = { method: 'OPTIONS' as const, url: '/v1/interviews', headers: { origin, 'access-control-request-method': 'GET' } };
    const off = await call(preflight);
    expect(off.headers['access-control-allow-origin']).toBeUndefined();
    expect((await call({ method: 'GET', url: '/healthz', headers: { origin } })).headers['access-control-allow-origin']).toBeUndefined();

    const app = await buildApiApp(h, { corsOrigins: [origin] });
    try {
      const on = await app.inject(preflight);
      expect(on.statusCode).toBe(204);
      expect(on.headers['access-control-allow-origin']).toBe(origin);
      expect(String(on.headers['access-control-allow-headers'])).toContain('authorization');
      const stranger = await app.inject({ ...preflight, headers: { ...preflight.headers, origin: 'https://evil.example.test' } });
      expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
