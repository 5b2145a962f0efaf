/**
 * GET /metrics in Prometheus' text format. Open like the health probes unless
 * METRICS_TOKEN is set; then a scraper sends it as a bearer token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Gauge, type Registry } from 'prom-client';
import type { PrismaClient } from '../../lib/database';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Outbound deliveries, read from the database at each scrape: the dispatcher
 * runs in every worker, and the rows are the one place that sees them all.
 */
function registerDeliveryMetrics(registry: Registry, prisma: PrismaClient): void {
  const STATUSES = ['PENDING', 'SENDING', 'DELIVERED', 'FAILED', 'CANCELLED'];
  new Gauge({
    name: 'turnout_webhook_deliveries',
    help: 'Webhook deliveries by status (PENDING is the backlog, FAILED gave up after the retry schedule)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.webhookDelivery.groupBy({ by: ['status'], _count: { _all: true } });
      for (const s of STATUSES) this.set({ status: s }, rows.find((r) => r.status === s)?._count._all ?? 0);
    },
  });
  new Gauge({
    name: 'turnout_webhook_delivery_attempts',
    help: 'Webhook delivery attempts ever made, by outcome (success, http_error, redirect, gone, timeout, network, robot_error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await prisma.webhookAttempt.groupBy({ by: ['outcome'], _count: { _all: true } })) this.set({ outcome: r.outcome }, r._count._all);
    },
  });
  new Gauge({
    name: 'turnout_webhook_backlog_oldest_seconds',
    help: 'Age of the oldest webhook delivery still pending (0 when none)',
    registers: [registry],
    async collect() {
      const oldest = await prisma.webhookDelivery.findFirst({ where: { status: 'PENDING' }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } });
      this.set(oldest ? (Date.now() - oldest.createdAt.getTime()) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'turnout_alert_emails',
    help: 'HR alert e-mails by status (PENDING is the backlog)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.alertEmail.groupBy({ by: ['status'], _count: { _all: true } });
      for (const s of STATUSES) this.set({ status: s }, rows.find((r) => r.status === s)?._count._all ?? 0);
    },
  });
}

const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { registry } = app.metrics;
  registerDeliveryMetrics(registry, app.turnout.prisma);
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
