/**
 * Extra API instances beside a harness: the same database and secrets, but
 * their own configuration (low rate limits, CORS) or their own Temporal
 * connection (one that points at a port where nothing listens).
 */
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { buildApp } from '../../api/app';
import { apiConfig, providerWebhooksConfig, temporalConfig, type ApiConfig, type ConsoleConfig } from '../../lib/config';
import type { ProviderWebhooksConfig } from '../../api/scopes/providers';
import type { Harness } from './harness';

export interface TemporalHandle {
  client: Client;
  connection: Connection;
}

export async function buildApiApp(
  h: Harness,
  api: Partial<ApiConfig> = {},
  temporal?: TemporalHandle,
  extra: { console?: ConsoleConfig; providerWebhooks?: ProviderWebhooksConfig } = {},
): Promise<FastifyInstance> {
  const t = temporal ?? { client: h.client, connection: h.client.connection as Connection };
  return buildApp({
    prisma: h.prisma,
    temporalClient: t.client,
    temporalConnection: t.connection,
    temporal: temporalConfig(),
    secrets: h.secrets,
    api: { ...apiConfig(), logLevel: process.env.LOG_LEVEL ?? 'warn', ...api },
    providerWebhooks: extra.providerWebhooks ?? providerWebhooksConfig(),
    ...(extra.console ? { console: extra.console } : {}),
  });
}

/** A local port that nothing listens on (it was free a moment ago). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A TCP relay on `port` to the run's Temporal server: closed, that port is a
 * Temporal that is down; opened, the same address reaches the real server, as
 * when Temporal comes back.
 */
export class TemporalRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}

  async open(): Promise<void> {
    const [host, port] = temporalConfig().address.split(':') as [string, string];
    this.server = createServer((inbound) => {
      const outbound = connect(Number(port), host);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', resolve);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

/** A Temporal client that connects lazily to `port` (nothing there unless a relay is open). */
export function lazyTemporal(port: number): TemporalHandle {
  const connection = Connection.lazy({ address: `127.0.0.1:${port}` });
  return { connection, client: new Client({ connection, namespace: temporalConfig().namespace }) };
}
