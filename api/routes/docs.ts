/**
 * GET /docs: the API reference people read (Swagger UI, served from the
 * installed package: no CDN, works offline); GET /docs/json: the OpenAPI
 * document it shows, generated from the same route schemas that validate
 * requests (and /docs/yaml, the same in YAML). The UI's own routes are left
 * out of the document it shows.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The UI's pages only: its scripts and styles from here, its document from
 * here, nothing from elsewhere (no validator badge, no fonts from a CDN).
 * Swagger UI sets style attributes from its scripts, hence 'unsafe-inline' for styles only.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const docsRoutes: FastifyPluginAsync = async (app) => {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    // Off: Swagger UI would otherwise send the document to an online validator.
    validatorUrl: false,
    // BaseLayout: no top bar (its "explore another URL" box and logo are of no use here).
    uiConfig: { layout: 'BaseLayout', deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0, tryItOutEnabled: false },
    theme: { title: 'Turnout API' },
  });
};

export default docsRoutes;
