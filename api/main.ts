/**
 * The API process. It connects to Temporal lazily, so it starts (and serves
 * reads) while Temporal is down; writes that need Temporal answer 503 then.
 */
import { Client, Connection } from '@temporalio/client';
import { apiConfig, consoleConfig, databaseConfig, loadOrExit, providerWebhooksConfig, secretsConfig, temporalConfig, temporalConnectionOptions } from '../lib/config';
import { createPrisma } from '../lib/database';
import { buildApp } from './app';

async function main(): Promise<void> {
  const config = loadOrExit(() => ({
    api: apiConfig(),
    db: databaseConfig(),
    temporal: temporalConfig(),
    secrets: secretsConfig(),
    providerWebhooks: providerWebhooksConfig(),
    console: consoleConfig(),
  }));
  const prisma = createPrisma(config.db);
  const temporalConnection = Connection.lazy(temporalConnectionOptions(config.temporal));
  const temporalClient = new Client({ connection: temporalConnection, namespace: config.temporal.namespace });
  const app = await buildApp({ prisma, temporalClient, temporalConnection, ...config });

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await temporalConnection.close();
    await prisma.$disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));

  await app.listen({ host: config.api.host, port: config.api.port });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
