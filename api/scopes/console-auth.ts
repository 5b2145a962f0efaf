/**
 * The HR console's sign-in routes under /console/auth/: sign-in through the
 * installation's identity provider (login, callback; api/routes/console-oidc.ts),
 * through a one-time console link (link/<code>), and sign-out. A person's
 * browser navigates to these, so failures are short pages, not JSON. Callers
 * are anonymous until signed in: each request counts against its address's
 * rate limit, before the session is even looked up.
 */
import type { FastifyPluginAsync } from 'fastify';
import { registerConsoleSession } from '../console-session';
import consoleLinkRoutes from '../routes/console-link';
import consoleOidcRoutes from '../routes/console-oidc';
import consoleSignOutRoutes from '../routes/console-sign-out';
import { documentScope } from './document';

const consoleAuthScope: FastifyPluginAsync = async (app) => {
  app.addHook('onRoute', documentScope({ rateLimited: true }));
  app.addHook('onRequest', async (req, reply) => app.chargeCaller(req, reply));
  await registerConsoleSession(app, app.turnout.consoleSessions);
  // The sign-out form posts urlencoded (its CSRF token in `_csrf`); only this scope reads forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  await app.register(consoleLinkRoutes);
  await app.register(consoleOidcRoutes);
  await app.register(consoleSignOutRoutes);
};

export default consoleAuthScope;
