/**
 * The HR console's session: kept server-side in PostgreSQL (ConsoleSession),
 * with only its signed id in an HttpOnly, SameSite=Lax cookie. Lax, not
 * Strict: the identity provider sends the browser back to the callback as a
 * cross-site navigation, and a Strict cookie would not come along. Secure
 * over https, and always in production, where the cookie also carries the
 * __Host- prefix (no Domain, Path=/, Secure: no sibling host can set it).
 *
 * A session ends when it has not been used for the idle timeout or when its
 * lifetime since sign-in has passed, whichever comes first, and at sign-out
 * (its row is deleted, so a copied cookie is dead too). Each sign-in gets a
 * new session id. Writes authenticated by the cookie need the session's CSRF
 * token in `x-csrf-token` (@fastify/csrf-protection keeps its secret in the
 * session); GET /v1/session hands the token to the console.
 *
 * Every scope that reads the session (HR's, the console's sign-in routes)
 * registers it with `registerConsoleSession`, so no other route parses the
 * cookie or touches the table.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import session, { type SessionStore } from '@fastify/session';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, hkdfSync } from 'node:crypto';
import type { ConsoleConfig } from '../lib/config';
import type { ConsoleLocale } from '../lib/console-links';
import { sweepConsoleLinks } from '../lib/console-links';
import type { Prisma, PrismaClient } from '../lib/database';
import type { HrClaims } from '../lib/hr-token';
import { ApiError } from './errors';

/** Who is signed in: the HR claims every HR route uses, and the name the identity provider gave, if any. */
export interface ConsoleUser extends HrClaims {
  name?: string;
}

export type SignInMethod = 'oidc' | 'console-link';

/** A sign-in on its way through the identity provider (between /login and /callback). */
export interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** Where the console goes after sign-in (a path under /console). */
  returnTo: string;
  startedAt: number;
}

declare module 'fastify' {
  interface Session {
    user?: ConsoleUser;
    via?: SignInMethod;
    locale?: ConsoleLocale | null;
    /** Milliseconds since the epoch; JSON survives the store's round trip. */
    signedInAt?: number;
    lastSeenAt?: number;
    pending?: PendingSignIn;
    _csrf?: string;
  }
}

/** A sign-in that has not come back from the identity provider within this is abandoned. */
export const PENDING_SIGN_IN_MS = 10 * 60_000;
/** Expired rows are deleted at most this often per API process. */
const SWEEP_EVERY_MS = 10 * 60_000;

export interface ConsoleSessions {
  config: ConsoleConfig;
  store: SessionStore;
  cookieName: string;
  /** Signs the cookie's session id (derived from TURNOUT_MASTER_KEY). */
  cookieSecret: string;
}

/**
 * Production's cookie is `__Host-turnout_console`; elsewhere plain
 * `turnout_console`, because a browser drops a __Host- cookie that is not
 * Secure, and a local run speaks plain http.
 */
export function consoleCookieName(config: Pick<ConsoleConfig, 'secureCookie'>): string {
  return config.secureCookie ? '__Host-turnout_console' : 'turnout_console';
}

export function createConsoleSessions(prisma: PrismaClient, config: ConsoleConfig, masterKey: Buffer): ConsoleSessions {
  const secret = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'turnout console session cookie', 32)).toString('hex');
  return { config, store: prismaSessionStore(prisma, config), cookieName: consoleCookieName(config), cookieSecret: secret };
}

/** When a stored session stops being usable: its idle or its lifetime end, or a pending sign-in's end. */
export function sessionExpiry(data: { user?: unknown; signedInAt?: number; lastSeenAt?: number }, config: ConsoleConfig, now: number): number {
  if (!data.user || data.signedInAt === undefined) return now + PENDING_SIGN_IN_MS;
  return Math.min((data.lastSeenAt ?? data.signedInAt) + config.idleTimeoutMs, data.signedInAt + config.lifetimeMs);
}

const idHash = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');

/** @fastify/session's store over the ConsoleSession table. */
export function prismaSessionStore(prisma: PrismaClient, config: ConsoleConfig): SessionStore {
  let lastSweep = 0;
  async function sweep(now: number): Promise<void> {
    if (now - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now;
    await prisma.consoleSession.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
    await sweepConsoleLinks(prisma, new Date(now));
  }
  return {
    set(sessionId, data, callback) {
      const now = Date.now();
      // A JSON round trip: what PostgreSQL keeps is what a later request gets back.
      const json = JSON.parse(JSON.stringify(data)) as Prisma.InputJsonValue;
      const expiresAt = new Date(sessionExpiry(data, config, now));
      const key = idHash(sessionId);
      sweep(now)
        .then(() => prisma.consoleSession.upsert({ where: { idHash: key }, create: { idHash: key, data: json, expiresAt }, update: { data: json, expiresAt } }))
        .then(() => callback(), callback);
    },
    get(sessionId, callback) {
      prisma.consoleSession.findUnique({ where: { idHash: idHash(sessionId) } }).then((row) => {
        if (row === null || row.expiresAt.getTime() <= Date.now()) return callback(null, null);
        callback(null, row.data as never);
      }, callback);
    },
    destroy(sessionId, callback) {
      prisma.consoleSession.deleteMany({ where: { idHash: idHash(sessionId) } }).then(() => callback(), callback);
    },
  };
}

/** The CSRF token travels in `x-csrf-token`; a plain HTML form (sign-out) may send it as the `_csrf` field. */
function csrfTokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = req.body as Record<string, unknown> | undefined;
  const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  return isForm && typeof body?._csrf === 'string' ? body._csrf : undefined;
}

/** Cookie, session and CSRF plugins for the scope that calls it (and its children only). */
export async function registerConsoleSession(app: FastifyInstance, sessions: ConsoleSessions): Promise<void> {
  await app.register(cookie);
  await app.register(session, {
    secret: sessions.cookieSecret,
    cookieName: sessions.cookieName,
    store: sessions.store,
    // Nothing is stored, and no cookie set, for a request that puts nothing in its session (every bearer call).
    saveUninitialized: false,
    // The idle timeout is kept server-side (lastSeenAt): no write and no Set-Cookie on every request.
    rolling: false,
    // No Expires: the cookie lasts until the browser closes, the session until the server ends it.
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: sessions.config.secureCookie ? true : 'auto' },
  });
  // A refused token is an answer (403), not an incident: logged at info.
  await app.register(csrf, { sessionPlugin: '@fastify/session', getToken: csrfTokenOf, logLevel: 'info' });
}

/** How often a busy session's last use is written: often enough that the idle timeout holds to within a minute. */
function touchEveryMs(config: ConsoleConfig): number {
  return Math.min(60_000, Math.floor(config.idleTimeoutMs / 30));
}

function clearSessionCookie(reply: FastifyReply, sessions: ConsoleSessions): void {
  reply.clearCookie(sessions.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: sessions.config.secureCookie });
}

/**
 * The request's signed-in console user. A session past its idle timeout or
 * lifetime is ended here (its row deleted, the cookie cleared); none at all
 * is 401 `no_session`, one that has ended is 401 `session_ended`.
 */
export async function consoleUser(req: FastifyRequest, reply: FastifyReply, sessions: ConsoleSessions): Promise<ConsoleUser> {
  const s = req.session;
  const hadCookie = typeof req.cookies?.[sessions.cookieName] === 'string';
  if (!s?.user || s.signedInAt === undefined) {
    if (hadCookie) {
      clearSessionCookie(reply, sessions);
      throw new ApiError(401, 'session_ended', 'the console session has ended (idle too long, past its lifetime, or signed out): sign in again');
    }
    throw new ApiError(401, 'no_session', 'no console session: sign in at /console/auth/login or with a console link');
  }
  const now = Date.now();
  if (now >= sessionExpiry(s, sessions.config, now)) {
    await s.destroy();
    clearSessionCookie(reply, sessions);
    throw new ApiError(401, 'session_ended', 'the console session has ended (idle too long, past its lifetime, or signed out): sign in again');
  }
  if (now - (s.lastSeenAt ?? s.signedInAt) >= touchEveryMs(sessions.config)) s.lastSeenAt = now;
  return s.user;
}

/**
 * Starts a signed-in session: a new session id (a session fixed by someone
 * else before sign-in is dropped with whatever it held), then who it is.
 */
export async function startConsoleSession(
  req: FastifyRequest,
  user: ConsoleUser,
  via: SignInMethod,
  locale: ConsoleLocale | null,
): Promise<void> {
  await req.session.regenerate();
  const now = Date.now();
  req.session.user = user;
  req.session.via = via;
  req.session.locale = locale;
  req.session.signedInAt = now;
  req.session.lastSeenAt = now;
}

/** Sign-out: the row goes, so the cookie is dead wherever a copy of it is. */
export async function endConsoleSession(req: FastifyRequest, reply: FastifyReply, sessions: ConsoleSessions): Promise<void> {
  if (req.session) await req.session.destroy();
  clearSessionCookie(reply, sessions);
}

/** When a signed-in session ends at the latest, however busy (its lifetime). */
export function sessionEndsAt(req: FastifyRequest, sessions: ConsoleSessions): Date {
  return new Date((req.session.signedInAt ?? Date.now()) + sessions.config.lifetimeMs);
}
