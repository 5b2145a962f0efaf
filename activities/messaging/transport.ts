/**
 * A message transport delivers one rendered message. Providers (Twilio,
 * SendGrid) and the outbox transport used when no credentials are set share
 * this shape, so the send activity does not know which one it drives.
 */
export interface OutgoingMessage {
  notificationId: string;
  channel: string;
  to: string;
  subject: string;
  body: string;
}

export interface SentMessage {
  transport: string;
  providerMessageId: string;
}

export interface MessageTransport {
  send(message: OutgoingMessage): Promise<SentMessage>;
}

/** Masks contact details for logs: an operator sees which message, not whose number. */
export function maskAddress(to: string): string {
  const at = to.indexOf('@');
  if (at > 0) return `${to[0]}***${to.slice(at)}`;
  return to.length > 4 ? `${'*'.repeat(to.length - 4)}${to.slice(-4)}` : '****';
}
