import { createHmac } from 'node:crypto';
import { safeEqualHex } from './secrets';

/**
 * A candidate's self-service link carries a token bound to one interview:
 * "<base64url payload>.<hex HMAC>", keyed by a key derived from the master key
 * so it cannot be confused with any other signature Turnout makes.
 */
export interface SelfServiceClaims {
  /** Turnout's interview id. */
  iid: string;
  /** Expiry, unix seconds. */
  exp: number;
}

const TOKEN_LIFETIME_S = 30 * 24 * 3600;

function tokenKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('turnout/self-service/v1').digest();
}

export function issueSelfServiceToken(masterKey: Buffer, interviewId: string, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ iid: interviewId, exp: Math.floor(now / 1000) + TOKEN_LIFETIME_S })).toString('base64url');
  return `${payload}.${createHmac('sha256', tokenKey(masterKey)).update(payload).digest('hex')}`;
}

export type TokenCheck = { ok: true; claims: SelfServiceClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function verifySelfServiceToken(masterKey: Buffer, token: string, now = Date.now()): TokenCheck {
  const [payload, sig] = token.split('.');
  if (!payload || !sig || !/^[0-9a-f]{64}$/.test(sig)) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', tokenKey(masterKey)).update(payload).digest('hex');
  if (!safeEqualHex(expected, sig)) return { ok: false, reason: 'bad_signature' };
  let claims: SelfServiceClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SelfServiceClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims.iid !== 'string' || typeof claims.exp !== 'number') return { ok: false, reason: 'malformed' };
  if (claims.exp * 1000 < now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
