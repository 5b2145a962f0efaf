/**
 * Prometheus metrics: requests and their latency by route and status, and the
 * outcome of every call the API makes to Temporal. Each app has its own
 * registry, so several apps in one process (tests) never collide.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GatewayOperation, GatewayOutcome } from '../interview-gateway';

export interface ApiMetrics {
  registry: Registry;
  /** The gateway's hook: one count per Temporal call. */
  workflowCall(operation: GatewayOperation, outcome: GatewayOutcome): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

export function createApiMetrics(opts: { processMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'turnout_' });
  const workflowCalls = new Counter({
    name: 'turnout_workflow_calls_total',
    help: 'Calls from the API to Temporal (workflow start, signal, update, query), by outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    workflowCall: (operation, outcome) => workflowCalls.inc({ operation, outcome }),
  };
}

/** Route templates only (never raw URLs: ids and tokens would explode the label set). */
const UNMATCHED = 'unmatched';

async function metricsPlugin(app: FastifyInstance, opts: { metrics: ApiMetrics }): Promise<void> {
  const { registry } = opts.metrics;
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'turnout_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'turnout_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  app.decorate('metrics', opts.metrics);
  app.addHook('onResponse', async (req, reply) => {
    const labels = { method: req.method, route: req.routeOptions.url ?? UNMATCHED, status_code: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}

export default fp(metricsPlugin, { name: 'turnout-metrics', fastify: '5.x' });
