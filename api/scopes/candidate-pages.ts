/**
 * The candidate's pages at `/s/<code>`, the short links messages carry
 * (api/routes/candidate-page.ts). A person's phone browser navigates here, so
 * answers are HTML in the candidate's language, failures included. Visitors
 * are anonymous: each request counts against its address's rate limit first.
 * Only this scope (and the console's sign-in) reads urlencoded forms.
 */
import type { FastifyPluginAsync } from 'fastify';
import { pickLocale } from '../../domain/local-time';
import { ApiError } from '../errors';
import { documentScope } from './document';
import { renderCandidatePage } from '../pages/candidate-page';
import candidatePageRoutes, { PAGE_CSP } from '../routes/candidate-page';

const FORM_BODY_LIMIT = 16 * 1024;

const candidatePagesScope: FastifyPluginAsync = async (app) => {
  app.addHook('onRoute', documentScope({ rateLimited: true }));
  app.addHook('onRequest', async (req, reply) => app.chargeCaller(req, reply));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err instanceof ApiError ? err.statusCode : (err.statusCode ?? 500);
    if (status >= 500) req.log.error({ err }, 'candidate page failed');
    const locale = pickLocale(req.headers['accept-language'] ?? null);
    reply.header('content-security-policy', PAGE_CSP);
    const problem = status === 429 ? 'too_many' : status >= 500 ? 'try_later' : 'unknown';
    return reply
      .code(status >= 500 ? 503 : status)
      .type('text/html; charset=utf-8')
      .send(renderCandidatePage(locale, null, { kind: 'link', problem: 'invalid' }, { kind: 'problem', problem }));
  });
  await app.register(candidatePageRoutes);
};

export default candidatePagesScope;
