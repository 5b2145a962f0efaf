/**
 * The candidate's scope: the self-service link (`/v1/self-service/:token…`),
 * a signed token bound to one interview. Its hook verifies the token and
 * resolves `request.link`, the interview it opens. A link names an interview,
 * not a client, so candidates are counted by address under the anonymous
 * rate limit, charged before anything else.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { PrismaClient } from '../../lib/database';
import { verifySelfServiceToken } from '../../lib/self-service-token';
import { ApiError } from '../errors';
import disputesRoutes from '../routes/self-service-disputes';
import selfServiceRoutes from '../routes/self-service';
import { documentScope } from './document';

async function openLink(prisma: PrismaClient, masterKey: Buffer, token: string) {
  const check = verifySelfServiceToken(masterKey, token);
  if (!check.ok) {
    throw check.reason === 'expired'
      ? new ApiError(401, 'link_expired', 'this link has expired; ask the recruiter for a new one')
      : new ApiError(401, 'invalid_link', 'this link is not valid');
  }
  const interview = await prisma.interview.findUnique({ where: { id: check.claims.iid }, include: { position: true } });
  if (!interview) throw new ApiError(404, 'interview_not_found', 'this interview no longer exists');
  return { interview };
}

export type LinkCaller = Awaited<ReturnType<typeof openLink>>;

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
  app.addHook('preValidation', async (req) => {
    // Every route here has :token in its path (checked above); it is text until validation.
    req.link = await openLink(prisma, secrets.masterKey, (req.params as { token: string }).token);
  });

  await app.register(selfServiceRoutes);
  await app.register(disputesRoutes);
};

export default linkScope;
