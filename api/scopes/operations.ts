/**
 * Public operations: liveness and readiness probes, Prometheus metrics (behind
 * METRICS_TOKEN when it is set), the API reference page and its OpenAPI document. Outside /v1 and
 * never rate limited: a probe or a scraper must not be refused for its rate.
 */
import type { FastifyPluginAsync } from 'fastify';
import docsRoutes from '../routes/docs';
import healthRoutes from '../routes/health';
import metricsRoutes from '../routes/metrics';

const operationsScope: FastifyPluginAsync = async (app) => {
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(docsRoutes);
};

export default operationsScope;
