/**
 * HR's scope: interviews, records, disputes, the group policy, reports and
 * the console's own session, for an HR user with a bearer JWT (machines,
 * scripts) or the HR console's session cookie (api/console-session.ts). Its
 * hook resolves `request.hr` from either — the bearer token when an
 * Authorization header is sent (issuer, audience, expiry, HS256 pinned), else
 * the session — charges that subject's rate-limit budget, and answers 403
 * when the role is not one the route names in `config.hrRoles` (api/roles.ts).
 *
 * A write authenticated by the cookie also needs the session's CSRF token in
 * `x-csrf-token` (403 without it or with a wrong one): a browser sends the
 * cookie on its own, a bearer token only when a program puts it there, so
 * bearer calls are not subject to CSRF.
 */
import type { FastifyPluginAsync, FastifyRequest, FastifySchema, onRouteHookHandler } from 'fastify';
import type { SecretsConfig } from '../../lib/config';
import { verifyHrToken, type HrClaims, type HrRole } from '../../lib/hr-token';
import { consoleUser, registerConsoleSession } from '../console-session';
import { ApiError } from '../errors';
import { idempotentWrites } from '../idempotency';
import { authenticateThenCharge } from '../plugins/rate-limit';
import alertsRoutes from '../routes/alerts';
import attendanceRoutes from '../routes/attendance';
import candidatesRoutes from '../routes/candidates';
import disputesRoutes from '../routes/disputes';
import interviewsRoutes from '../routes/interviews';
import policyRoutes from '../routes/policy';
import reportsRoutes from '../routes/reports';
import sessionRoutes from '../routes/session';
import webhookEndpointsRoutes from '../routes/webhook-endpoints';
import { documentScope } from './document';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified HR identity (bearer token or console session); set in the HR scope only. */
    hr: HrClaims | null;
    /** How `hr` was proved: the console session's writes need the CSRF token. */
    hrVia: 'bearer' | 'session' | null;
  }
  interface FastifyContextConfig {
    /** The roles that may call an HR route (api/roles.ts); every HR route names them. */
    hrRoles?: readonly HrRole[];
    /** 'session': only the console session is accepted (GET /v1/session); default: a bearer token or the session. */
    hrAuthentication?: 'session';
    /**
     * The route changes the whole group (its policy, a person's data in every
     * subsidiary): a token narrowed to one subsidiary is refused (403), whatever its role.
     */
    groupWide?: true;
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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the OpenAPI document says of every HR route: who may call it, and the CSRF header on writes. */
const documentAuthentication: onRouteHookHandler = (route) => {
  const sessionOnly = route.config?.hrAuthentication === 'session';
  const schema: FastifySchema = route.schema ?? {};
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const writes = methods.some((m) => !SAFE_METHODS.has(m));
  const headers = (schema.headers as { type?: string; properties?: Record<string, unknown> } | undefined) ?? { type: 'object' };
  route.schema = {
    ...schema,
    security: sessionOnly ? [{ consoleSession: [] }] : [{ hrBearer: [] }, { consoleSession: [] }],
    ...(writes
      ? {
          headers: {
            ...headers,
            properties: {
              ...headers.properties,
              'x-csrf-token': { type: 'string', description: 'The console session\'s CSRF token (GET /v1/session); required when the console session cookie authenticates the call, not with a bearer token' },
            },
          },
        }
      : {}),
  };
};

const hrScope: FastifyPluginAsync = async (app) => {
  const { secrets, consoleSessions } = app.turnout;
  await registerConsoleSession(app, consoleSessions);
  app.decorateRequest('hr', null);
  app.decorateRequest('hrVia', null);
  app.addHook('onRoute', (route) => {
    if (!route.config?.hrRoles?.length) throw new Error(`${route.method} ${route.url}: an HR route names the roles that may call it (config.hrRoles)`);
  });
  app.addHook('onRoute', documentScope({ rateLimited: true }));
  app.addHook('onRoute', documentAuthentication);
  app.addHook('preValidation', async (req, reply) => {
    await authenticateThenCharge(req, reply, async () => {
      const sessionOnly = req.routeOptions.config.hrAuthentication === 'session';
      if (!sessionOnly && req.headers.authorization !== undefined) {
        req.hr = await verifyHrBearer(req, secrets);
        req.hrVia = 'bearer';
        return;
      }
      if (!sessionOnly && !req.cookies?.[consoleSessions.cookieName]) {
        throw new ApiError(401, 'missing_token', 'Authorization: Bearer <token> (or the console session cookie) is required');
      }
      const user = await consoleUser(req, reply, consoleSessions);
      req.hr = { sub: user.sub, role: user.role, groupId: user.groupId, ...(user.subsidiaryId ? { subsidiaryId: user.subsidiaryId } : {}) };
      req.hrVia = 'session';
    });
  });
  // Callback style: @fastify/csrf-protection answers a failed check itself (through the error handler).
  app.addHook('preValidation', (req, reply, done) => {
    if (req.hrVia !== 'session' || SAFE_METHODS.has(req.method)) return done();
    if (typeof req.headers['x-csrf-token'] !== 'string') {
      return done(new ApiError(403, 'csrf_token_missing', 'a write through the console session needs x-csrf-token (GET /v1/session gives it)'));
    }
    app.csrfProtection(req, reply, done);
  });
  app.addHook('preValidation', async (req) => {
    const { role, subsidiaryId } = req.hr!;
    if (!req.routeOptions.config.hrRoles!.includes(role)) throw new ApiError(403, 'forbidden', `role ${role} may not do this`);
    if (req.routeOptions.config.groupWide && subsidiaryId !== undefined) {
      throw new ApiError(403, 'forbidden', 'this changes the whole group: a token narrowed to one subsidiary may not do it');
    }
  });

  // Writes take an Idempotency-Key, per HR subject in a group, once the caller is known.
  idempotentWrites(app, {
    prisma: app.turnout.prisma,
    at: 'preHandler',
    scopeOf: (req) => `hr:${req.hr!.groupId}:${req.hr!.sub}`,
    inProgressMs: Math.max(60_000, 3 * app.turnout.api.temporalTimeoutMs),
  });

  await app.register(interviewsRoutes);
  await app.register(attendanceRoutes);
  await app.register(candidatesRoutes);
  await app.register(disputesRoutes);
  await app.register(policyRoutes);
  await app.register(reportsRoutes);
  await app.register(sessionRoutes);
  await app.register(alertsRoutes);
  await app.register(webhookEndpointsRoutes);
};

export default hrScope;
