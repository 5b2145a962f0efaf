/**
 * Signing in to the HR console from a test, through the product's own
 * routes: a one-time console link minted as `turnout console-link` mints it,
 * opened with `inject`, then GET /v1/session for the CSRF token. What comes
 * back is what a browser would hold: the cookie pair and the token.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { consoleLinkUrl, mintConsoleLink, type ConsoleLocale } from '../../lib/console-links';
import type { PrismaClient } from '../../lib/database';
import type { HrClaims } from '../../lib/hr-token';

/** TLS ends at a proxy in front: with trustProxy, Fastify takes the request as https. */
export const OVER_HTTPS = { 'x-forwarded-proto': 'https' };

export interface ConsoleSignIn {
  /** `name=value` of the session cookie, for a `cookie` header. */
  cookie: string;
  csrfToken: string;
}

/** Every Set-Cookie of an answer. */
export function setCookies(res: LightMyRequestResponse): string[] {
  const raw = res.headers['set-cookie'];
  return Array.isArray(raw) ? raw : raw ? [raw] : [];
}

/** The Set-Cookie line of the console session cookie, or undefined. */
export function sessionSetCookie(res: LightMyRequestResponse): string | undefined {
  return setCookies(res).find((c) => /^(__Host-)?turnout_console=/.test(c));
}

/** `name=value` of a Set-Cookie line. */
export const cookiePair = (setCookie: string) => setCookie.split(';', 1)[0]!;

/** Mints a console link for `claims` and returns its path (what follows the public URL). */
export async function consoleLinkPath(prisma: PrismaClient, claims: HrClaims, opts: { locale?: ConsoleLocale; now?: Date } = {}): Promise<string> {
  const { code } = await mintConsoleLink(prisma, { claims, locale: opts.locale ?? null, createdBy: 'test' }, opts.now);
  return new URL(consoleLinkUrl('http://turnout.test', code)).pathname;
}

/** Signs in as `claims` through a console link and reads the session's CSRF token. */
export async function signInWithConsoleLink(
  app: FastifyInstance,
  prisma: PrismaClient,
  claims: HrClaims,
  opts: { locale?: ConsoleLocale; headers?: Record<string, string> } = {},
): Promise<ConsoleSignIn> {
  const headers = opts.headers ?? OVER_HTTPS;
  const opened = await app.inject({ method: 'GET', url: await consoleLinkPath(prisma, claims, opts), headers });
  const setCookie = sessionSetCookie(opened);
  if (opened.statusCode !== 303 || !setCookie) throw new Error(`console link sign-in failed: ${opened.statusCode} ${opened.body}`);
  const cookie = cookiePair(setCookie);
  const session = await app.inject({ method: 'GET', url: '/v1/session', headers: { ...headers, cookie } });
  if (session.statusCode !== 200) throw new Error(`GET /v1/session failed: ${session.statusCode} ${session.body}`);
  return { cookie, csrfToken: (session.json() as { csrfToken: string }).csrfToken };
}
