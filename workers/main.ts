/**
 * The worker process: runs interview workflows and their activities until
 * SIGINT/SIGTERM, then drains in-flight tasks (the SDK's graceful shutdown)
 * and closes its connections.
 */
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { databaseConfig, deliveryConfig, loadOrExit, logLevel, providersConfig, publicUrl, secretsConfig, temporalConfig, workerTuning } from '../lib/config';
import { identityKey } from '../domain/identity';
import { createPrisma } from '../lib/database';
import { transportsFromConfig } from '../activities/messaging/providers';
import { ensureMaintenanceSchedules } from './schedules';
import { createWorkerLogger } from './logger';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const { db, tuning, temporal, level, secrets, baseUrl, providers, delivery } = loadOrExit(() => {
    const db = databaseConfig();
    return {
      db,
      tuning: workerTuning(process.env, db),
      temporal: temporalConfig(),
      level: logLevel(),
      secrets: secretsConfig(),
      baseUrl: publicUrl(),
      providers: providersConfig(),
      delivery: deliveryConfig(),
    };
  });
  const logger = createWorkerLogger(level);
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
  const prisma = createPrisma(db);
  const log = (msg: string, fields: Record<string, unknown>) => logger.info(msg, fields);
  const { transport, chosen } = transportsFromConfig(providers, log);
  const { worker, connection } = await createWorker(
    temporal,
    {
      prisma,
      transport,
      links: { publicUrl: baseUrl, masterKey: secrets.masterKey },
      identityKey: identityKey(secrets.masterKey),
    },
    {
      rates: providers.rates,
      tuning,
      delivery: { config: delivery, log: (msg, fields) => logger.warn(msg, fields) },
    },
  );
  log('worker started', {
    taskQueue: temporal.taskQueue,
    address: temporal.address,
    transports: chosen,
    ratesPerSecond: { sms: providers.rates.smsPerSecond, email: providers.rates.emailPerSecond },
    tuning,
    databasePoolSize: db.poolSize,
  });
  await ensureMaintenanceSchedules(temporal, log);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await prisma.$disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
