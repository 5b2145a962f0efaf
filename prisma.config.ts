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
  // `prisma generate` builds the adapter too but never connects: without a URL
  // (a fresh clone) it must still get one, or the CLI falls back to downloading
  // native engines. Commands that connect need DATABASE_URL.
  adapter: async () =>
    new PrismaPg(poolConfigFromUrl(process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres')),
});
