/**
 * The candidate's scope: the self-service link (`/v1/self-service/:token…`).
 * `:token` is either a signed token bound to one interview (valid 30 days) or
 * the code of a short link from a message (`/s/<code>`, bound to one
 * interview and one attempt; what it still opens: domain/self-service.ts).
 * Its hook verifies either and resolves `request.link`, the interview it
 * opens and what it allows. A link names an interview, not a client, so
 * candidates are counted by address under the anonymous rate limit, charged
 * before anything else.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { PrismaClient } from '../../lib/database';
import { verifySelfServiceToken } from '../../lib/self-service-token';
import { hashShortCode, isShortCode } from '../../lib/short-links';
import { isUpcoming } from '../../domain/interview';
import { durationMs, resolvePolicy } from '../../domain/policy';
import { contestUntil, shortLinkState, type ShortLinkState } from '../../domain/self-service';
import { ApiError } from '../errors';
import { idempotentWrites } from '../idempotency';
import disputesRoutes from '../routes/self-service-disputes';
import selfServiceRoutes from '../routes/self-service';
import { documentScope } from './document';

const includeForLink = { position: true, subsidiary: true, candidate: true } as const;

async function loadInterview(prisma: PrismaClient, id: string) {
  const interview = await prisma.interview.findUnique({ where: { id }, include: includeForLink });
  if (!interview) throw new ApiError(404, 'interview_not_found', 'this interview no longer exists');
  return interview;
}

type LinkedInterview = Awaited<ReturnType<typeof loadInterview>>;

export interface LinkCaller {
  interview: LinkedInterview;
  via: 'token' | 'code';
  /** The attempt the link is for: the code's own, or the interview's current one for a token. */
  attempt: number;
  /** Whether the link may still cancel or move the interview (the workflow still decides). */
  canChange: boolean;
  /** For a code: what it opens now; a token opens the interview as it is. */
  state: ShortLinkState | null;
  /** For a code whose attempt has a classified record: until when it may be contested. */
  contestUntil: Date | null;
}

/** A short link's code: found by its hash, then judged by what its attempt left (domain/self-service.ts). */
export async function openShortLink(prisma: PrismaClient, code: string, now = Date.now()): Promise<LinkCaller | null> {
  const link = await prisma.selfServiceLink.findUnique({ where: { codeHash: hashShortCode(code) } });
  if (!link) return null;
  const interview = await loadInterview(prisma, link.interviewId);
  const record = await prisma.noShowRecord.findUnique({
    where: { interviewId_attempt: { interviewId: interview.id, attempt: link.attempt } },
    include: { dispute: true },
  });
  const disputeWindowMs = durationMs(resolvePolicy(interview.policy).disputeWindow, 'disputeWindow');
  const live = record && record.sweptAt === null ? record : null;
  const state = shortLinkState({ attempt: link.attempt, interview, record: live, disputeWindowMs, now });
  return {
    interview,
    via: 'code',
    attempt: link.attempt,
    canChange: state === 'open',
    state,
    contestUntil: live?.classifiedAt ? contestUntil(live.classifiedAt, disputeWindowMs) : null,
  };
}

async function openLink(prisma: PrismaClient, masterKey: Buffer, token: string): Promise<LinkCaller> {
  if (isShortCode(token)) {
    const opened = await openShortLink(prisma, token);
    if (!opened) throw new ApiError(401, 'invalid_link', 'this link is not valid');
    if (opened.state === 'expired') throw new ApiError(401, 'link_expired', 'this link has expired; ask the recruiter for a new one');
    if (opened.state === 'used') {
      throw new ApiError(410, 'link_used', 'this link was for an interview that is over (cancelled, attended or moved); the latest message has the current link');
    }
    return opened;
  }
  const check = verifySelfServiceToken(masterKey, token);
  if (!check.ok) {
    throw check.reason === 'expired'
      ? new ApiError(401, 'link_expired', 'this link has expired; ask the recruiter for a new one')
      : new ApiError(401, 'invalid_link', 'this link is not valid');
  }
  const interview = await loadInterview(prisma, check.claims.iid);
  return { interview, via: 'token', attempt: interview.attempt, canChange: isUpcoming(interview.status), state: null, contestUntil: null };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the verified self-service link opens; set in the link scope only. */
    link: LinkCaller | null;
  }
}

const linkScope: FastifyPluginAsync = async (app) => {
  const { prisma, secrets } = app.turnout;
  app.decorateRequest('link', null);
  app.addHook('onRoute', (route) => {
    if (!route.url.includes('/:token')) throw new Error(`${route.method} ${route.url}: a self-service route carries the link's :token`);
  });
  app.addHook('onRoute', documentScope({ rateLimited: true }));
  app.addHook('onRequest', app.chargeCaller);
  // Keys belong to the link; looked up before the link is judged, so a retry of a
  // change that used the link up (a cancellation) still gets its first outcome.
  idempotentWrites(app, {
    prisma,
    at: 'preValidation',
    scopeOf: (req) => `link:${createHash('sha256').update((req.params as { token: string }).token).digest('hex')}`,
    inProgressMs: Math.max(60_000, 3 * app.turnout.api.temporalTimeoutMs),
  });
  app.addHook('preValidation', async (req) => {
    // Every route here has :token in its path (checked above); it is text until validation.
    req.link = await openLink(prisma, secrets.masterKey, (req.params as { token: string }).token);
  });

  await app.register(selfServiceRoutes);
  await app.register(disputesRoutes);
};

export default linkScope;
