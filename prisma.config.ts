// Prisma's CLI runs its WebAssembly schema engine through the pg driver adapter,
// so `prisma migrate deploy` needs no native engine download.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { poolConfigFromUrl } from './lib/database-url';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL must be set for Prisma CLI commands');
    return new PrismaPg(poolConfigFromUrl(url));
  },
});
