/**
 * A stand-in of Twilio's Messages API (2010-04-01): POST and GET
 * …/Accounts/{sid}/Messages.json, with a fresh account, auth token and
 * messaging service; plus Twilio's request signature, implemented from its
 * documentation rather than with the validator under test.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { StandIn, type AcceptedMessage, type RecordedRequest, type Scripted } from './http-standin';

/** Twilio's error body for a refused request. */
export function twilioError(status: number, code: number, message = 'refused by the stand-in'): Scripted {
  return { status, body: { code, message, more_info: `https://example.test/docs/errors/${code}`, status } };
}

export class TwilioStandIn extends StandIn {
  readonly accountSid = `AC${randomBytes(16).toString('hex')}`;
  readonly authToken = randomBytes(16).toString('hex');
  readonly messagingServiceSid = `MG${randomBytes(16).toString('hex')}`;

  private get messagesPath(): string {
    return `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
  }

  protected authorised(r: RecordedRequest): boolean {
    return r.headers.authorization === `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
  }

  protected authError(): unknown {
    return { code: 20003, message: 'Authenticate', status: 401 };
  }

  protected isSend(r: RecordedRequest): boolean {
    return r.method === 'POST' && r.path === this.messagesPath;
  }

  form(r: RecordedRequest): Record<string, string> {
    return Object.fromEntries(new URLSearchParams(r.body));
  }

  protected accept(r: RecordedRequest): AcceptedMessage {
    const form = this.form(r);
    const m = { id: `SM${randomBytes(16).toString('hex')}`, at: Date.now(), to: form.To ?? '', body: form.Body ?? '', request: form };
    this.accepted.push(m);
    return m;
  }

  private resource(m: AcceptedMessage, status = 'queued') {
    const form = m.request as Record<string, string>;
    return {
      sid: m.id,
      account_sid: this.accountSid,
      messaging_service_sid: form.MessagingServiceSid ?? null,
      from: form.From ?? null,
      to: m.to,
      body: m.body,
      status,
      direction: 'outbound-api',
      num_segments: '1',
      date_created: new Date(m.at).toUTCString().replace('GMT', '+0000'),
      date_updated: new Date(m.at).toUTCString().replace('GMT', '+0000'),
      date_sent: null,
      error_code: null,
      error_message: null,
      api_version: '2010-04-01',
      uri: `${this.messagesPath.slice(0, -'.json'.length)}/${m.id}.json`,
    };
  }

  protected answerAccepted(m: AcceptedMessage, res: ServerResponse): void {
    this.json(res, 201, this.resource(m));
  }

  /** GET Messages.json?To=…: the account's messages to that number, newest first. */
  protected other(r: RecordedRequest, res: ServerResponse): void {
    if (r.method !== 'GET' || r.path !== this.messagesPath) return this.json(res, 404, { code: 20404, message: 'Not found', status: 404 });
    const to = r.query.get('To');
    const size = Number(r.query.get('PageSize') ?? 50);
    const messages = this.accepted
      .filter((m) => !to || m.to === to)
      .sort((a, b) => b.at - a.at)
      .slice(0, size)
      .map((m) => this.resource(m, 'sent'));
    this.json(res, 200, {
      messages,
      first_page_uri: `${this.messagesPath}?PageSize=${size}&Page=0`,
      next_page_uri: null,
      previous_page_uri: null,
      page: 0,
      page_size: size,
      start: 0,
      end: messages.length - 1,
      uri: `${this.messagesPath}?PageSize=${size}&Page=0`,
    });
  }

  /** Look-ups the transport made (GET Messages.json). */
  lookups(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET');
  }
}

/**
 * Twilio's request signature (X-Twilio-Signature): base64 HMAC-SHA1 with the
 * auth token over the full URL followed by each POST parameter's name and
 * value, sorted by name.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}
