/**
 * E-mail through SendGrid's v3 Mail Send API with the official SDK
 * (@sendgrid/mail on its own @sendgrid/client, so the API key and base URL
 * are this transport's, not a process-wide singleton's).
 *
 * Duplicates: Mail Send has no idempotency key either. Each message carries
 * its notification id as a custom arg, which SendGrid copies into every event
 * it posts to the event webhook, so a receipt finds its notification row even
 * when the worker died before recording SendGrid's message id — and a retry
 * then finds the row acknowledged and does not send again. SendGrid's only way
 * to look a message up (the Email Activity API) is a paid add-on limited to a
 * few calls a minute, so this transport has no findSent: a retry within the
 * seconds between SendGrid's 202 being lost and its first event ("processed")
 * arriving can send a second e-mail.
 */
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { NOTIFICATION_ARG } from '../../domain/receipts';
import type { SendGridConfig } from '../../lib/config';
import { classifySendGridError } from './errors';
import type { MessageTransport, OutgoingMessage, SentMessage } from './transport';

export function createSendGridTransport(config: SendGridConfig): MessageTransport {
  const client = new Client();
  client.setApiKey(config.apiKey);
  // setApiKey sets the SDK's default host; an override (stand-in, proxy) comes after it.
  if (config.apiBaseUrl) client.setDefaultRequest('baseUrl', `${config.apiBaseUrl}/`);
  const mail = new MailService();
  mail.setClient(client);
  mail.setTimeout(config.timeoutMs);

  return {
    async send(message: OutgoingMessage): Promise<SentMessage> {
      try {
        const [response] = await mail.send({
          to: message.to,
          from: config.from,
          subject: message.subject,
          text: message.body,
          ...(message.html ? { html: message.html } : {}),
          ...(message.attachments?.length
            ? {
                attachments: message.attachments.map((a) => ({
                  filename: a.filename,
                  type: a.contentType,
                  content: Buffer.from(a.content, 'utf8').toString('base64'),
                  disposition: 'attachment',
                })),
              }
            : {}),
          customArgs: { [NOTIFICATION_ARG]: message.notificationId },
        });
        const headers = response.headers as Record<string, string | undefined>;
        // SendGrid answers 202 with the message's id in X-Message-Id; its events carry it as the prefix of sg_message_id.
        const id = headers['x-message-id'];
        return { transport: 'sendgrid', providerMessageId: id ?? `sendgrid-${message.notificationId}` };
      } catch (err) {
        throw classifySendGridError(err);
      }
    },
  };
}
