import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * The embedded (local) run keeps its state in one data directory: the Temporal
 * dev server's SQLite file, the PGlite database, generated local secrets, and
 * runtime.json, which tells the operator CLI where the running product's
 * database is.
 */
export function dataDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.TURNOUT_DATA_DIR || '.turnout');
}

export interface LocalSecrets {
  TURNOUT_MASTER_KEY: string;
  TURNOUT_JWT_SECRET: string;
}

/** Secrets for a local run, generated once and kept in the data directory (never committed). */
export function ensureLocalSecrets(dir: string): LocalSecrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  mkdirSync(dir, { recursive: true });
  const secrets: LocalSecrets = {
    TURNOUT_MASTER_KEY: randomBytes(32).toString('base64'),
    TURNOUT_JWT_SECRET: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export interface RuntimeInfo {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  apiUrl: string;
  /** TURNOUT_PUBLIC_URL as the running product has it (links the CLI prints point there). */
  publicUrl?: string;
  pid: number;
  startedAt: string;
}

export function writeRuntimeInfo(dir: string, info: RuntimeInfo): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'runtime.json'), JSON.stringify(info, null, 2), { mode: 0o600 });
}

export function readRuntimeInfo(dir: string): RuntimeInfo | null {
  const file = join(dir, 'runtime.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo) : null;
}
