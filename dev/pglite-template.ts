/**
 * A migrated in-memory PGlite, fast: a fresh one costs initdb in WebAssembly
 * plus `prisma migrate deploy` (about 6 s together on a 2-core machine), so
 * the first run keeps a snapshot of the migrated cluster in the cache and
 * later runs start from it (under a second). The snapshot is keyed by the
 * PGlite version and the exact migration files, so any change to either
 * builds a new one; that snapshot is precisely what `migrate deploy` of
 * those files produced, so a hit needs no migrate run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cacheRoot } from './cache';
import { migrateDatabase } from './database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

const MIGRATIONS_DIR = resolve(__dirname, '..', 'prisma', 'migrations');

/** The package's "exports" hide its package.json, so it is found from the entry point. */
async function pgliteVersion(): Promise<string> {
  for (let dir = dirname(require.resolve('@electric-sql/pglite')); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = await fs.readFile(join(dir, 'package.json'), 'utf8').then(JSON.parse, () => null) as
      | { name?: string; version?: string }
      | null;
    if (pkg?.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}

async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`pglite ${await pgliteVersion()}\n`);
  const entries = (await fs.readdir(MIGRATIONS_DIR, { recursive: true })).map(String).sort();
  for (const entry of entries) {
    const full = join(MIGRATIONS_DIR, entry);
    if (!(await fs.stat(full)).isFile()) continue;
    hash.update(`${entry}\n`);
    hash.update(await fs.readFile(full));
  }
  return hash.digest('hex').slice(0, 16);
}

export async function startMigratedEmbeddedPostgres(): Promise<{ postgres: EmbeddedPostgres; fromTemplate: boolean }> {
  const dir = join(cacheRoot(), 'pglite-templates');
  const file = join(dir, `${await templateKey()}.tar`);
  const template = await fs.readFile(file).catch(() => undefined);
  if (template) {
    try {
      return { postgres: await startEmbeddedPostgres({ initialDataDir: template }), fromTemplate: true };
    } catch {
      // A damaged snapshot: build a new one below.
      await fs.rm(file, { force: true });
    }
  }

  const postgres = await startEmbeddedPostgres({});
  try {
    await migrateDatabase(postgres.url);
  } catch (err) {
    await postgres.stop();
    throw err;
  }
  // Only a speed-up: a run whose snapshot cannot be saved still has its database.
  await postgres
    .snapshot()
    .then((data) => saveTemplate(dir, file, data))
    .catch((err: Error) => process.stderr.write(`turnout: could not cache the PGlite template: ${err.message}\n`));
  return { postgres, fromTemplate: false };
}

/**
 * Written beside and renamed into place, so concurrent runs never read half a
 * file; snapshots of other keys (older migrations) and hour-old partial files
 * of interrupted runs go.
 */
async function saveTemplate(dir: string, file: string, data: Buffer): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  await fs.writeFile(partial, data);
  await fs.rename(partial, file);
  for (const name of await fs.readdir(dir)) {
    const full = join(dir, name);
    if (full === file) continue;
    const stale = name.endsWith('.tar') || Date.now() - ((await fs.stat(full).catch(() => null))?.mtimeMs ?? 0) > 3_600_000;
    if (stale) await fs.rm(full, { force: true });
  }
}
