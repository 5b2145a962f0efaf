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
  /** The SMS, or an e-mail's plain-text part. */
  body: string;
  /** An e-mail's HTML part. */
  html?: string;
  /** An e-mail's attachments (the calendar invite). */
  attachments?: Attachment[];
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface SentMessage {
  transport: string;
  providerMessageId: string;
}

export interface MessageTransport {
  /**
   * Hands the message to the provider. Throws a ProviderError (errors.ts)
   * saying whether a retry can help; anything else thrown counts as transient.
   */
  send(message: OutgoingMessage): Promise<SentMessage>;
  /**
   * Looks for a message this transport already handed over for the same
   * notification at or after `since` (the send activity asks on a retry whose
   * earlier attempt may have reached the provider). Undefined when the
   * provider has no cheap way to tell, or found none.
   */
  findSent?(message: OutgoingMessage, since: Date): Promise<SentMessage | undefined>;
}

/**
 * One transport per channel behind the MessageTransport shape: SMS may go to
 * Twilio while e-mail still goes to the outbox, each chosen by its own
 * credentials (see transportsFromConfig in providers.ts).
 */
export function channelTransport(byChannel: Record<string, MessageTransport>): MessageTransport {
  const pick = (channel: string): MessageTransport => {
    const t = byChannel[channel];
    if (!t) throw new Error(`no transport for channel "${channel}"`);
    return t;
  };
  return {
    send: (message) => pick(message.channel).send(message),
    findSent: async (message, since) => pick(message.channel).findSent?.(message, since),
  };
}

/** Masks contact details for logs: an operator sees which message, not whose number. */
export function maskAddress(to: string): string {
  const at = to.indexOf('@');
  if (at > 0) return `${to[0]}***${to.slice(at)}`;
  return to.length > 4 ? `${'*'.repeat(to.length - 4)}${to.slice(-4)}` : '****';
}
