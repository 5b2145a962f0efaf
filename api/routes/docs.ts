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

/**
 * Swagger UI's colours, darkened to WCAG AA contrast (4.5:1) against their
 * text (the method badges, the version stamps, the document's URL, where a
 * parameter goes), in the same hues, so the page still reads as Swagger UI.
 */
const ACCESSIBLE_CSS = `
.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1f6fc5; }
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #177245; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #9a5200; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #c0261f; }
.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #0d7261; }
.swagger-ui .opblock.opblock-head .opblock-summary-method { background: #7a2fc0; }
.swagger-ui .opblock.opblock-options .opblock-summary-method { background: #0c5a9e; }
.swagger-ui .info .title small { background: #555b66; }
.swagger-ui .info .title small.version-stamp { background: #3f6300; }
.swagger-ui .btn.authorize { color: #177245; border-color: #177245; }
.swagger-ui .parameter__in, .swagger-ui .parameter__deprecated { color: #595959; }
.swagger-ui .info .base-url, .swagger-ui .info a.link, .swagger-ui .info .url { color: #1d5ea8; }
/* Examples wrap instead of scrolling: a scrolling box would need a keyboard focus of its own. */
.swagger-ui .microlight { white-space: pre-wrap !important; overflow-wrap: anywhere; overflow: visible !important; max-height: none !important; }
`;

const docsRoutes: FastifyPluginAsync = async (app) => {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    // Off: Swagger UI would otherwise send the document to an online validator.
    validatorUrl: false,
    uiConfig: {
      // BaseLayout: no top bar (its "explore another URL" box and logo are of no use here).
      layout: 'BaseLayout',
      // No deep links: each is a link inside its operation's toggle button, and a control inside a control is lost to screen readers.
      deepLinking: false,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
      // Plain examples: the highlighter's colours (numbers in red on dark grey) fall short of AA contrast.
      syntaxHighlight: false,
    },
    theme: { title: 'Turnout API', css: [{ filename: 'accessible.css', content: ACCESSIBLE_CSS }] },
  });
};

export default docsRoutes;
