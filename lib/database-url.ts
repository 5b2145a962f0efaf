import type { PoolConfig } from 'pg';

/**
 * node-postgres lets a connection string override the `database` that Prisma's
 * adapter sets for a shadow database, so the adapter gets an explicit object.
 */
export function poolConfigFromUrl(url: string, max?: number): PoolConfig {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL (protocol ${parsed.protocol})`);
  }
  return {
    host: decodeURIComponent(parsed.hostname) || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || 'postgres',
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
    ...(max ? { max } : {}),
  };
}

/** The same server, another database: tests get a fresh database per run. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
