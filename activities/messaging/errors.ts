/**
 * What a provider's refusal means for the message, decided in this one place:
 *
 * - permanent: sending the same message again cannot succeed (an invalid or
 *   unsubscribed number, a blocked destination, a malformed request, an
 *   account the provider will not serve). The send activity records the
 *   rejection as evidence and the workflow tries the next channel.
 * - transient: the provider or the network failed this once (5xx, 429, a
 *   timeout, a reset connection). The activity throws and Temporal retries it
 *   with backoff; the notification row keeps the message from going out twice.
 *
 * Anything not recognised is transient: a message delayed by retries can still
 * reach the candidate, a message wrongly written off cannot.
 *
 * Error texts leave this module scrubbed of phone numbers and e-mail addresses
 * (Twilio's messages quote the number): a transient error's message is stored
 * in the workflow history, which carries no personal data.
 */
import { TWILIO_PERMANENT, type FailureReason } from '../../domain/message-failures';

export type FailureKind = 'permanent' | 'transient';

export interface ProviderFailure {
  provider: string;
  kind: FailureKind;
  reason: FailureReason;
  /** The provider's error code (Twilio: 21211 …) or the HTTP status. */
  code?: string;
  httpStatus?: number;
  message: string;
}

/** Thrown by a transport; `failure` says whether trying again can help. */
export class ProviderError extends Error {
  constructor(readonly failure: ProviderFailure) {
    super(`${failure.provider} ${failure.kind} failure (${failure.reason}${failure.code ? `, code ${failure.code}` : ''}): ${failure.message}`);
    // The name becomes the failure type Temporal records for a retried activity.
    this.name = failure.kind === 'permanent' ? 'ProviderRejected' : 'ProviderUnavailable';
  }

  get permanent(): boolean {
    return this.failure.kind === 'permanent';
  }
}

/** Masks phone numbers and e-mail addresses in provider texts. */
export function scrub(text: string): string {
  return text
    .replace(/[^\s"'<>(),;:]+@[^\s"'<>(),;:]+\.[A-Za-z]{2,}/g, '<email>')
    .replace(/\+?\d[\d\s().-]{5,}\d/g, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 7 ? `<number …${digits.slice(-2)}>` : m;
    })
    .slice(0, 500);
}

/** Twilio error codes worth trying again; the permanent ones are in domain/message-failures.ts. */
const TWILIO_TRANSIENT: Record<number, FailureReason> = {
  20429: 'rate_limited', // too many requests
  20500: 'provider_unavailable', // internal server error
  20503: 'provider_unavailable', // service unavailable
};

/** Network and timeout errors as Node and axios (both SDKs' HTTP client) report them. */
const NETWORK_CODES: Record<string, FailureReason> = {
  ECONNABORTED: 'timeout', // axios: the request's timeout elapsed
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ECONNRESET: 'network',
  ECONNREFUSED: 'network',
  EPIPE: 'network',
  ENOTFOUND: 'network',
  EAI_AGAIN: 'network',
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
  ERR_NETWORK: 'network',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'timeout',
};

function byHttpStatus(status: number): { kind: FailureKind; reason: FailureReason } {
  if (status === 429) return { kind: 'transient', reason: 'rate_limited' };
  if (status === 408) return { kind: 'transient', reason: 'timeout' };
  if (status >= 500) return { kind: 'transient', reason: 'provider_unavailable' };
  if (status === 401 || status === 403) return { kind: 'permanent', reason: 'account' };
  if (status >= 400) return { kind: 'permanent', reason: 'rejected' };
  return { kind: 'transient', reason: 'unknown' };
}

function networkFailure(provider: string, err: unknown): ProviderError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const reason = (code && NETWORK_CODES[code]) || 'unknown';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return new ProviderError({ provider, kind: 'transient', reason, code, message: scrub(message) });
}

/** A Twilio SDK error (RestException: `status` and `code`), or a network error. */
export function classifyTwilioError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.status !== 'number') return networkFailure('twilio', err);
  const status = e.status;
  const code = typeof e.code === 'number' ? e.code : undefined;
  const message = scrub(typeof e.message === 'string' ? e.message : `HTTP ${status}`);
  const permanent = code !== undefined ? TWILIO_PERMANENT[code] : undefined;
  const transient = code !== undefined ? TWILIO_TRANSIENT[code] : undefined;
  const byStatus = byHttpStatus(status);
  // The HTTP status wins over the code where they disagree about retrying:
  // a 5xx or 429 is never a verdict on the message itself.
  const overloaded = status === 429 || status === 408 || status >= 500;
  const decided = overloaded
    ? { kind: 'transient' as const, reason: transient ?? byStatus.reason }
    : permanent
      ? { kind: 'permanent' as const, reason: permanent }
      : transient
        ? { kind: 'transient' as const, reason: transient }
        : byStatus;
  return new ProviderError({ provider: 'twilio', ...decided, code: code?.toString(), httpStatus: status, message });
}

/** A SendGrid SDK error (ResponseError: `code` is the HTTP status, `response.body.errors`), or a network error. */
export function classifySendGridError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { code?: unknown; response?: { body?: unknown }; message?: unknown };
  if (typeof e?.code !== 'number' || e.response === undefined) return networkFailure('sendgrid', err);
  const status = e.code;
  const errors = (e.response.body as { errors?: { message?: string; field?: string | null }[] } | undefined)?.errors ?? [];
  const text = errors.map((x) => [x.field, x.message].filter(Boolean).join(': ')).join('; ') || (typeof e.message === 'string' ? e.message : `HTTP ${status}`);
  let decided = byHttpStatus(status);
  // A 400 about the recipient is the e-mail counterpart of an invalid number.
  if (status === 400 && errors.some((x) => /personalizations.*\.to|recipient|email address/i.test(`${x.field ?? ''} ${x.message ?? ''}`))) {
    decided = { kind: 'permanent', reason: 'invalid_recipient' };
  }
  return new ProviderError({ provider: 'sendgrid', ...decided, code: String(status), httpStatus: status, message: scrub(text) });
}
