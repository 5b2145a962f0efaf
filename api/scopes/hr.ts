/**
 * HR's scope: interviews, records, disputes, the group policy and reports,
 * for an HR user with a bearer JWT. Its hook verifies the token (issuer,
 * audience, expiry, HS256 pinned), resolves `request.hr`, charges that
 * subject's rate-limit budget, and answers 403 when the token's role is not
 * one the route names in `config.hrRoles` (api/roles.ts).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { SecretsConfig } from '../../lib/config';
import { verifyHrToken, type HrClaims, type HrRole } from '../../lib/hr-token';
import { ApiError } from '../errors';
import { authenticateThenCharge } from '../plugins/rate-limit';
import attendanceRoutes from '../routes/attendance';
import candidatesRoutes from '../routes/candidates';
import disputesRoutes from '../routes/disputes';
import interviewsRoutes from '../routes/interviews';
import policyRoutes from '../routes/policy';
import reportsRoutes from '../routes/reports';
import { documentScope } from './document';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified HR token's claims; set in the HR scope only. */
    hr: HrClaims | null;
  }
  interface FastifyContextConfig {
    /** The roles that may call an HR route (api/roles.ts); every HR route names them. */
    hrRoles?: readonly HrRole[];
  }
}

/** The bearer token's claims, or a 401 saying whether it is missing, expired or not valid. */
export async function verifyHrBearer(req: FastifyRequest, secrets: SecretsConfig): Promise<HrClaims> {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ')) throw new ApiError(401, 'missing_token', 'Authorization: Bearer <token> is required');
  try {
    return await verifyHrToken(secrets, auth.slice('Bearer '.length).trim());
  } catch (err) {
    const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
    throw new ApiError(401, expired ? 'token_expired' : 'invalid_token', expired ? 'the token has expired' : 'the token is not valid');
  }
}

const hrScope: FastifyPluginAsync = async (app) => {
  const { secrets } = app.turnout;
  app.decorateRequest('hr', null);
  app.addHook('onRoute', (route) => {
    if (!route.config?.hrRoles?.length) throw new Error(`${route.method} ${route.url}: an HR route names the roles that may call it (config.hrRoles)`);
  });
  app.addHook('onRoute', documentScope({ security: [{ hrBearer: [] }], rateLimited: true }));
  app.addHook('preValidation', async (req, reply) => {
    await authenticateThenCharge(req, reply, async () => {
      req.hr = await verifyHrBearer(req, secrets);
    });
    const { role } = req.hr!;
    if (!req.routeOptions.config.hrRoles!.includes(role)) throw new ApiError(403, 'forbidden', `role ${role} may not do this`);
  });

  await app.register(interviewsRoutes);
  await app.register(attendanceRoutes);
  await app.register(candidatesRoutes);
  await app.register(disputesRoutes);
  await app.register(policyRoutes);
  await app.register(reportsRoutes);
};

export default hrScope;
