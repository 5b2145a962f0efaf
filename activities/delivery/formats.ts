/**
 * How one delivery is put on the wire, per endpoint format:
 *
 * - standard: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 *   `webhook-signature` from the `standardwebhooks` package), body
 *   `{ type, timestamp, data }`. During a secret rotation's overlap the
 *   signature header carries one signature per valid secret, so a receiver
 *   holding either verifies.
 * - wecom: `{"msgtype":"markdown","markdown":{"content"}}`; the key is in the URL, nothing is signed.
 * - dingtalk: `{"msgtype":"markdown","markdown":{"title","text"}}`; with a
 *   secret, `timestamp` (ms) and `sign` = base64 HMAC-SHA256 of
 *   "<timestamp>\n<secret>" keyed by the secret, as query parameters.
 * - feishu: `{"timestamp"(s),"sign","msg_type":"text","content":{"text"}}`;
 *   with a secret, `sign` = base64 HMAC-SHA256 keyed by "<timestamp>\n<secret>" over nothing.
 *
 * A robot answers 200 even when it refuses: a non-zero `errcode` / `code` in
 * its answer is a failed attempt.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { EndpointFormat } from '../../domain/outbound-events';

export interface WireRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function standardRequest(
  url: string,
  secrets: string[],
  msg: { id: string; type: string; occurredAt: Date; data: unknown },
  now: Date,
): WireRequest {
  const body = JSON.stringify({ type: msg.type, timestamp: msg.occurredAt.toISOString(), data: msg.data });
  const signature = secrets.map((s) => new Webhook(s).sign(msg.id, now, body)).join(' ');
  return {
    url,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': msg.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    },
  };
}

export interface ChatMessage {
  title: string;
  markdown: string;
  text: string;
}

/** DingTalk's signature: base64 HMAC-SHA256 of "<timestamp ms>\n<secret>", keyed by the secret. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** Feishu's signature: base64 HMAC-SHA256 keyed by "<timestamp s>\n<secret>", over an empty message. */
export function feishuSign(secret: string, timestampS: number): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

export function robotRequest(format: Exclude<EndpointFormat, 'standard'>, url: string, secret: string | null, m: ChatMessage, now: Date): WireRequest {
  const headers = { 'content-type': 'application/json' };
  if (format === 'wecom') {
    return { url, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: m.markdown } }) };
  }
  if (format === 'dingtalk') {
    let signed = url;
    if (secret) {
      const ts = now.getTime();
      const u = new URL(url);
      u.searchParams.set('timestamp', String(ts));
      u.searchParams.set('sign', dingtalkSign(secret, ts));
      signed = u.toString();
    }
    return { url: signed, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: m.title, text: m.markdown } }) };
  }
  const ts = Math.floor(now.getTime() / 1000);
  const sign = secret ? { timestamp: String(ts), sign: feishuSign(secret, ts) } : {};
  return { url, headers, body: JSON.stringify({ ...sign, msg_type: 'text', content: { text: m.text } }) };
}

/** A robot's refusal inside a 200: the error code and message, or null when it took the message. */
export function robotRefusal(answer: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const p = parsed as Record<string, unknown>;
  const code = p.errcode ?? p.code ?? p.StatusCode;
  if (code === undefined || code === 0 || code === '0') return null;
  return `robot refused: code ${String(code)}${typeof (p.errmsg ?? p.msg) === 'string' ? ` ${String(p.errmsg ?? p.msg)}` : ''}`.slice(0, 300);
}
