/**
 * buildApp returns the configured Fastify instance; `listen` lives in
 * api/main.ts only, so tests use `app.inject()` or their own port.
 *
 * The routes sit in one encapsulated scope per kind of caller, each with its
 * authentication in one hook and the identity it resolves on the request:
 *
 *   /v1  platform    POST /events                      request.platform      api/scopes/platform.ts
 *        hr          interviews, records, reports…     request.hr            api/scopes/hr.ts
 *        link        /self-service/:token…             request.link          api/scopes/link.ts
 *        providers   /webhooks/…                       request.receiptsFrom  api/scopes/providers.ts
 *   /s/<code>        the candidate's page (HTML forms) request.link via API   api/scopes/candidate-pages.ts
 *   /console/auth    console sign-in: login, callback, request.session       api/scopes/console-auth.ts
 *                    link/<code>, logout
 *   /console         the HR console's app (static)     (public files)        api/scopes/console-app.ts
 *   /    operations  /healthz /readyz /metrics /docs   (public)              api/scopes/operations.ts
 *                    (/docs the reference page, /docs/json the document)
 *
 * HR's scope accepts the HR console's session cookie beside the bearer token
 * (api/console-session.ts); only it and the console's sign-in routes read it.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import type { Client, Connection } from '@temporalio/client';
import { consoleConfig, type ApiConfig, type ConsoleConfig, type SecretsConfig, type TemporalConfig } from '../lib/config';
import type { PrismaClient } from '../lib/database';
import { consoleCookieName, createConsoleSessions, type ConsoleSessions } from './console-session';
import { frameworkError, registerErrorHandling } from './errors';
import { InterviewGateway } from './interview-gateway';
import bodyGuard from './plugins/body-guard';
import metricsPlugin, { createApiMetrics } from './plugins/metrics';
import rateLimit from './plugins/rate-limit';
import routeTable from './plugins/route-table';
import security from './plugins/security';
import { registerRawJson } from './raw-json';
import { ErrorBody } from './schemas/common';
import candidatePagesScope from './scopes/candidate-pages';
import consoleAppScope from './scopes/console-app';
import consoleAuthScope from './scopes/console-auth';
import hrScope from './scopes/hr';
import linkScope from './scopes/link';
import operationsScope from './scopes/operations';
import platformScope from './scopes/platform';
import providersScope, { type ProviderWebhooksConfig } from './scopes/providers';

export interface AppDeps {
  prisma: PrismaClient;
  temporalClient: Client;
  temporalConnection: Connection;
  temporal: TemporalConfig;
  secrets: SecretsConfig;
  api: ApiConfig;
  /** The providers' receipt signature keys, read once at start (lib/config.ts, providerWebhooksConfig). */
  providerWebhooks: ProviderWebhooksConfig;
  /** The HR console's sign-in (lib/config.ts, consoleConfig); absent: console links only, default timeouts. */
  console?: ConsoleConfig;
  /** Where JSON log lines go; stdout when absent (tests pass a collector). */
  logStream?: { write(line: string): void };
}

/** What routes use, made once from buildApp's deps and decorated on the app; no route reads the environment. */
export interface TurnoutContext {
  prisma: PrismaClient;
  gateway: InterviewGateway;
  temporalConnection: Connection;
  secrets: SecretsConfig;
  api: ApiConfig;
  providerWebhooks: ProviderWebhooksConfig;
  /** The HR console's sessions: their store and cookie (api/console-session.ts). */
  consoleSessions: ConsoleSessions;
}

declare module 'fastify' {
  interface FastifyInstance {
    turnout: TurnoutContext;
  }
}

/** A caller's own x-request-id is kept when it is a plain token; anything else gets a fresh id. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/**
 * The URL as logged: a self-service token is a credential and query values
 * may be contact details (attendance look-ups by phone or e-mail).
 */
export function loggableUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const safePath = path.replace(/^(\/v1\/self-service\/)[^/]+/, '$1<token>').replace(/^(\/s\/)[^/]+/, '$1<code>');
  if (query === undefined) return safePath;
  const keys = query.split('&').filter(Boolean).map((pair) => `${pair.split('=', 1)[0]}=<redacted>`);
  return `${safePath}?${keys.join('&')}`;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.api.logLevel,
      ...(deps.logStream ? { stream: deps.logStream } : {}),
      // Signatures and tokens are credentials; bodies (contact details) are never logged.
      redact: ['req.headers["x-signature"]', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      serializers: {
        req: (req) => ({ method: req.method, url: loggableUrl(req.url), remoteAddress: req.ip }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    },
    bodyLimit: deps.api.bodyLimitBytes,
    // Self-service tokens travel in the path.
    routerOptions: { maxParamLength: 512 },
    genReqId: requestId,
    frameworkErrors: frameworkError,
    requestIdHeader: false,
    trustProxy: trustProxy(deps.api.trustProxy),
    // discriminator: a oneOf picked by a property (the event envelope's `type`) reports only the picked variant's errors.
    // verbose: errors carry the schema they failed, so a rule between fields can name its field (api/errors.ts).
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, discriminator: true, verbose: true } },
    schemaController: { compilersFactory: { buildValidator: strictBodiesCoercedStrings() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = createApiMetrics();
  const consoleSettings = deps.console ?? consoleConfig({});
  app.decorate('turnout', {
    prisma: deps.prisma,
    gateway: new InterviewGateway(deps.temporalClient, deps.temporal.taskQueue, {
      timeoutMs: deps.api.temporalTimeoutMs,
      queryTimeoutMs: deps.api.temporalQueryTimeoutMs,
      observe: metrics.workflowCall,
    }),
    temporalConnection: deps.temporalConnection,
    secrets: deps.secrets,
    api: deps.api,
    providerWebhooks: deps.providerWebhooks,
    consoleSessions: createConsoleSessions(deps.prisma, consoleSettings, deps.secrets.masterKey),
  });
  // Set first, so that every answer carries it, refusals by later hooks included.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // Cross-cutting plugins, registered before any route so that their hooks cover all of them.
  await app.register(routeTable);
  await app.register(metricsPlugin, { metrics });
  await app.register(security, { corsOrigins: deps.api.corsOrigins });
  await app.register(rateLimit, {
    perMinute: deps.api.rateLimitPerMinute,
    anonymousPerMinute: deps.api.rateLimitAnonymousPerMinute,
  });
  await app.register(bodyGuard);

  // JSON is the only body the contract takes: anything else is 415 (plugins that need another type add it locally).
  app.removeContentTypeParser('text/plain');
  registerRawJson(app);
  registerErrorHandling(app);
  // The OpenAPI document is generated from the same route schemas that validate requests.
  await app.register(swagger, {
    transform: ({ schema, url }) => ({ schema: withBodyErrors(schema), url }),
    openapi: {
      info: {
        title: 'Turnout API',
        version: '1.0.0',
        description:
          'Confirmed AI interviews, reminders and fair no-show records. ' +
          'Every string in a request body must be storable text: no NUL character and no unpaired UTF-16 surrogate (400 naming the field otherwise).',
      },
      components: {
        securitySchemes: {
          platformKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          hrBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          metricsBearer: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set' },
          consoleSession: {
            type: 'apiKey',
            in: 'cookie',
            name: consoleCookieName(consoleSettings),
            description:
              'The HR console\'s session (HttpOnly, SameSite=Lax; in production Secure and named __Host-turnout_console), set at sign-in under /console/auth/. ' +
              'Every write it authenticates needs the session\'s CSRF token in x-csrf-token (GET /v1/session gives it); 403 without it or with a wrong one.',
          },
        },
      },
    },
  });

  await app.register(
    async (v1) => {
      await v1.register(platformScope);
      await v1.register(hrScope);
      await v1.register(linkScope);
      await v1.register(providersScope);
    },
    { prefix: '/v1' },
  );
  await app.register(consoleAuthScope);
  await app.register(consoleAppScope);
  await app.register(candidatePagesScope);
  await app.register(operationsScope);
  return app;
}

/**
 * Bodies are JSON and must carry the types the schema says (a number is never
 * taken for a string); query strings, path parameters and headers are text,
 * so "limit=10" is coerced to the integer the schema asks for.
 */
function strictBodiesCoercedStrings() {
  const build = AjvCompiler();
  type Options = Parameters<typeof build>[1];
  return (externalSchemas: Parameters<typeof build>[0], options: Options) => {
    const strict = build(externalSchemas, options);
    const coercing = build(externalSchemas, { ...options, customOptions: { ...(options?.customOptions as object), coerceTypes: 'array' } } as Options);
    return (route: Parameters<typeof strict>[0]) => (route.httpPart && route.httpPart !== 'body' ? coercing(route) : strict(route));
  };
}

/** A hop count means "trust that many proxies in front", as proxy-addr reads a number. */
function trustProxy(setting: false | number | string): false | string | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** Every route with a body may answer 413 and 415: the document says so (429 is said by the scopes that limit). */
function withBodyErrors(schema: FastifySchema): FastifySchema {
  if (!schema?.body) return schema;
  const common = {
    413: { description: 'Body larger than the limit', ...ErrorBody },
    415: { description: 'Content-type other than application/json', ...ErrorBody },
  };
  return { ...schema, response: { ...common, ...((schema.response as Record<string, unknown> | undefined) ?? {}) } };
}
