/**
 * The HR console's single-page app at /console: its built files (console/,
 * built by Vite into dist/console by dev/setup.mjs before `npm start` and
 * `npm test`, and by the Dockerfile) under /console/assets/, and index.html
 * for every other path below /console, so that a deep link such as
 * /console/interviews/<id> opens the app, which then routes in the browser.
 * The sign-in routes under /console/auth/ are more specific and stay the API's.
 *
 * The app reaches Turnout through the public API only (/v1, with the session
 * cookie and the CSRF token). Its Content-Security-Policy lets it load its own
 * scripts, styles and fonts and call its own origin, nothing else: no inline
 * script or style, no other origin.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';

export const CONSOLE_BUILD_DIR = join(__dirname, '..', '..', 'dist', 'console');

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Turnout HR console</title></head>
<body><main><h1>Turnout HR console</h1>
<p>The console has not been built on this installation: run <code>npm run build:console</code> (npm start and npm test build it).</p>
<p lang="zh-CN">此安装尚未构建 HR 控制台：请运行 <code>npm run build:console</code>。</p></main></body></html>
`;

const HTML_PAGE = { content: { 'text/html': { schema: { type: 'string' } } } } as const;
const AssetParams = Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9._-]+$', maxLength: 200, description: 'a built file (its name carries its content hash)' }) });
const InterviewPageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200, description: "the platform's interview id" }) });

/**
 * Static files, not rate limited (as the probes are not): a page load is a
 * handful of them, and many HR users may share one office address.
 */
const consoleAppScope: FastifyPluginAsyncTypebox<{ buildDir?: string }> = async (app, opts) => {
  const dir = opts.buildDir ?? CONSOLE_BUILD_DIR;
  const indexFile = join(dir, 'index.html');
  const assets = join(dir, 'assets');
  // Read again while it is missing: a build that finishes after the start is picked up.
  let index: string | null = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : null;

  // sendFile only; the one route below names the files it serves.
  await app.register(fastifyStatic, { root: assets, serve: false });

  app.get(
    '/console/assets/:file',
    {
      schema: {
        tags: ['console'],
        summary: "A file of the HR console's app (script, style sheet, font)",
        params: AssetParams,
        response: { 200: { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string' } } } }, '4xx': ErrorBody },
      },
    },
    async (req, reply) => {
      if (!existsSync(join(assets, req.params.file))) throw new ApiError(404, 'not_found', 'no such console file');
      reply.header('content-security-policy', CONSOLE_CSP);
      // File names carry their content hash: a browser may keep them for good.
      return reply.sendFile(req.params.file, assets, { immutable: true, maxAge: '365d', cacheControl: true });
    },
  );

  const sendIndex = async (_req: unknown, reply: FastifyReply) => {
    if (index === null && existsSync(indexFile)) index = readFileSync(indexFile, 'utf8');
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('cache-control', 'no-cache');
    if (index === null) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type('text/html; charset=utf-8').send(index);
  };
  const page = (summary: string, params?: typeof InterviewPageParams) => ({
    schema: {
      tags: ['console'],
      summary,
      ...(params ? { params } : {}),
      response: {
        200: { ...HTML_PAGE, description: "The console's page; it routes in the browser" },
        503: { ...HTML_PAGE, description: 'The console has not been built' },
        '4xx': ErrorBody,
      },
    },
  });
  app.get('/console', page('The HR console: the queue of interviews that need a decision'), sendIndex);
  app.get('/console/interviews/:id', page('The HR console: one interview, its evidence and the decisions', InterviewPageParams), sendIndex);
  app.get('/console/reports', page('The HR console: reports with charts'), sendIndex);
  app.get('/console/alerts', page('The HR console: HR alerts, read and unread'), sendIndex);
  app.get('/console/policy', page("The HR console: the group's policy, for group HR to change"), sendIndex);
  app.get('/console/policy/history', page("The HR console: the group policy's earlier versions, who set them and what they changed"), sendIndex);
  app.get('/console/disputes', page("The HR console: candidates' disputes of their records, and HR's decisions"), sendIndex);
  app.get('/console/candidates', page("The HR console: a candidate's group-wide record by phone or e-mail"), sendIndex);
};

export default consoleAppScope;
