import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client/client';
import type { DatabaseConfig } from './config';
import { poolConfigFromUrl } from './database-url';

export { Prisma, PrismaClient } from '../prisma/generated/client/client';
export type * from '../prisma/generated/client/client';

/** One client per process, created at start-up and disconnected on shutdown. */
export function createPrisma(config: DatabaseConfig): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(poolConfigFromUrl(config.url, config.poolSize)) });
}
