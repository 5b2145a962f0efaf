import { createHmac } from 'node:crypto';

/**
 * Recognising the same person across a group's subsidiaries without copying
 * contact details between them: each candidate row keeps keyed hashes of its
 * normalised phone and e-mail, and a lookup hashes what HR typed the same way.
 *
 * The hashes are HMAC-SHA256 under a key derived from TURNOUT_MASTER_KEY, so a
 * copy of the database alone cannot confirm a guessed number. Rotating the
 * master key changes every hash: the candidates' rows still hold the contact
 * details (until erasure), so they can be hashed again.
 */

/** E.164: "+", a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * "+86 138 0013 8000", "+86-138-0013-8000", "(+86) 13800138000" and
 * "008613800138000" all become "+8613800138000". Null when what is left is
 * not an E.164 number (a national number without its country code cannot be
 * matched reliably, so it is not guessed at).
 */
export function normalisePhone(raw: string): string | null {
  let s = raw.trim().replace(/[\s\-.()\u00a0]/g, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  return E164.test(s) ? s : null;
}

/**
 * Trimmed and lower-cased, the whole address: the local part is
 * case-sensitive by the letter of the RFC but not in practice. Provider tricks
 * (dots and "+tags" in Gmail) are left alone: they would merge people on a guess.
 */
export function normaliseEmail(raw: string): string | null {
  const s = raw.trim().normalize('NFC').toLowerCase();
  const at = s.lastIndexOf('@');
  if (at < 1 || at === s.length - 1 || /\s/.test(s)) return null;
  return s;
}

/** The hashing key, derived from the master key for this one purpose. */
export function identityKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('turnout/identity/v1').digest();
}

function keyedHash(key: Buffer, kind: 'phone' | 'email', normalised: string): string {
  return createHmac('sha256', key).update(`${kind}:${normalised}`).digest('hex');
}

export function phoneHash(key: Buffer, raw: string): string | null {
  const n = normalisePhone(raw);
  return n === null ? null : keyedHash(key, 'phone', n);
}

export function emailHash(key: Buffer, raw: string): string | null {
  const n = normaliseEmail(raw);
  return n === null ? null : keyedHash(key, 'email', n);
}

/** The columns a candidate row keeps (null where a value does not normalise). */
export function candidateIdentity(key: Buffer, contact: { phone: string; email: string }): { phoneHash: string | null; emailHash: string | null } {
  return { phoneHash: phoneHash(key, contact.phone), emailHash: emailHash(key, contact.email) };
}
