import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client/client';
import type { DatabaseConfig } from './config';
import { poolConfigFromUrl } from './database-url';

export { Prisma, PrismaClient } from '../prisma/generated/client/client';
export type * from '../prisma/generated/client/client';

/**
 * One client per process, created at start-up and disconnected on shutdown.
 * Prisma's defaults for interactive transactions (2 s to get a connection, 5 s
 * to finish) fail them under a burst, when every connection is busy or the
 * event loop is late (P2028); a failed transaction is retried as a whole, so
 * waiting longer costs less than failing.
 */
export function createPrisma(config: DatabaseConfig): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg(poolConfigFromUrl(config.url, config.poolSize)),
    transactionOptions: { maxWait: 10_000, timeout: 15_000 },
  });
}
