/**
 * SMS through Twilio's Messages API with the official SDK.
 *
 * Duplicates: Twilio's Messages API has no idempotency key, so a message
 * handed to Twilio whose answer was lost (a timeout, a worker killed between
 * Twilio's 201 and the notification row being marked SENT) could go out twice
 * on the activity's retry. Two things close most of that window:
 * - findSent: on a retry of a message already attempted, the transport lists
 *   the recipient's recent messages (one GET, only on such retries) and takes
 *   one created since the first attempt with the very same body as sent;
 * - each message's StatusCallback URL names its notification, so Twilio's
 *   first receipt (queued/sent) records the message SID on the row even when
 *   the worker never learnt it, and the retry then sees the row acknowledged.
 * What remains: Twilio accepted the message, the answer was lost, and the
 * listing does not show it yet (Twilio's list API is eventually consistent
 * for a few seconds) while no receipt has arrived either — a retry within
 * those seconds of a crash can send a second SMS.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { TwilioConfig } from '../../lib/config';
import { classifyTwilioError } from './errors';
import type { MessageTransport, OutgoingMessage, SentMessage } from './transport';

/**
 * The SDK's own request client with every request sent to another origin:
 * the SDK's supported hook (custom httpClient) for a proxy or a local stand-in.
 * Unset TWILIO_API_BASE_URL and the SDK's default client is used as it is.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: URL,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
  }

  override request<T>(opts: RequestClient.RequestOptions<T>) {
    const original = new URL(opts.uri ?? '');
    const target = new URL(`${this.baseUrl.pathname.replace(/\/+$/, '')}${original.pathname}${original.search}`, this.baseUrl);
    return super.request<T>({ ...opts, uri: target.href });
  }
}

/** The URL Twilio posts this message's receipts to: the notification id rides along, covered by the signature. */
export function statusCallbackFor(config: Pick<TwilioConfig, 'statusCallbackUrl'>, notificationId: string): string {
  const u = new URL(config.statusCallbackUrl);
  u.searchParams.set('notification', notificationId);
  return u.href;
}

export function createTwilioTransport(config: TwilioConfig): MessageTransport {
  const httpClient = config.apiBaseUrl
    ? new BaseUrlRequestClient(new URL(config.apiBaseUrl), { timeout: config.timeoutMs, keepAlive: true })
    : undefined;
  // Twilio's own 429 auto-retry stays off: Temporal's retry policy is the one place that waits and retries.
  const client = twilio(config.accountSid, config.authToken, { timeout: config.timeoutMs, autoRetry: false, httpClient });

  return {
    async send(message: OutgoingMessage): Promise<SentMessage> {
      try {
        const created = await client.messages.create({
          to: message.to,
          body: message.body,
          ...('messagingServiceSid' in config.sender ? { messagingServiceSid: config.sender.messagingServiceSid } : { from: config.sender.from }),
          statusCallback: statusCallbackFor(config, message.notificationId),
        });
        return { transport: 'twilio', providerMessageId: created.sid };
      } catch (err) {
        throw classifyTwilioError(err);
      }
    },

    async findSent(message: OutgoingMessage, since: Date): Promise<SentMessage | undefined> {
      // Clocks differ: Twilio's date_created may be a little before our "attempted at".
      const from = since.getTime() - 60_000;
      try {
        const recent = await client.messages.list({ to: message.to, limit: 20 });
        const match = recent.find(
          (m) => m.direction === 'outbound-api' && m.body === message.body && m.dateCreated && m.dateCreated.getTime() >= from,
        );
        return match ? { transport: 'twilio', providerMessageId: match.sid } : undefined;
      } catch (err) {
        throw classifyTwilioError(err);
      }
    },
  };
}
