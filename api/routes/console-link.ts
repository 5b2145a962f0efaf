/**
 * GET /console/auth/link/<code>: a one-time console link (`npx turnout
 * console-link`) starts a session as the identity the operator gave it and
 * sends the browser to the console. Used once, or ten minutes after it was
 * minted, it only shows a page saying so.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { consumeConsoleLink } from '../../lib/console-links';
import { auditEntry } from '../audit';
import { startConsoleSession } from '../console-session';
import { NEW_LINK, sendSignInProblem } from '../console-pages';
import { ErrorBody } from '../schemas/common';
import { httpsProblem, HTML_PAGE, HTML_PAGE_OR_ERROR, REDIRECT } from './console-sign-in';

// Any code is looked up (a mangled one is the HTML "not valid" page), so a person never meets a JSON error here.
const LinkParams = Type.Object({ code: Type.String({ minLength: 1, description: 'the code of the link `turnout console-link` printed' }) });

const PROBLEMS = {
  unknown: { status: 404, code: 'link_unknown', en: 'This sign-in link is not valid.', zh: '此登录链接无效。' },
  used: { status: 410, code: 'link_used', en: 'This sign-in link has already been used: each link signs in once.', zh: '此登录链接已被使用：每个链接只能登录一次。' },
  expired: { status: 410, code: 'link_expired', en: 'This sign-in link has expired: a link is valid for 10 minutes.', zh: '此登录链接已过期：链接有效期为 10 分钟。' },
} as const;

const consoleLinkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, consoleSessions } = app.turnout;

  app.get(
    '/console/auth/link/:code',
    {
      schema: {
        tags: ['console'],
        summary: 'Sign in to the HR console with a one-time link',
        params: LinkParams,
        response: {
          303: { ...REDIRECT, description: 'Signed in: on to /console (Set-Cookie: the session)' },
          400: HTML_PAGE_OR_ERROR('Reached over plain http where the console needs https'),
          404: { ...HTML_PAGE, description: 'No such link' },
          410: { ...HTML_PAGE, description: 'The link was used already, or has expired' },
          '4xx': ErrorBody,
        },
      },
    },
    async (req, reply) => {
      // A link checker or preview fetcher asking HEAD must not use the link up.
      if (req.method === 'HEAD') return reply.code(200).type('text/html; charset=utf-8').send();
      const insecure = httpsProblem(req, consoleSessions);
      if (insecure) return sendSignInProblem(reply, insecure);
      const link = await consumeConsoleLink(prisma, req.params.code);
      if (!link.ok) return sendSignInProblem(reply, { ...PROBLEMS[link.reason], next: NEW_LINK });
      await startConsoleSession(req, link.claims, 'console-link', link.locale);
      await auditEntry(prisma, req, {
        actorType: 'hr',
        actorId: link.claims.sub,
        action: 'console.sign_in',
        groupId: link.claims.groupId,
        subsidiaryId: link.claims.subsidiaryId ?? null,
        payload: { via: 'console-link', role: link.claims.role },
      });
      return reply.redirect('/console', 303);
    },
  );
};

export default consoleLinkRoutes;
