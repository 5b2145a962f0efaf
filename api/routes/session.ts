/**
 * The console's own session: who is signed in and the CSRF token the console
 * sends on every write (GET /v1/session), and the language it remembers
 * (PATCH). Only the console session authenticates here; a bearer token has no
 * session to show (api/scopes/hr.ts, hrAuthentication).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionEndsAt } from '../console-session';
import { GROUP_ADMIN_ROLES, HR_READ_ROLES, HR_WRITE_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import { SessionPatch, SessionView } from '../schemas/session';

const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { consoleSessions } = app.turnout;
  const config = { hrRoles: HR_READ_ROLES, hrAuthentication: 'session' as const };

  function view(req: FastifyRequest, reply: FastifyReply) {
    const s = req.session;
    const user = s.user!;
    return {
      sub: user.sub,
      role: user.role,
      groupId: user.groupId,
      subsidiaryId: user.subsidiaryId ?? null,
      name: user.name ?? null,
      locale: s.locale ?? null,
      signedInVia: s.via ?? 'console-link',
      signedInAt: new Date(s.signedInAt!).toISOString(),
      expiresAt: sessionEndsAt(req, consoleSessions).toISOString(),
      csrfToken: reply.generateCsrf(),
      // The policy routes take a whole-group token only (their config.groupWide).
      may: { write: HR_WRITE_ROLES.includes(user.role), groupPolicy: GROUP_ADMIN_ROLES.includes(user.role) && !user.subsidiaryId },
    };
  }

  app.get(
    '/session',
    {
      schema: { tags: ['console'], summary: 'Who is signed in to the HR console, and the CSRF token for writes', response: { 200: SessionView, '4xx': ErrorBody } },
      config,
    },
    async (req, reply) => view(req, reply),
  );

  app.patch(
    '/session',
    {
      schema: { tags: ['console'], summary: 'Remember the console language for this session', body: SessionPatch, response: { 200: SessionView, '4xx': ErrorBody } },
      config,
    },
    async (req, reply) => {
      req.session.locale = req.body.locale;
      return view(req, reply);
    },
  );
};

export default sessionRoutes;
