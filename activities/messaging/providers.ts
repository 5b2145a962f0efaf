/**
 * The worker's transport, chosen per channel by the credentials that are set
 * (lib/config.ts providersConfig): Twilio for SMS, SendGrid for e-mail, the
 * outbox for a channel without credentials.
 */
import type { ProvidersConfig } from '../../lib/config';
import { createOutboxTransport } from './outbox-transport';
import { createSendGridTransport } from './sendgrid-transport';
import { channelTransport, type MessageTransport } from './transport';
import { createTwilioTransport } from './twilio-transport';

export function transportsFromConfig(
  config: Pick<ProvidersConfig, 'twilio' | 'sendgrid'>,
  log: (line: string, fields: Record<string, unknown>) => void,
): { transport: MessageTransport; chosen: Record<'sms' | 'email', string> } {
  const outbox = createOutboxTransport(log);
  const sms = config.twilio ? createTwilioTransport(config.twilio) : outbox;
  const email = config.sendgrid ? createSendGridTransport(config.sendgrid) : outbox;
  return {
    transport: channelTransport({ sms, email }),
    chosen: { sms: config.twilio ? 'twilio' : 'outbox', email: config.sendgrid ? 'sendgrid' : 'outbox' },
  };
}
