/**
 * buildApp returns the configured Fastify instance; `listen` lives in
 * api/main.ts only, so tests use `app.inject()` or their own port.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import type { Client, Connection } from '@temporalio/client';
import type { ApiConfig, SecretsConfig, TemporalConfig } from '../lib/config';
import type { PrismaClient } from '../lib/database';
import { registerErrorHandling } from './errors';
import { InterviewGateway } from './interview-gateway';
import { registerRawJson } from './raw-json';
import eventsRoutes from './routes/events';
import healthRoutes from './routes/health';
import attendanceRoutes from './routes/attendance';
import candidatesRoutes from './routes/candidates';
import disputesRoutes from './routes/disputes';
import reportsRoutes from './routes/reports';
import policyRoutes from './routes/policy';
import interviewsRoutes from './routes/interviews';
import selfServiceRoutes from './routes/self-service';

export interface AppDeps {
  prisma: PrismaClient;
  temporalClient: Client;
  temporalConnection: Connection;
  temporal: TemporalConfig;
  secrets: SecretsConfig;
  api: ApiConfig;
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

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.api.logLevel,
      // Signatures and tokens are credentials; bodies (contact details) are never logged.
      redact: ['req.headers["x-signature"]', 'req.headers.authorization', 'req.headers["x-api-key"]'],
    },
    bodyLimit: deps.api.bodyLimitBytes,
    // Self-service tokens travel in the path.
    maxParamLength: 512,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('turnout', {
    prisma: deps.prisma,
    gateway: new InterviewGateway(deps.temporalClient, deps.temporal.taskQueue),
    temporalConnection: deps.temporalConnection,
    secrets: deps.secrets,
    api: deps.api,
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  registerRawJson(app);
  registerErrorHandling(app);
  // The OpenAPI document is generated from the same route schemas that validate requests.
  await app.register(swagger, {
    openapi: {
      info: { title: 'Turnout API', version: '1.0.0', description: 'Confirmed AI interviews, reminders and fair no-show records' },
      components: {
        securitySchemes: {
          platformKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          hrBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
  });
  await app.register(healthRoutes);
  await app.register(eventsRoutes);
  await app.register(interviewsRoutes);
  await app.register(selfServiceRoutes);
  await app.register(policyRoutes);
  await app.register(attendanceRoutes);
  await app.register(candidatesRoutes);
  await app.register(disputesRoutes);
  await app.register(reportsRoutes);
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
