import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const READY_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  /** The parts that did not answer, by name: what an operator looks at first. */
  failing: Type.Array(Type.String()),
  checks: Type.Object({ database: Check, temporal: Check }),
});

/**
 * healthz: the process answers. readyz: the database and Temporal answer too;
 * 503 names the part that does not.
 */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, temporalConnection } = app.turnout;

  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: database and Temporal reachable', response: { 200: Readiness, 503: Readiness } } },
    async (_req, reply) => {
      const outcome = (p: Promise<unknown>) =>
        p.then(
          () => ({ ok: true }),
          (err: Error) => ({ ok: false, error: err.message.split('\n')[0] ?? 'failed' }),
        );
      const [database, temporal] = await Promise.all([
        outcome(withTimeout(prisma.$queryRaw`SELECT 1`, READY_TIMEOUT_MS)),
        // A deadline on the call itself: the SDK would otherwise keep retrying an unreachable server.
        outcome(temporalConnection.withDeadline(Date.now() + READY_TIMEOUT_MS, () => temporalConnection.workflowService.getSystemInfo({}))),
      ]);
      const checks = { database, temporal };
      const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
      const ready = failing.length === 0;
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', failing, checks });
    },
  );
};

export default healthRoutes;
