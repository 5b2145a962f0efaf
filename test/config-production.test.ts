/**
 * What the environment says is what the process does: DATABASE_URL's query
 * options reach the PostgreSQL driver (so `?sslmode=require` is TLS, never
 * plaintext), production mode refuses a plaintext database on another host
 * and a public URL that is not https, and TRUST_PROXY trusts only the proxies
 * it names or counts.
 */
import { Pool } from 'pg';
import { apiConfig, ConfigError, databaseConfig, publicUrl } from '../lib/config';
import { createPrisma } from '../lib/database';
import { poolConfigFromUrl } from '../lib/database-url';
import { buildApiApp } from './support/api-app';
import { startHarness, type Harness } from './support/harness';

function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError was thrown');
}

/** This run's database (the global setup's DATABASE_URL) with extra query options. */
function runDatabaseUrl(query: string): string {
  const u = new URL(databaseConfig().url);
  u.search = query;
  return u.toString();
}

describe('DATABASE_URL query options', () => {
  test('application_name in the URL is the name the server sees for the connection', async () => {
    const pool = new Pool(poolConfigFromUrl(runDatabaseUrl('application_name=turnout-config-test')));
    try {
      const { rows } = await pool.query<{ name: string }>('SELECT application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()');
      expect(rows[0]?.name).toBe('turnout-config-test');
    } finally {
      await pool.end();
    }
  });

  test('sslmode=require asks the server for TLS: a server without TLS is refused, never used in plaintext', async () => {
    const plain = new Pool(poolConfigFromUrl(databaseConfig().url));
    const ssl = (await plain.query<{ ssl: string }>('SHOW ssl')).rows[0]?.ssl;
    await plain.end();
    const url = runDatabaseUrl('sslmode=require');
    expect(poolConfigFromUrl(url).ssl).toBeTruthy();
    const prisma = createPrisma({ url, poolSize: 1 });
    try {
      if (ssl === 'off') {
        // The test server has TLS off: the driver must fail rather than fall back.
        await expect(prisma.$queryRaw`SELECT 1`).rejects.toThrow(/SSL|TLS/i);
      } else {
        const [row] = await prisma.$queryRaw<{ ssl: boolean }[]>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
        expect(row?.ssl).toBe(true);
      }
    } finally {
      await prisma.$disconnect();
    }
  });

  test('sslmode=disable and a URL without options stay plaintext, with host, port, user and database as written', () => {
    expect(poolConfigFromUrl('postgresql://app:s%40cret@db.internal:6543/turnout?sslmode=disable')).toMatchObject({
      host: 'db.internal',
      port: 6543,
      user: 'app',
      password: 's@cret',
      database: 'turnout',
      ssl: false,
    });
    expect(poolConfigFromUrl('postgresql://postgres@127.0.0.1/postgres').ssl).toBeUndefined();
  });
});

describe('production mode (NODE_ENV=production)', () => {
  const PROD = { NODE_ENV: 'production' };

  test('a database on another host without TLS is refused, naming DATABASE_URL and the way out', () => {
    const err = configError(() => databaseConfig({ ...PROD, DATABASE_URL: 'postgresql://app:secret@db.internal:5432/turnout' }));
    expect(err.variable).toBe('DATABASE_URL');
    expect(err.message).toContain('sslmode');
    expect(err.message).toContain('DATABASE_ALLOW_PLAINTEXT');
    expect(err.message).not.toContain('secret');
  });

  test('TLS, a local database, or DATABASE_ALLOW_PLAINTEXT=true is accepted', () => {
    expect(() => databaseConfig({ ...PROD, DATABASE_URL: 'postgresql://app@db.internal/turnout?sslmode=require' })).not.toThrow();
    expect(() => databaseConfig({ ...PROD, DATABASE_URL: 'postgresql://app@db.internal/turnout?sslmode=verify-full' })).not.toThrow();
    expect(() => databaseConfig({ ...PROD, DATABASE_URL: 'postgresql://app@127.0.0.1/turnout' })).not.toThrow();
    expect(() => databaseConfig({ ...PROD, DATABASE_URL: 'postgresql://app@localhost/turnout' })).not.toThrow();
    expect(() => databaseConfig({ ...PROD, DATABASE_URL: 'postgresql://app@db.internal/turnout', DATABASE_ALLOW_PLAINTEXT: 'true' })).not.toThrow();
    expect(configError(() => databaseConfig({ ...PROD, DATABASE_URL: 'postgresql://app@db.internal/turnout', DATABASE_ALLOW_PLAINTEXT: 'yes' })).variable).toBe(
      'DATABASE_ALLOW_PLAINTEXT',
    );
  });

  test('outside production a plaintext database on another host is allowed', () => {
    expect(() => databaseConfig({ DATABASE_URL: 'postgresql://app@db.internal/turnout' })).not.toThrow();
  });

  test('TURNOUT_PUBLIC_URL must be https://, and its http default is refused', () => {
    expect(configError(() => publicUrl({ ...PROD, TURNOUT_PUBLIC_URL: 'http://turnout.example.test' })).variable).toBe('TURNOUT_PUBLIC_URL');
    expect(configError(() => publicUrl(PROD)).variable).toBe('TURNOUT_PUBLIC_URL');
    expect(publicUrl({ ...PROD, TURNOUT_PUBLIC_URL: 'https://turnout.example.test/' })).toBe('https://turnout.example.test');
    expect(publicUrl({ TURNOUT_PUBLIC_URL: 'http://127.0.0.1:3000' })).toBe('http://127.0.0.1:3000');
  });
});

describe('TRUST_PROXY', () => {
  test.each(['true', 'yes', '10.0.0.0/33', '10.0.0.1, any', 'example.com'])('TRUST_PROXY=%s stops start-up naming the variable', (value) => {
    expect(configError(() => apiConfig({ TRUST_PROXY: value })).variable).toBe('TRUST_PROXY');
  });

  test('a hop count, addresses and CIDRs are taken', () => {
    expect(apiConfig({}).trustProxy).toBe(false);
    expect(apiConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(apiConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(apiConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8, loopback' }).trustProxy).toBe('10.0.0.0/8,192.168.1.7,fd00::/8,loopback');
  });

  describe('through the API', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ worker: false });
    });
    afterAll(async () => {
      await h?.close();
    });

    /** Four anonymous requests, each claiming another client address, against a budget of three a minute. */
    async function statusesWithForgedAddresses(trustProxy: string): Promise<number[]> {
      const app = await buildApiApp(h, { rateLimitAnonymousPerMinute: 3, trustProxy: apiConfig({ TRUST_PROXY: trustProxy }).trustProxy });
      try {
        const out: number[] = [];
        for (let i = 1; i <= 4; i++) {
          const res = await app.inject({ method: 'GET', url: '/v1/no-such-route', headers: { 'x-forwarded-for': `198.51.100.${i}` } });
          out.push(res.statusCode);
        }
        return out;
      } finally {
        await app.close();
      }
    }

    test('X-Forwarded-For from an address that is not a named proxy is ignored: the caller keeps its own budget', async () => {
      expect(await statusesWithForgedAddresses('10.0.0.1')).toEqual([404, 404, 404, 429]);
    });

    test('X-Forwarded-For from a named proxy gives each client behind it its own budget', async () => {
      // inject() connects from 127.0.0.1: here that is the proxy.
      expect(await statusesWithForgedAddresses('127.0.0.1')).toEqual([404, 404, 404, 404]);
    });
  });
});
