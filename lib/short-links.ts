import { createHash, createHmac } from 'node:crypto';

/**
 * Short self-service links, `<public URL>/s/<code>`, the ones messages carry.
 *
 * A code is 96 bits (16 base64url characters, so the path `/s/<code>` is 19
 * characters: a Chinese SMS is billed per 70). It is the HMAC of the
 * message's notification id under a key derived from the master key: as
 * unguessable as a random code to anyone without that key, and the same on
 * every retry of the same send, so a resent message (and Twilio's look-up
 * of what it already sent, which compares bodies) carries the same link.
 * The database keeps only the code's SHA-256 (SelfServiceLink.codeHash), so
 * a copy of it opens nothing.
 */
export const SHORT_CODE_LENGTH = 16;
const SHORT_CODE = /^[A-Za-z0-9_-]{16}$/;

function codeKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('turnout/short-link/v1').digest();
}

export function shortLinkCode(masterKey: Buffer, notificationId: string): string {
  return createHmac('sha256', codeKey(masterKey)).update(notificationId).digest('base64url').slice(0, SHORT_CODE_LENGTH);
}

export function isShortCode(text: string): boolean {
  return SHORT_CODE.test(text);
}

export function hashShortCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

export function shortLinkUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/s/${code}`;
}

/** What the send activity needs to put a short link in a message. */
export interface ShortLinks {
  publicUrl: string;
  masterKey: Buffer;
}
