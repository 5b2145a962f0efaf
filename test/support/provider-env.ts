/**
 * Points the product's provider configuration (the environment variables it
 * reads at start) at the local stand-ins for one test file, and puts the
 * environment back afterwards. The worker's transport and the API's webhook
 * checks then come from the same configuration the product reads.
 */
import { transportsFromConfig } from '../../activities/messaging/providers';
import type { MessageTransport } from '../../activities/messaging/transport';
import { providersConfig } from '../../lib/config';
import type { SendGridSigner, SendGridStandIn } from '../../dev/standins/sendgrid';
import type { TwilioStandIn } from '../../dev/standins/twilio';

export const STANDIN_CALLBACK_URL = 'https://turnout.example.test/v1/webhooks/twilio/status';

const KEYS = [
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_MESSAGING_SERVICE_SID',
  'TWILIO_STATUS_CALLBACK_URL',
  'TWILIO_API_BASE_URL',
  'SENDGRID_API_KEY',
  'SENDGRID_FROM_EMAIL',
  'SENDGRID_API_BASE_URL',
  'SENDGRID_WEBHOOK_PUBLIC_KEY',
  'PROVIDER_TIMEOUT_MS',
] as const;

export interface StandInEnvironment {
  /** The transport the worker builds from that configuration (Twilio for SMS, SendGrid for e-mail). */
  transport: MessageTransport;
  restore(): void;
}

export function useStandIns(
  stand: { twilio: TwilioStandIn; sendgrid: SendGridStandIn; signer: SendGridSigner },
  extra: Partial<Record<(typeof KEYS)[number], string>> = {},
): StandInEnvironment {
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  Object.assign(process.env, {
    TWILIO_ACCOUNT_SID: stand.twilio.accountSid,
    TWILIO_AUTH_TOKEN: stand.twilio.authToken,
    TWILIO_MESSAGING_SERVICE_SID: stand.twilio.messagingServiceSid,
    TWILIO_STATUS_CALLBACK_URL: STANDIN_CALLBACK_URL,
    TWILIO_API_BASE_URL: stand.twilio.url,
    SENDGRID_API_KEY: stand.sendgrid.apiKey,
    SENDGRID_FROM_EMAIL: 'reminders@turnout.example.test',
    SENDGRID_API_BASE_URL: stand.sendgrid.url,
    SENDGRID_WEBHOOK_PUBLIC_KEY: stand.signer.publicKeyBase64,
    ...extra,
  });
  const { transport, chosen } = transportsFromConfig(providersConfig(), () => undefined);
  if (chosen.sms !== 'twilio' || chosen.email !== 'sendgrid') {
    throw new Error(`the stand-in configuration chose ${JSON.stringify(chosen)}, not Twilio and SendGrid`);
  }
  return {
    transport,
    restore() {
      for (const k of KEYS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    },
  };
}
