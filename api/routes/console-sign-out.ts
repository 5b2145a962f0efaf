/**
 * POST /console/auth/logout: ends the console session (its row is deleted,
 * the cookie cleared) and sends the browser to /console. A live session's
 * sign-out needs its CSRF token, in `x-csrf-token` or a form's `_csrf` field,
 * so no other site can sign HR out; with no live session there is nothing to
 * protect and the answer is the same redirect.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditEntry } from '../audit';
import { endConsoleSession } from '../console-session';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';
import { REDIRECT } from './console-sign-in';

const consoleSignOutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, consoleSessions } = app.turnout;

  app.post(
    '/console/auth/logout',
    {
      schema: {
        tags: ['console'],
        summary: 'Sign out of the HR console',
        response: {
          303: { ...REDIRECT, description: 'Signed out: on to /console (the cookie cleared)' },
          403: { ...ErrorBody, description: 'The session is live and the CSRF token is missing or wrong' },
          '4xx': ErrorBody,
        },
      },
      preHandler: (req, reply, done) => {
        if (!req.session?.user) return done();
        const token = req.headers['x-csrf-token'] ?? (req.body as Record<string, unknown> | undefined)?._csrf;
        if (token === undefined) return done(new ApiError(403, 'csrf_token_missing', 'signing out needs the session\'s CSRF token in x-csrf-token (or the form field _csrf)'));
        app.csrfProtection(req, reply, done);
      },
    },
    async (req, reply) => {
      const user = req.session?.user;
      await endConsoleSession(req, reply, consoleSessions);
      if (user) {
        await auditEntry(prisma, req, {
          actorType: 'hr',
          actorId: user.sub,
          action: 'console.sign_out',
          groupId: user.groupId,
          subsidiaryId: user.subsidiaryId ?? null,
          payload: {},
        });
      }
      return reply.redirect('/console', 303);
    },
  );
};

export default consoleSignOutRoutes;
