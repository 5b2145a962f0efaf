/**
 * One real stack per test file: the API (buildApp, driven through inject or a
 * port), a worker on this run's task queue, a Temporal client, and Prisma on
 * the run's fresh database — all set up by the global setup's environment.
 */
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { apiConfig, databaseConfig, deliveryConfig, providerWebhooksConfig, secretsConfig, temporalConfig, type DeliveryConfig, type MessageRates, type SecretsConfig } from '../../lib/config';
import { createPrisma, type PrismaClient } from '../../lib/database';
import { signatureHeader } from '../../lib/secrets';
import { identityKey } from '../../domain/identity';
import { issueSelfServiceToken } from '../../lib/self-service-token';
import { createTenant } from '../../lib/tenants';
import { mintHrToken, type HrClaims } from '../../lib/hr-token';
import { buildApp } from '../../api/app';
import { createWorker } from '../../workers/worker';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { MessageTransport, OutgoingMessage } from '../../activities/messaging/transport';
import { createOutboxTransport } from '../../activities/messaging/outbox-transport';

export interface Harness {
  prisma: PrismaClient;
  client: Client;
  app: FastifyInstance;
  secrets: SecretsConfig;
  /** Every message the worker's transport was asked to send, in order. */
  sent: OutgoingMessage[];
  /** The public URL the messages' links start with: the app's own address when started with `listen`. */
  publicUrl: string;
  close(): Promise<void>;
}

/** The worker's transport (the outbox unless a test passes another), with each message also kept for assertions. */
function recordingTransport(sent: OutgoingMessage[], inner: MessageTransport = createOutboxTransport(() => undefined)): MessageTransport {
  return {
    async send(m) {
      sent.push(m);
      return inner.send(m);
    },
    ...(inner.findSent ? { findSent: inner.findSent.bind(inner) } : {}),
  };
}

/** The SDK logs every worker state change and activity log line at INFO: tests want warnings only. */
function quietTemporalLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process: keep it.
  }
}

export async function startHarness(
  opts: { worker?: boolean; transport?: MessageTransport; messageRates?: MessageRates; listen?: boolean; delivery?: Partial<DeliveryConfig> } = {},
): Promise<Harness> {
  quietTemporalLogs();
  const temporal = temporalConfig();
  const secrets = secretsConfig();
  const prisma = createPrisma(databaseConfig());
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const app = await buildApp({
    prisma,
    temporalClient: client,
    temporalConnection: connection,
    temporal,
    secrets,
    api: { ...apiConfig(), logLevel: process.env.LOG_LEVEL ?? 'warn' },
    providerWebhooks: providerWebhooksConfig(),
  });
  const sent: OutgoingMessage[] = [];
  let publicUrl = 'http://127.0.0.1';
  if (opts.listen) {
    // Before the worker starts: the links in its messages must reach this app (a browser follows them).
    await app.listen({ host: '127.0.0.1', port: 0 });
    publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }
  let stopWorker = async () => undefined as void;
  if (opts.worker !== false) {
    const bundlePath = process.env.TURNOUT_TEST_WORKFLOW_BUNDLE;
    const { worker, connection: workerConnection } = await createWorker(
      temporal,
      {
        prisma,
        transport: recordingTransport(sent, opts.transport),
        links: { publicUrl, masterKey: secrets.masterKey },
        identityKey: identityKey(secrets.masterKey),
      },
      {
        bundle: bundlePath && existsSync(bundlePath) ? { codePath: bundlePath } : undefined,
        rates: opts.messageRates,
        delivery: { config: { ...deliveryConfig(), pollMs: 100, ...opts.delivery } },
      },
    );
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await workerConnection.close();
    };
  }
  return {
    prisma,
    client,
    app,
    secrets,
    sent,
    publicUrl,
    async close() {
      await app.close();
      await stopWorker();
      await connection.close();
      await prisma.$disconnect();
    },
  };
}

export interface TestTenant {
  groupId: string;
  subsidiaryId: string;
  apiKeyId: string;
  apiSecret: string;
}

/** A fresh group and subsidiary with its own key: tests never share tenants. */
export async function createTestTenant(h: Harness, policy?: unknown): Promise<TestTenant> {
  const suffix = randomUUID().slice(0, 8);
  return createTenant(
    h.prisma,
    h.secrets,
    { groupName: `group-${suffix}`, subsidiaryName: `subsidiary-${suffix}`, policy },
    { type: 'test', id: 'harness' },
  );
}

/** A policy that runs a whole lifecycle in seconds. */
export const FAST_POLICY = {
  reminderOffsets: ['PT4S', 'PT2S'],
  grace: 'PT2S',
  annotationWindow: 'PT30S',
  quietHours: null,
  channels: ['sms', 'email'],
};

export function confirmedEvent(overrides: { interviewId?: string; startsAt?: Date; eventId?: string; channels?: string[] } = {}) {
  const interviewId = overrides.interviewId ?? `iv-${randomUUID().slice(0, 8)}`;
  return {
    id: overrides.eventId ?? `evt-${randomUUID()}`,
    type: 'interview.confirmed',
    occurredAt: new Date().toISOString(),
    data: {
      interviewId,
      startsAt: (overrides.startsAt ?? new Date(Date.now() + 3600_000)).toISOString(),
      joinUrl: `https://interview.example.test/join/${interviewId}`,
      candidate: { id: `cand-${interviewId}`, name: 'Li Wei', phone: '+8613800138000', email: 'li.wei@example.test', timezone: 'Asia/Shanghai', locale: 'zh-CN' },
      position: { id: 'pos-backend', title: 'Backend Engineer', region: 'East China' },
      ...(overrides.channels ? { channels: overrides.channels } : {}),
    },
  };
}

export function candidateEvent(type: 'candidate.logged_in' | 'candidate.link_clicked', interviewId: string, at = new Date()) {
  return { id: `evt-${randomUUID()}`, type, occurredAt: at.toISOString(), data: { interviewId, at: at.toISOString(), ip: '203.0.113.7', userAgent: 'jest' } };
}

/** POSTs a platform event signed as docs/contract.md says; `sign` lets a test tamper with the signature. */
export function postEvent(
  h: Harness,
  tenant: TestTenant,
  body: unknown,
  opts: { raw?: string; signature?: string; now?: number; headers?: Record<string, string> } = {},
) {
  const raw = opts.raw ?? JSON.stringify(body);
  return h.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: {
      'content-type': 'application/json',
      'x-api-key': tenant.apiKeyId,
      'x-signature': opts.signature ?? signatureHeader(tenant.apiSecret, raw, opts.now),
      ...opts.headers,
    },
    payload: raw,
  });
}

/** Waits until `predicate` holds, polling every 50 ms; for counts a stand-in records. */
export async function until(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The token a candidate's reminder links carry for this interview. */
export function selfServiceToken(secrets: SecretsConfig, interviewId: string): string {
  return issueSelfServiceToken(secrets.masterKey, interviewId);
}

/** An HR bearer token for tests. */
export function hrToken(h: Harness, claims: HrClaims, ttlSeconds = 600): Promise<string> {
  return mintHrToken(h.secrets, claims, ttlSeconds);
}

/** Waits until the workflow's first activity has written the interview's projection row, and returns it. */
export function waitForInterviewRow(h: Harness, subsidiaryId: string, externalId: string, timeoutMs = 15_000) {
  return eventually(
    () => h.prisma.interview.findUnique({ where: { subsidiaryId_externalId: { subsidiaryId, externalId } } }).then((r) => r ?? undefined),
    timeoutMs,
    'interview row',
  );
}
