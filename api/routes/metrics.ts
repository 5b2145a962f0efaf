/**
 * GET /metrics in Prometheus' text format. Open like the health probes unless
 * METRICS_TOKEN is set; then a scraper sends it as a bearer token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { registry } = app.metrics;
  const token = app.turnout.api.metricsToken;

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics: requests, latencies, Temporal call outcomes, process',
        ...(token ? { security: [{ metricsBearer: [] }] } : {}),
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...(token ? { 401: ErrorBody } : {}),
        },
      },
    },
    async (req, reply) => {
      if (token) {
        const auth = req.headers.authorization ?? '';
        if (!auth.startsWith('Bearer ') || !sameToken(auth.slice('Bearer '.length).trim(), token)) {
          throw new ApiError(401, 'missing_token', 'Authorization: Bearer <METRICS_TOKEN> is required');
        }
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

export default metricsRoutes;
