import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { databaseConfig, publicUrl, secretsConfig, type DatabaseConfig, type SecretsConfig } from '../lib/config';
import { createPrisma, type PrismaClient } from '../lib/database';
import { dataDir, readRuntimeInfo } from '../lib/local-runtime';
import { isUuid, type Actor } from '../lib/tenants';

/** What a command reads and writes, so tests can run commands in-process. */
export interface Io {
  env: Record<string, string | undefined>;
  /** Writes one line (or block) to standard output. */
  out(text: string): void;
  /** Writes one line to standard error. */
  err(text: string): void;
  readStdin(): Promise<Buffer>;
}

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An expected failure with a message meant for the operator: exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export const NO_RUNNING_TURNOUT = 'no running Turnout found: start it with `npm start` or set DATABASE_URL';

/**
 * Where the database and secrets come from: the environment if set, otherwise
 * the local product started with `npm start` (its runtime.json and generated
 * secrets.json in the data directory). The CLI never generates secrets itself:
 * keys it created would not match the ones the running product uses.
 */
export class Context {
  private prismaClient: PrismaClient | undefined;
  private secretsValue: SecretsConfig | undefined;

  constructor(readonly io: Io) {}

  databaseConfig(): DatabaseConfig {
    const env = this.io.env;
    if (env.DATABASE_URL) return { ...databaseConfig(env), poolSize: 1 };
    const dir = dataDir(env);
    let info;
    try {
      info = readRuntimeInfo(dir);
    } catch (err) {
      throw new CliError(`cannot read the local runtime file in ${dir}: ${firstLine(err)}`);
    }
    if (info === null || !processAlive(info.pid)) throw new CliError(NO_RUNNING_TURNOUT);
    // One connection is plenty for a CLI, and the embedded database serves few.
    return { ...databaseConfig({ ...env, DATABASE_URL: info.databaseUrl }), poolSize: 1 };
  }

  /** The database client, created on first use; main disconnects it. */
  database(): PrismaClient {
    this.prismaClient ??= createPrisma(this.databaseConfig());
    return this.prismaClient;
  }

  secrets(): SecretsConfig {
    if (this.secretsValue) return this.secretsValue;
    const env = this.io.env;
    if (env.TURNOUT_MASTER_KEY && env.TURNOUT_JWT_SECRET) {
      this.secretsValue = secretsConfig(env);
      return this.secretsValue;
    }
    const dir = dataDir(env);
    const file = join(dir, 'secrets.json');
    if (!existsSync(file)) {
      throw new CliError(
        'TURNOUT_MASTER_KEY and TURNOUT_JWT_SECRET are not set and no local secrets were found: ' +
          'set them to the values the running Turnout uses, or start the local product once with `npm start`',
      );
    }
    let local: Record<string, unknown>;
    try {
      local = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new CliError(`cannot read the local secrets in ${dir}: ${firstLine(err)}`);
    }
    const fromFile = (name: string) => (typeof local[name] === 'string' ? (local[name] as string) : undefined);
    // A variable set in the environment wins over the file, as for the product itself.
    this.secretsValue = secretsConfig({
      ...env,
      TURNOUT_MASTER_KEY: env.TURNOUT_MASTER_KEY || fromFile('TURNOUT_MASTER_KEY'),
      TURNOUT_JWT_SECRET: env.TURNOUT_JWT_SECRET || fromFile('TURNOUT_JWT_SECRET'),
    });
    return this.secretsValue;
  }

  /** The group exists, and the subsidiary, if given, exists and belongs to it. */
  async checkTenant(groupId: string, subsidiaryId: string | undefined): Promise<void> {
    const prisma = this.database();
    const group = await prisma.group.findUnique({ where: { id: groupId }, select: { id: true } });
    if (group === null) throw new CliError(`no group ${groupId}`);
    if (subsidiaryId !== undefined) {
      const subsidiary = await prisma.subsidiary.findUnique({ where: { id: subsidiaryId }, select: { groupId: true } });
      if (subsidiary === null) throw new CliError(`no subsidiary ${subsidiaryId}`);
      if (subsidiary.groupId !== groupId) throw new CliError(`subsidiary ${subsidiaryId} does not belong to group ${groupId}`);
    }
  }

  /**
   * Where people reach the running product: TURNOUT_PUBLIC_URL when set, else
   * what the local Turnout started with `npm start` recorded, else the default.
   */
  publicUrl(): string {
    const env = this.io.env;
    if (!env.TURNOUT_PUBLIC_URL && !env.DATABASE_URL) {
      const info = readRuntimeInfo(dataDir(env));
      if (info !== null) return info.publicUrl ?? info.apiUrl;
    }
    return publicUrl(env);
  }

  /** The operator named in audit entries: the OS user running the CLI. */
  actor(): Actor {
    let name = this.io.env.USER || this.io.env.USERNAME;
    if (!name) {
      try {
        name = userInfo().username;
      } catch {
        name = 'unknown';
      }
    }
    return { type: 'operator', id: `cli:${name}` };
  }

  async close(): Promise<void> {
    const client = this.prismaClient;
    this.prismaClient = undefined;
    if (client) await client.$disconnect();
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return line ?? (err instanceof Error ? err.name : 'unknown error');
}

/** One command of the CLI: its words ("key rotate"), help text, options and action. */
export interface Command<O extends NonNullable<ParseArgsConfig['options']> = NonNullable<ParseArgsConfig['options']>> {
  name: string;
  summary: string;
  help: string;
  options: O;
  run(values: ParsedValues<O>, ctx: Context): Promise<void>;
}

export type ParsedValues<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>['values'];

/** Defines a command with its option types inferred. */
export function command<const O extends NonNullable<ParseArgsConfig['options']>>(c: Command<O>): Command {
  return c as unknown as Command;
}

/** A required string option, trimmed and non-empty. */
export function requireOption(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`, command);
  return value.trim();
}

/** An id option that must be a UUID (group and subsidiary ids). */
export function requireUuid(value: string | undefined, flag: string, command: string): string {
  const v = requireOption(value, flag, command);
  if (!isUuid(v)) throw new UsageError(`${flag} must be an id (a UUID, as printed by \`turnout tenant create\`), got "${v}"`, command);
  return v;
}

/** JSON with dates as ISO strings, pretty-printed for people and parseable by scripts. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
