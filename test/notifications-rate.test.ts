/**
 * Provider rate limits: SMS sends run on their own task queue, whose rate the
 * Temporal server enforces across every worker polling it
 * (maxTaskQueueActivitiesPerSecond), so a burst of confirmations reaches
 * Twilio paced by SMS_RATE_PER_SECOND instead of all at once.
 */
import { randomBytes } from 'node:crypto';
import { transportsFromConfig } from '../activities/messaging/providers';
import { providersConfig } from '../lib/config';
import { TwilioStandIn } from '../dev/standins/twilio';
import { confirmedEvent, createTestTenant, postEvent, startHarness, until, type Harness } from './support/harness';

const twilioApi = new TwilioStandIn();
const SMS_PER_SECOND = 1;
const savedQueue = process.env.TEMPORAL_TASK_QUEUE;

let h: Harness;
beforeAll(async () => {
  await twilioApi.start();
  // A task queue of this file's own: the limit it sets must not slow other files' sends, nor theirs reset it.
  process.env.TEMPORAL_TASK_QUEUE = `${savedQueue}-rate-${randomBytes(3).toString('hex')}`;
  const providers = providersConfig({
    TWILIO_ACCOUNT_SID: twilioApi.accountSid,
    TWILIO_AUTH_TOKEN: twilioApi.authToken,
    TWILIO_FROM_NUMBER: '+15005550006',
    TWILIO_API_BASE_URL: twilioApi.url,
    SMS_RATE_PER_SECOND: String(SMS_PER_SECOND),
  });
  const { transport } = transportsFromConfig(providers, () => undefined);
  h = await startHarness({ transport, messageRates: providers.rates });
});
afterAll(async () => {
  await h?.close();
  await twilioApi.close();
  process.env.TEMPORAL_TASK_QUEUE = savedQueue;
});

test(`a burst of confirmations is paced by the SMS task queue's limit (SMS_RATE_PER_SECOND=${SMS_PER_SECOND}), not sent at once`, async () => {
  const tenant = await createTestTenant(h, { reminderOffsets: [], grace: 'PT1H', annotationWindow: 'P1D', quietHours: null, channels: ['sms'] });
  const burst = 6;
  const events = Array.from({ length: burst }, () => confirmedEvent({ channels: ['sms'], startsAt: new Date(Date.now() + 3600_000) }));
  const answers = await Promise.all(events.map((e) => postEvent(h, tenant, e)));
  expect(answers.map((a) => a.statusCode)).toEqual(Array(burst).fill(202));

  await until(() => twilioApi.sends().length === burst, 30_000, `${burst} SMS at the stand-in`);
  const times = twilioApi.sends().map((r) => r.at);
  const spanMs = times[times.length - 1]! - times[0]!;
  // Unlimited, this burst reaches the stand-in within about a second (the workflows start one by one).
  // The server enforces the rate per task queue partition (the dev server has 4, each holding a
  // quarter of it), so a few sends go at once and the rest wait for their partition's next token.
  expect(spanMs).toBeGreaterThanOrEqual(2500);
  expect(times.filter((t) => t < times[0]! + 1000).length).toBeLessThan(burst);
  expect(twilioApi.accepted).toHaveLength(burst);
}, 60_000);
