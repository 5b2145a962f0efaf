/**
 * Local stand-ins of the provider APIs the real SDKs talk to in tests: an
 * HTTP server on 127.0.0.1 per provider that answers like the provider,
 * records every request with its arrival time, and can be told how to answer
 * the next sends (an error status, a hang past the client's timeout, an
 * acceptance whose answer is lost). Plus the providers' webhook signing
 * schemes, implemented from their documentation rather than with the
 * validators under test.
 *
 * - Twilio Messages API (2010-04-01): POST and GET …/Accounts/{sid}/Messages.json
 * - SendGrid v3 Mail Send: POST /v3/mail/send
 */
import { createHmac, generateKeyPairSync, randomBytes, sign as ecdsaSign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** Arrival time, ms since the epoch. */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the stand-in answers one send instead of its normal acceptance. */
export type Scripted =
  /** Refuse with this status and provider error body. */
  | { status: number; body?: unknown }
  /** Accept the message, but answer only after `ms` (past the client's timeout). */
  | { acceptAfterMs: number }
  /** Accept the message, run `beforeDrop`, then cut the connection: the answer is lost. */
  | { acceptThenDrop: true; beforeDrop?: (accepted: AcceptedMessage) => Promise<void> };

export interface AcceptedMessage {
  id: string;
  at: number;
  to: string;
  body: string;
  /** The full request as the provider would read it (form fields or JSON). */
  request: Record<string, unknown>;
}

abstract class StandIn {
  readonly requests: RecordedRequest[] = [];
  readonly accepted: AcceptedMessage[] = [];
  /** Consumed one per send, in order; an empty script accepts. */
  script: Scripted[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.accepted.length = 0;
    this.script = [];
  }

  /** Send requests (not look-ups), in arrival order. */
  sends(): RecordedRequest[] {
    return this.requests.filter((r) => this.isSend(r));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://stand-in');
    const recorded: RecordedRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    res.on('error', () => undefined);
    try {
      if (!this.authorised(recorded)) return this.json(res, 401, this.authError());
      if (!this.isSend(recorded)) return this.other(recorded, res);
      const step = this.script.shift();
      if (step && 'status' in step) return this.json(res, step.status, step.body ?? {});
      const message = this.accept(recorded);
      if (step && 'acceptAfterMs' in step) {
        await new Promise((r) => setTimeout(r, step.acceptAfterMs));
        if (!res.destroyed) this.answerAccepted(message, res);
        return;
      }
      if (step && 'acceptThenDrop' in step) {
        await step.beforeDrop?.(message);
        req.socket.destroy();
        return;
      }
      this.answerAccepted(message, res);
    } catch (err) {
      if (!res.headersSent) this.json(res, 500, { message: String(err) });
    }
  }

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  }

  protected abstract authorised(r: RecordedRequest): boolean;
  protected abstract authError(): unknown;
  protected abstract isSend(r: RecordedRequest): boolean;
  protected abstract accept(r: RecordedRequest): AcceptedMessage;
  protected abstract answerAccepted(m: AcceptedMessage, res: ServerResponse): void;
  protected abstract other(r: RecordedRequest, res: ServerResponse): void;
}

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

export function sendgridError(status: number, message = 'refused by the stand-in', field: string | null = null): Scripted {
  return { status, body: { errors: [{ message, field, help: null }] } };
}

export class SendGridStandIn extends StandIn {
  readonly apiKey = `SG.${randomBytes(8).toString('hex')}.${randomBytes(16).toString('hex')}`;

  protected authorised(r: RecordedRequest): boolean {
    return r.headers.authorization === `Bearer ${this.apiKey}`;
  }

  protected authError(): unknown {
    return { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] };
  }

  protected isSend(r: RecordedRequest): boolean {
    return r.method === 'POST' && r.path === '/v3/mail/send';
  }

  json_(r: RecordedRequest): Record<string, unknown> {
    return JSON.parse(r.body) as Record<string, unknown>;
  }

  protected accept(r: RecordedRequest): AcceptedMessage {
    const mail = this.json_(r) as { personalizations: { to: { email: string }[] }[]; content: { value: string }[] };
    const m = {
      id: randomBytes(11).toString('base64url'),
      at: Date.now(),
      to: mail.personalizations[0]?.to[0]?.email ?? '',
      body: mail.content[0]?.value ?? '',
      request: mail as unknown as Record<string, unknown>,
    };
    this.accepted.push(m);
    return m;
  }

  protected answerAccepted(m: AcceptedMessage, res: ServerResponse): void {
    res.writeHead(202, { 'x-message-id': m.id });
    res.end();
  }

  protected other(_r: RecordedRequest, res: ServerResponse): void {
    this.json(res, 404, { errors: [{ message: 'not found', field: null, help: null }] });
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

/** One SendGrid event for an accepted e-mail, as the event webhook posts it (custom args at the top level). */
export function sendgridEvent(m: AcceptedMessage, event: string, extra: Record<string, unknown> = {}) {
  const customArgs = (m.request as { custom_args?: Record<string, string> }).custom_args ?? {};
  return {
    email: m.to,
    timestamp: Math.floor(Date.now() / 1000),
    event,
    sg_event_id: `ev-${event}-${m.id}`,
    sg_message_id: `${m.id}.filterdrecv-5645d9c87f-abcde-1-0`,
    ...customArgs,
    ...extra,
  };
}

/**
 * SendGrid's signed event webhook: ECDSA (P-256, SHA-256) over the timestamp
 * header followed by the raw body; the signature is base64 DER, and the
 * verification key SendGrid shows is the base64 DER of the public key.
 */
export class SendGridSigner {
  private readonly privateKey: KeyObject;
  readonly publicKeyBase64: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = privateKey;
    this.publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }

  headers(rawBody: string, timestamp = String(Math.floor(Date.now() / 1000))): Record<string, string> {
    const signature = ecdsaSign('sha256', Buffer.from(timestamp + rawBody), this.privateKey).toString('base64');
    return {
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': timestamp,
    };
  }
}

/** Waits until `predicate` holds, polling; for stand-in request counts. */
export async function until(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
