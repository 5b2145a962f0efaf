/**
 * Configuration is read from environment variables once, at start, and a bad
 * value stops start-up with a message naming the variable. Every variable is
 * documented in the README with its default.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function required(env: Env, name: string, hint: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new ConfigError(name, `is required (${hint})`);
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const v = str(env, name, fallback);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${v}"`);
  }
  return v as T;
}

function url(env: Env, name: string, fallback?: string): string {
  const v = fallback === undefined ? required(env, name, 'a URL') : str(env, name, fallback);
  try {
    new URL(v);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${v}"`);
  }
  return v;
}

function key32(env: Env, name: string): Buffer {
  const raw = required(env, name, '32 random bytes, base64; `npm start` generates one for local use');
  const buf = Buffer.from(raw, 'base64');
  if (buf.length !== 32) throw new ConfigError(name, `must be 32 bytes in base64, got ${buf.length} bytes`);
  return buf;
}

export interface DatabaseConfig {
  url: string;
  poolSize: number;
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
}

export interface SecretsConfig {
  /** Encrypts platform API secrets at rest and signs self-service tokens. */
  masterKey: Buffer;
  /** HS256 key for HR bearer tokens. */
  jwtSecret: Buffer;
  jwtIssuer: string;
  jwtAudience: string;
}

export interface ApiConfig {
  host: string;
  port: number;
  publicUrl: string;
  bodyLimitBytes: number;
  logLevel: string;
}

export function databaseConfig(env: Env = process.env): DatabaseConfig {
  const u = url(env, 'DATABASE_URL');
  if (!/^postgres(ql)?:/.test(u)) throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  return { url: u, poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 200) };
}

export function temporalConfig(env: Env = process.env): TemporalConfig {
  const address = str(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233');
  if (!/^[^\s:]+:\d+$/.test(address)) throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port, got "${address}"`);
  return {
    address,
    namespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: str(env, 'TEMPORAL_TASK_QUEUE', 'turnout-interviews'),
  };
}

export function secretsConfig(env: Env = process.env): SecretsConfig {
  return {
    masterKey: key32(env, 'TURNOUT_MASTER_KEY'),
    jwtSecret: key32(env, 'TURNOUT_JWT_SECRET'),
    jwtIssuer: str(env, 'TURNOUT_JWT_ISSUER', 'turnout'),
    jwtAudience: str(env, 'TURNOUT_JWT_AUDIENCE', 'turnout-api'),
  };
}

export function apiConfig(env: Env = process.env): ApiConfig {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = str(env, 'HOST', '127.0.0.1');
  return {
    host,
    port,
    publicUrl: publicUrl(env),
    bodyLimitBytes: int(env, 'API_BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  };
}

/** Where candidates reach the API: self-service links in messages point here. */
export function publicUrl(env: Env = process.env): string {
  const port = int(env, 'PORT', 3000, 0, 65535);
  return url(env, 'TURNOUT_PUBLIC_URL', `http://127.0.0.1:${port}`).replace(/\/+$/, '');
}

export function logLevel(env: Env = process.env): string {
  return oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
}

/** Runs a config reader and turns a ConfigError into a one-line exit, as every entry point should. */
export function loadOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`turnout: configuration error: ${err.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
