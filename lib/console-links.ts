/**
 * One-time HR console sign-in links (`npx turnout console-link`), the
 * embedded default when no identity provider is configured: a random code in
 * `<public URL>/console/auth/link/<code>`, valid for ten minutes and for one
 * sign-in. Only the code's SHA-256 is stored, so the table never holds a link
 * that works; the first use marks the row used in one conditional update, so
 * two browsers racing for the same link cannot both sign in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from './database';
import { hrClaims, type HrClaims } from './hr-token';

export const CONSOLE_LINK_TTL_MS = 10 * 60_000;

/** The console's languages; a session remembers the one its link or provider named. */
export const CONSOLE_LOCALES = ['en', 'zh-CN'] as const;
export type ConsoleLocale = (typeof CONSOLE_LOCALES)[number];

/** 24 random bytes: 192 bits, 32 characters of base64url. */
const CODE_BYTES = 24;
const CODE_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export function consoleLinkCodeHash(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

export function consoleLinkUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console/auth/link/${code}`;
}

export interface MintedConsoleLink {
  code: string;
  expiresAt: Date;
}

export async function mintConsoleLink(
  prisma: PrismaClient,
  link: { claims: HrClaims; locale: ConsoleLocale | null; createdBy: string },
  now: Date = new Date(),
): Promise<MintedConsoleLink> {
  const claims = hrClaims(link.claims);
  const code = randomBytes(CODE_BYTES).toString('base64url');
  const expiresAt = new Date(now.getTime() + CONSOLE_LINK_TTL_MS);
  await prisma.consoleLink.create({
    data: {
      codeHash: consoleLinkCodeHash(code),
      sub: claims.sub,
      role: claims.role,
      groupId: claims.groupId,
      subsidiaryId: claims.subsidiaryId ?? null,
      locale: link.locale,
      createdBy: link.createdBy,
      createdAt: now,
      expiresAt,
    },
  });
  return { code, expiresAt };
}

export type ConsumedConsoleLink =
  | { ok: true; claims: HrClaims; locale: ConsoleLocale | null }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Uses the link up (once) and returns whom it signs in, or why it cannot. */
export async function consumeConsoleLink(prisma: PrismaClient, code: string, now: Date = new Date()): Promise<ConsumedConsoleLink> {
  if (!CODE_PATTERN.test(code)) return { ok: false, reason: 'unknown' };
  const codeHash = consoleLinkCodeHash(code);
  const taken = await prisma.consoleLink.updateMany({
    where: { codeHash, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  const row = await prisma.consoleLink.findUnique({ where: { codeHash } });
  if (row === null) return { ok: false, reason: 'unknown' };
  if (taken.count === 0) return { ok: false, reason: row.usedAt !== null ? 'used' : 'expired' };
  return {
    ok: true,
    claims: hrClaims({ sub: row.sub, role: row.role, groupId: row.groupId, subsidiaryId: row.subsidiaryId ?? undefined }),
    locale: (CONSOLE_LOCALES as readonly string[]).includes(row.locale ?? '') ? (row.locale as ConsoleLocale) : null,
  };
}

/** Links past their ten minutes are dead either way; a day later their rows go. */
export async function sweepConsoleLinks(prisma: PrismaClient, now: Date = new Date()): Promise<number> {
  const { count } = await prisma.consoleLink.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 86_400_000) } } });
  return count;
}
