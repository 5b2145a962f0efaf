/**
 * buildApp returns the configured Fastify instance; `listen` lives in
 * api/main.ts only, so tests use `app.inject()` or their own port.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import type { Client, Connection } from '@temporalio/client';
import type { ApiConfig, SecretsConfig, TemporalConfig } from '../lib/config';
import type { PrismaClient } from '../lib/database';
import { registerErrorHandling } from './errors';
import { InterviewGateway } from './interview-gateway';
import bodyGuard from './plugins/body-guard';
import metricsPlugin, { createApiMetrics } from './plugins/metrics';
import rateLimit from './plugins/rate-limit';
import routeTable from './plugins/route-table';
import security from './plugins/security';
import { registerRawJson } from './raw-json';
import { ErrorBody } from './schemas/common';
import eventsRoutes from './routes/events';
import healthRoutes from './routes/health';
import metricsRoutes from './routes/metrics';
import attendanceRoutes from './routes/attendance';
import candidatesRoutes from './routes/candidates';
import disputesRoutes from './routes/disputes';
import reportsRoutes from './routes/reports';
import policyRoutes from './routes/policy';
import interviewsRoutes from './routes/interviews';
import selfServiceRoutes from './routes/self-service';
import webhooksRoutes from './routes/webhooks';

export interface AppDeps {
  prisma: PrismaClient;
  temporalClient: Client;
  temporalConnection: Connection;
  temporal: TemporalConfig;
  secrets: SecretsConfig;
  api: ApiConfig;
  /** Where JSON log lines go; stdout when absent (tests pass a collector). */
  logStream?: { write(line: string): void };
}

export interface TurnoutContext {
  prisma: PrismaClient;
  gateway: InterviewGateway;
  temporalConnection: Connection;
  secrets: SecretsConfig;
  api: ApiConfig;
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
  const safePath = path.replace(/^(\/v1\/self-service\/)[^/]+/, '$1<token>');
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
    requestIdHeader: false,
    trustProxy: trustProxy(deps.api.trustProxy),
    // discriminator: a oneOf picked by a property (the event envelope's `type`) reports only the picked variant's errors.
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, discriminator: true } },
    schemaController: { compilersFactory: { buildValidator: strictBodiesCoercedStrings() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = createApiMetrics();
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
    prisma: deps.prisma,
    secrets: deps.secrets,
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
    transform: ({ schema, url, route }) => ({
      schema: withCommonErrors(schema, (route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false),
      url,
    }),
    openapi: {
      info: { title: 'Turnout API', version: '1.0.0', description: 'Confirmed AI interviews, reminders and fair no-show records' },
      components: {
        securitySchemes: {
          platformKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          hrBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          metricsBearer: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set' },
        },
      },
    },
  });
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(eventsRoutes);
  await app.register(interviewsRoutes);
  await app.register(selfServiceRoutes);
  await app.register(policyRoutes);
  await app.register(attendanceRoutes);
  await app.register(candidatesRoutes);
  await app.register(disputesRoutes);
  await app.register(reportsRoutes);
  await app.register(webhooksRoutes);
  app.get(
    '/docs',
    { schema: { tags: ['operations'], summary: 'This OpenAPI document', response: { 200: { type: 'object', additionalProperties: true } } }, config: { rateLimit: false } },
    async () => app.swagger(),
  );
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
function trustProxy(setting: boolean | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** Every rate-limited route may answer 429, and every route with a body 413 and 415: the document says so. */
function withCommonErrors(schema: FastifySchema, rateLimited: boolean): FastifySchema {
  if (!schema) return schema;
  const common: Record<string, unknown> = {};
  if (rateLimited) common[429] = { description: 'Too many requests from this client', ...ErrorBody };
  if (schema.body) {
    common[413] = { description: 'Body larger than the limit', ...ErrorBody };
    common[415] = { description: 'Content-type other than application/json', ...ErrorBody };
  }
  return { ...schema, response: { ...common, ...((schema.response as Record<string, unknown> | undefined) ?? {}) } };
}
