/**
 * The one place that decides whether a provider's refusal is for good
 * (activities/messaging/errors.ts), what a delivery receipt means
 * (domain/receipts.ts), and the quiet-hours rule, as pure units.
 */
import { generateKeyPairSync } from 'node:crypto';
import twilio from 'twilio';
import { classifySendGridError, classifyTwilioError, scrub } from '../activities/messaging/errors';
import { quietHoursDecision } from '../activities/messaging/quiet-hours';
import { receiptMeansUndeliverable } from '../domain/receipts';
import { buildApp } from '../api/app';
import { apiConfig, ConfigError, providersConfig, providerWebhooksConfig, secretsConfig, temporalConfig } from '../lib/config';

/** A RestException exactly as the SDK builds it from an HTTP answer. */
function twilioRest(status: number, body: unknown) {
  return new twilio.RestException({ statusCode: status, body: JSON.stringify(body), headers: {} } as never);
}

/** What @sendgrid/client rejects with for an HTTP error (ResponseError: code = status, response.body). */
function sendgridResponseError(status: number, errors: { message: string; field?: string | null }[] = []) {
  return Object.assign(new Error('Bad Request'), { code: status, response: { headers: {}, body: { errors } } });
}

describe('Twilio errors', () => {
  test.each([
    [400, 21211, 'invalid_recipient'],
    [400, 21614, 'invalid_recipient'],
    [400, 21610, 'unsubscribed'],
    [400, 21408, 'blocked'],
    [401, 20003, 'account'],
    [400, 21999, 'rejected'],
    [404, 20404, 'account'],
  ])('HTTP %i with code %i is permanent (%s)', (status, code, reason) => {
    const e = classifyTwilioError(twilioRest(status, { code, message: 'refused', status }));
    expect(e.failure).toMatchObject({ provider: 'twilio', kind: 'permanent', reason, code: String(code), httpStatus: status });
    expect(e.permanent).toBe(true);
    expect(e.name).toBe('ProviderRejected');
  });

  test.each([
    [500, undefined, 'provider_unavailable'],
    [503, 20503, 'provider_unavailable'],
    [429, 20429, 'rate_limited'],
    [408, undefined, 'timeout'],
    // A 5xx is never a verdict on the message, even with a code that would be.
    [500, 21211, 'provider_unavailable'],
  ])('HTTP %i with code %s is transient (%s)', (status, code, reason) => {
    const e = classifyTwilioError(twilioRest(status, code === undefined ? 'Internal error' : { code, message: 'x', status }));
    expect(e.failure).toMatchObject({ kind: 'transient', reason });
    expect(e.name).toBe('ProviderUnavailable');
  });

  test.each([
    ['ECONNABORTED', 'timeout'],
    ['ETIMEDOUT', 'timeout'],
    ['ECONNRESET', 'network'],
    ['ECONNREFUSED', 'network'],
    ['ENOTFOUND', 'network'],
  ])('a network error %s is transient (%s)', (code, reason) => {
    const e = classifyTwilioError(Object.assign(new Error(`connect ${code}`), { code }));
    expect(e.failure).toMatchObject({ kind: 'transient', reason, code });
  });

  test('an error nobody recognises is transient: a delayed message can still arrive, a written-off one cannot', () => {
    expect(classifyTwilioError(new Error('something odd')).failure).toMatchObject({ kind: 'transient', reason: 'unknown' });
    expect(classifyTwilioError('a string').failure.kind).toBe('transient');
  });

  test("the phone number Twilio quotes in its message does not survive (it would reach the workflow history)", () => {
    const e = classifyTwilioError(twilioRest(400, { code: 21211, message: "The 'To' number +8613800138000 is not a valid phone number.", status: 400 }));
    expect(e.message).not.toContain('13800138000');
    expect(e.failure.message).toContain('<number …00>');
  });
});

describe('SendGrid errors', () => {
  test('400 about the recipient is permanent (invalid_recipient)', () => {
    const e = classifySendGridError(sendgridResponseError(400, [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }]));
    expect(e.failure).toMatchObject({ provider: 'sendgrid', kind: 'permanent', reason: 'invalid_recipient', httpStatus: 400 });
  });

  test.each([
    [400, 'rejected'],
    [401, 'account'],
    [403, 'account'],
    [413, 'rejected'],
  ])('HTTP %i is permanent (%s)', (status, reason) => {
    expect(classifySendGridError(sendgridResponseError(status, [{ message: 'nope' }])).failure).toMatchObject({ kind: 'permanent', reason });
  });

  test.each([
    [429, 'rate_limited'],
    [500, 'provider_unavailable'],
    [502, 'provider_unavailable'],
  ])('HTTP %i is transient (%s)', (status, reason) => {
    expect(classifySendGridError(sendgridResponseError(status)).failure).toMatchObject({ kind: 'transient', reason });
  });

  test('a timeout of the SDK (axios ECONNABORTED) is transient', () => {
    const e = classifySendGridError(Object.assign(new Error('timeout of 1000ms exceeded'), { code: 'ECONNABORTED' }));
    expect(e.failure).toMatchObject({ kind: 'transient', reason: 'timeout' });
  });

  test('addresses in SendGrid error texts are scrubbed', () => {
    const e = classifySendGridError(sendgridResponseError(400, [{ message: 'li.wei@example.test bounced before' }]));
    expect(e.message).not.toContain('li.wei@example.test');
  });
});

test.each([
  ['twilio', 'undelivered', { errorCode: '30005' }, true], // unknown destination
  ['twilio', 'failed', { errorCode: '21610' }, true], // unsubscribed
  ['twilio', 'undelivered', { errorCode: '30007' }, true], // carrier filtered
  ['twilio', 'undelivered', { errorCode: '30003' }, false], // handset unreachable: may pass
  ['twilio', 'delivered', {}, false],
  ['sendgrid', 'dropped', {}, true],
  ['sendgrid', 'bounced', { bounceType: 'bounce' }, true],
  ['sendgrid', 'bounced', { bounceType: 'blocked' }, false], // the receiving server refusing for now
  ['sendgrid', 'deferred', {}, false],
  ['sendgrid', 'opened', {}, false],
])('a %s "%s" receipt (%o) means the message will never arrive: %s', (provider, status, detail, expected) => {
  expect(receiptMeansUndeliverable(provider, status, detail)).toBe(expected);
});

test('scrub masks numbers and addresses but keeps codes and words', () => {
  expect(scrub('To +1 (555) 010-9999 and a@b.example failed with 21211')).toBe('To <number …99> and <email> failed with 21211');
});

describe('quiet hours (22:00–08:00 in the candidate zone)', () => {
  const quiet = { start: '22:00', end: '08:00' };
  const tz = 'Asia/Shanghai'; // UTC+8, no DST
  const at = (iso: string) => new Date(iso);

  test('a reminder due in the afternoon goes when due', () => {
    const d = quietHoursDecision(at('2026-12-01T07:00:00Z' /* 15:00 local */), at('2026-12-02T02:00:00Z'), quiet, tz);
    expect(d).toEqual({ decision: 'OUTSIDE', sendAt: at('2026-12-01T07:00:00Z') });
  });

  test('a reminder due at 23:00 local moves to 08:00 local when the interview starts at 10:00', () => {
    const d = quietHoursDecision(at('2026-12-01T15:00:00Z' /* 23:00 */), at('2026-12-02T02:00:00Z' /* 10:00 */), quiet, tz);
    expect(d).toMatchObject({ decision: 'DEFERRED', sendAt: at('2026-12-02T00:00:00Z') });
  });

  test('a reminder due at 03:00 local moves to 08:00 the same morning', () => {
    const d = quietHoursDecision(at('2026-12-01T19:00:00Z' /* 03:00 on the 2nd */), at('2026-12-02T03:00:00Z'), quiet, tz);
    expect(d).toMatchObject({ decision: 'DEFERRED', sendAt: at('2026-12-02T00:00:00Z') });
  });

  test('a reminder due at 06:00 local for a 07:30 interview goes on time: the end of the night is after the start', () => {
    const d = quietHoursDecision(at('2026-12-01T22:00:00Z' /* 06:00 */), at('2026-12-01T23:30:00Z' /* 07:30 */), quiet, tz);
    expect(d).toMatchObject({ decision: 'ON_TIME', sendAt: at('2026-12-01T22:00:00Z'), quietEndsAt: at('2026-12-02T00:00:00Z') });
  });

  test('a daytime quiet window (13:00–14:00) works too, and no zone or no policy means no quiet hours', () => {
    const lunch = { start: '13:00', end: '14:00' };
    expect(quietHoursDecision(at('2026-12-01T05:30:00Z' /* 13:30 */), at('2026-12-01T09:00:00Z'), lunch, tz)).toMatchObject({
      decision: 'DEFERRED',
      sendAt: at('2026-12-01T06:00:00Z'),
    });
    expect(quietHoursDecision(at('2026-12-01T15:00:00Z'), at('2026-12-02T02:00:00Z'), quiet, null).decision).toBe('OUTSIDE');
    expect(quietHoursDecision(at('2026-12-01T15:00:00Z'), at('2026-12-02T02:00:00Z'), null, tz).decision).toBe('OUTSIDE');
  });
});

describe('providersConfig', () => {
  test('no provider variables: both channels use the outbox, webhooks refuse, default rates', () => {
    expect(providersConfig({})).toEqual({
      twilio: null,
      sendgrid: null,
      twilioWebhook: null,
      sendgridWebhook: null,
      rates: { smsPerSecond: 10, emailPerSecond: 50 },
    });
  });

  test('Twilio credentials with a Messaging Service turn SMS on; the callback URL defaults to the public URL', () => {
    const c = providersConfig({
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'token',
      TWILIO_MESSAGING_SERVICE_SID: 'MG123',
      TURNOUT_PUBLIC_URL: 'https://turnout.example.test/',
      SMS_RATE_PER_SECOND: '2.5',
    });
    expect(c.twilio).toMatchObject({
      sender: { messagingServiceSid: 'MG123' },
      statusCallbackUrl: 'https://turnout.example.test/v1/webhooks/twilio/status',
      apiBaseUrl: undefined,
    });
    expect(c.twilioWebhook).toEqual({ authToken: 'token', statusCallbackUrl: 'https://turnout.example.test/v1/webhooks/twilio/status' });
    expect(c.rates.smsPerSecond).toBe(2.5);
  });

  test("the API's webhook settings do not depend on the worker's (an API process with only the auth token and key)", () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const env = { TWILIO_AUTH_TOKEN: 'token', SENDGRID_WEBHOOK_PUBLIC_KEY: key, TWILIO_ACCOUNT_SID: 'AC1' };
    // The worker's reader refuses this (no sender); the API's does not need one.
    expect(() => providersConfig(env)).toThrow('TWILIO_FROM_NUMBER');
    expect(providerWebhooksConfig(env)).toEqual({
      twilioWebhook: { authToken: 'token', statusCallbackUrl: 'http://127.0.0.1:3000/v1/webhooks/twilio/status' },
      sendgridWebhook: { publicKey: key },
    });
  });

  test('a SendGrid verification key that is not an ECDSA P-256 public key stops start-up naming the variable', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    for (const bad of ['MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE', 'not a key', rsa]) {
      expect(() => providerWebhooksConfig({ SENDGRID_WEBHOOK_PUBLIC_KEY: bad })).toThrow('SENDGRID_WEBHOOK_PUBLIC_KEY');
    }
  });

  test.each([
    [{ TWILIO_ACCOUNT_SID: 'AC1' }, 'TWILIO_AUTH_TOKEN'],
    [{ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' }, 'TWILIO_FROM_NUMBER'],
    [{ TWILIO_ACCOUNT_SID: 'XX1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM_NUMBER: '+15550100' }, 'TWILIO_ACCOUNT_SID'],
    [{ SENDGRID_API_KEY: 'SG.x' }, 'SENDGRID_FROM_EMAIL'],
    [{ SMS_RATE_PER_SECOND: '0' }, 'SMS_RATE_PER_SECOND'],
    [{ EMAIL_RATE_PER_SECOND: 'fast' }, 'EMAIL_RATE_PER_SECOND'],
  ])('half a configuration is an error naming the variable: %o', (env, variable) => {
    expect(() => providersConfig(env)).toThrow(ConfigError);
    expect(() => providersConfig(env)).toThrow(variable);
  });
});

test('without verification keys the webhooks answer 503 and touch nothing', async () => {
  // No database or Temporal behind it: a request that got past the check would fail loudly.
  const app = await buildApp({
    prisma: {} as never,
    temporalClient: {} as never,
    temporalConnection: {} as never,
    temporal: temporalConfig(),
    secrets: secretsConfig(),
    api: { ...apiConfig(), logLevel: 'fatal' },
    providerWebhooks: { twilioWebhook: null, sendgridWebhook: null },
  });
  const twilioRes = await app.inject({
    method: 'POST',
    url: '/v1/webhooks/twilio/status',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
    payload: 'MessageSid=SM1&MessageStatus=delivered',
  });
  expect(twilioRes.statusCode).toBe(503);
  expect(twilioRes.json().error.code).toBe('webhook_not_configured');
  const sendgridRes = await app.inject({ method: 'POST', url: '/v1/webhooks/sendgrid/events', headers: { 'content-type': 'application/json' }, payload: '[]' });
  expect(sendgridRes.statusCode).toBe(503);
  await app.close();
});
