import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const READY_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}

/** healthz: the process answers. readyz: the database and Temporal answer too. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, temporalConnection } = app.turnout;

  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness: database and Temporal reachable' } }, async (_req, reply) => {
    const [database, temporal] = await Promise.all([
      withTimeout(prisma.$queryRaw`SELECT 1`, READY_TIMEOUT_MS).then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, error: err.message }),
      ),
      withTimeout(temporalConnection.workflowService.getSystemInfo({}), READY_TIMEOUT_MS).then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, error: err.message }),
      ),
    ]);
    const ready = database.ok && temporal.ok;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { database, temporal } });
  });
};

export default healthRoutes;
