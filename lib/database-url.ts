import type { PoolConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';

/**
 * The pool configuration a DATABASE_URL describes, its query options included
 * (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `application_name`,
 * `options`, `host` for a socket directory…), read by node-postgres' own
 * parser, so `?sslmode=require` stays TLS. It is handed over as an object, not
 * as a connection string: node-postgres lets a connection string override the
 * `database` that Prisma's adapter sets for a shadow database.
 *
 * node-postgres 8 checks the server's certificate for every sslmode but
 * `disable` and `no-verify` (`require` and `verify-ca` act as `verify-full`);
 * `uselibpqcompat=true` in the URL gives libpq's weaker meanings.
 */
export function poolConfigFromUrl(url: string, max?: number): PoolConfig {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL (protocol ${parsed.protocol})`);
  }
  const options = parseIntoClientConfig(url) as PoolConfig;
  return {
    ...options,
    host: options.host || '127.0.0.1',
    port: options.port ?? 5432,
    user: options.user || 'postgres',
    password: options.password || undefined,
    database: options.database || 'postgres',
    ...(max ? { max } : {}),
  };
}

/** Whether a pool configuration reaches its server over TLS. */
export function usesTls(pool: PoolConfig): boolean {
  return pool.ssl !== undefined && pool.ssl !== false;
}

/** This machine: a Unix socket directory or a loopback address, where plaintext never crosses a network. */
export function isLocalDatabaseHost(host: string | undefined): boolean {
  if (!host) return true;
  return host.startsWith('/') || host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The same server, another database: tests get a fresh database per run. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
