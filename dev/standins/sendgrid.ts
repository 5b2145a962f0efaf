/**
 * A stand-in of SendGrid's v3 Mail Send API (POST /v3/mail/send) with a fresh
 * API key; plus the event webhook's events and its ECDSA signature,
 * implemented from SendGrid's documentation rather than with the validator
 * under test.
 */
import { generateKeyPairSync, randomBytes, sign as ecdsaSign, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { StandIn, type AcceptedMessage, type RecordedRequest, type Scripted } from './http-standin';

/** SendGrid's error body for a refused request. */
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
