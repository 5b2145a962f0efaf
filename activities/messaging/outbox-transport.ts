import type { MessageTransport, OutgoingMessage, SentMessage } from './transport';
import { maskAddress } from './transport';

/**
 * The default transport when no provider credentials are set: the message body
 * is kept on its notification row (the outbox) by the send activity, and a
 * masked line goes to the log, so the product runs on a fresh machine.
 */
export function createOutboxTransport(log: (line: string, fields: Record<string, unknown>) => void): MessageTransport {
  return {
    async send(message: OutgoingMessage): Promise<SentMessage> {
      log('message written to outbox', {
        notificationId: message.notificationId,
        channel: message.channel,
        to: maskAddress(message.to),
      });
      return { transport: 'outbox', providerMessageId: `outbox-${message.notificationId}` };
    },
  };
}
