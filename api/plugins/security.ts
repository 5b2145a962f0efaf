/**
 * Security headers on every response and CORS only where configured. Turnout
 * answers JSON (and at most plain forms to candidates): nothing it serves
 * loads scripts, frames or other origins' resources, so the policy is strict.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface SecurityOptions {
  /** Browser origins allowed to call the API; empty leaves CORS off (no CORS headers at all). */
  corsOrigins: readonly string[];
}

/** Headers a browser client may send and read when CORS is on. */
const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-signature', 'x-request-id', 'if-match'];
const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

async function security(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // No cross-origin resource is ever embedded from here.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    // HSTS matters once served over TLS; browsers ignore it over plain HTTP.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });

  // Answers carry personal data and per-caller state: no shared cache may keep them.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  if (opts.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...opts.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH'],
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      credentials: false,
      maxAge: 600,
      strictPreflight: true,
    });
  }
}

export default fp(security, { name: 'turnout-security', fastify: '5.x' });
