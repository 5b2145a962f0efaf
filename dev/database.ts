/**
 * Database chores for `npm start` and the tests: apply migrations, and give
 * each test run its own database on a shared server so runs never see each
 * other's rows.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { poolConfigFromUrl, withDatabase } from '../lib/database-url';

const PROJECT_ROOT = resolve(__dirname, '..');

/**
 * Prisma's CLI prints one of these once every migration is recorded, then
 * idles for 10 s before exiting (measured with Prisma 6.19: a timer of the
 * WebAssembly schema engine and the driver adapter's idle pool connection are
 * never cleared), which would add 10 s to every start and test run. After the
 * line we let it exit by itself for a moment, then end it.
 */
const MIGRATE_DONE = /All migrations have been successfully applied\.|No pending migrations to apply\./;
const LINGER_MS = 500;

/**
 * The local prisma binary, not `npx prisma`: npx may resolve another version
 * or reach for the registry. prisma.config.ts reads DATABASE_URL from the env.
 */
export function migrateDatabase(url: string): Promise<void> {
  const prisma = join(PROJECT_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'prisma.cmd' : 'prisma');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(prisma, ['migrate', 'deploy'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let done = false;
    let linger: NodeJS.Timeout | undefined;
    const timeout = setTimeout(() => child.kill('SIGKILL'), 180_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (!done && MIGRATE_DONE.test(output)) {
        done = true;
        linger = setTimeout(() => child.kill('SIGTERM'), LINGER_MS);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (err) => {
      clearTimeout(timeout);
      reject(new Error(`could not run ${prisma}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(linger);
      if (code === 0 || done) resolvePromise();
      else reject(new Error(`prisma migrate deploy failed (${code ?? signal}):\n${output.trim()}`));
    });
  });
}

/** PostgreSQL identifiers cannot be bound as parameters, so names are restricted instead of escaped. */
function checkName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe database name "${name}"`);
  return name;
}

async function withAdminClient<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(poolConfigFromUrl(serverUrl));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `name` on the server of `serverUrl` and returns the URL of the new database. */
export async function createFreshDatabase(serverUrl: string, name: string): Promise<string> {
  await withAdminClient(serverUrl, (c) => c.query(`CREATE DATABASE "${checkName(name)}"`));
  return withDatabase(serverUrl, name);
}

/** FORCE: a test's leftover pooled connection must not keep its database alive. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdminClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${checkName(name)}" WITH (FORCE)`));
}
