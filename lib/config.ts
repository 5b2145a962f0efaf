/**
 * Configuration is read from environment variables once, at start, and a bad
 * value stops start-up with a message naming the variable. Every variable is
 * documented in the README with its default.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isLocalDatabaseHost, poolConfigFromUrl, usesTls } from './database-url';

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
    // A URL may carry a password (DATABASE_URL): the message never repeats one.
    throw new ConfigError(name, `must be a URL, got "${v.replace(/\/\/[^/@]*@/, '//…@')}"`);
  }
  return v;
}

function flag(env: Env, name: string): boolean {
  const v = str(env, name, 'false').toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

function key32(env: Env, name: string): Buffer {
  const raw = required(env, name, '32 random bytes, base64; `npm start` generates one for local use');
  const buf = Buffer.from(raw, 'base64');
  if (buf.length !== 32) throw new ConfigError(name, `must be 32 bytes in base64, got ${buf.length} bytes`);
  return buf;
}

/**
 * Production mode is NODE_ENV=production, defined here once; every rule that
 * differs in production asks this (the README's "Production mode" lists them):
 * a database on another host only over TLS (unless DATABASE_ALLOW_PLAINTEXT),
 * TURNOUT_PUBLIC_URL https only, the console cookie always Secure, stored
 * outbound URLs https only (lib/outbound-url.ts).
 */
export function isProduction(env: Env = process.env): boolean {
  return env.NODE_ENV === 'production';
}

export interface DatabaseConfig {
  url: string;
  poolSize: number;
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /**
   * TLS to the frontend (a cluster of your own, Temporal Cloud); absent: plain
   * gRPC, as the dev server speaks. The PEM contents, read at start.
   */
  tls?: { clientCert?: Buffer; clientKey?: Buffer; serverRootCa?: Buffer; serverName?: string };
  /** Temporal Cloud API key (sent over TLS). */
  apiKey?: string;
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
  /** Production mode (isProduction): the rules that differ in it, for the routes that apply them. */
  production: boolean;
  host: string;
  port: number;
  publicUrl: string;
  bodyLimitBytes: number;
  logLevel: string;
  /** Requests per minute per platform key or HR token subject; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** Requests per minute per client IP for callers without a verified key or token (candidates). */
  rateLimitAnonymousPerMinute: number;
  /** Browser origins allowed by CORS; empty: CORS stays off. */
  corsOrigins: string[];
  /** Fastify's trustProxy: false, a hop count, or addresses/CIDRs of the proxies in front (never "any"). */
  trustProxy: false | number | string;
  /** How long a write waits for Temporal before answering 503. */
  temporalTimeoutMs: number;
  /** How long a read waits for a workflow query before answering from the database alone. */
  temporalQueryTimeoutMs: number;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
}

/**
 * DATABASE_URL with its query options (lib/database-url.ts). In production a
 * database on another host is reached over TLS (`?sslmode=verify-full`, or
 * `require`), or DATABASE_ALLOW_PLAINTEXT=true says the network in between is
 * private (a compose network, a VPC with its own encryption).
 */
export function databaseConfig(env: Env = process.env): DatabaseConfig {
  const u = url(env, 'DATABASE_URL');
  if (!/^postgres(ql)?:/.test(u)) throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  let pool;
  try {
    pool = poolConfigFromUrl(u);
  } catch (err) {
    // e.g. an sslrootcert file that cannot be read
    throw new ConfigError('DATABASE_URL', `cannot be used: ${(err as Error).message}`);
  }
  const allowPlaintext = flag(env, 'DATABASE_ALLOW_PLAINTEXT');
  if (isProduction(env) && !usesTls(pool) && !isLocalDatabaseHost(pool.host) && !allowPlaintext) {
    throw new ConfigError(
      'DATABASE_URL',
      `in production a database on another host (${pool.host}) is reached over TLS: add ?sslmode=verify-full (or require), or set DATABASE_ALLOW_PLAINTEXT=true when the network in between is private`,
    );
  }
  return { url: u, poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 200) };
}

/** How much one worker process takes on at once (workers/worker.ts). */
export interface WorkerTuning {
  /** Activity slots (and local-activity slots) of the interview worker: each holds a database connection while it runs. */
  maxConcurrentActivities: number;
  /** Activity slots on each channel queue (sms, email): a send holds a connection only around the provider call. */
  maxConcurrentSends: number;
  maxConcurrentWorkflowTasks: number;
  /** Workflows kept in memory between tasks (sticky cache); 0 leaves the SDK's default, sized from the heap. */
  maxCachedWorkflows: number;
  /** On SIGTERM, how long in-flight tasks may finish before they are cancelled. */
  shutdownGraceMs: number;
}

/**
 * Slots default to twice the database pool: the SDK's 100 activity slots per
 * queue over a pool of 10 let transactions wait seconds for a connection (and
 * fail) while tasks that could have waited in the queue hold slots. Each kind
 * of slot (activities, local activities, sends per channel) is its own pool;
 * a task holds a connection only while it talks to the database.
 */
export function workerTuning(env: Env = process.env, db: DatabaseConfig = databaseConfig(env)): WorkerTuning {
  const maxConcurrentWorkflowTasks = int(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 40, 2, 2000);
  const maxCachedWorkflows = int(env, 'WORKER_MAX_CACHED_WORKFLOWS', 0, 0, 1_000_000);
  if (maxCachedWorkflows > 0 && maxCachedWorkflows < maxConcurrentWorkflowTasks) {
    // The SDK would quietly lower the task slots to the cache size.
    throw new ConfigError('WORKER_MAX_CACHED_WORKFLOWS', `must be 0 (the SDK's default) or at least WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${maxConcurrentWorkflowTasks})`);
  }
  return {
    maxConcurrentActivities: int(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', 2 * db.poolSize, 1, 2000),
    maxConcurrentSends: int(env, 'WORKER_MAX_CONCURRENT_SENDS', 2 * db.poolSize, 1, 2000),
    maxConcurrentWorkflowTasks,
    maxCachedWorkflows,
    shutdownGraceMs: int(env, 'WORKER_SHUTDOWN_GRACE_MS', 30_000, 0, 600_000),
  };
}

export function temporalConfig(env: Env = process.env): TemporalConfig {
  const address = str(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233');
  if (!/^[^\s:]+:\d+$/.test(address)) throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port, got "${address}"`);
  const pem = (name: string): Buffer | undefined => {
    const path = str(env, name, '');
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(name, `cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const clientCert = pem('TEMPORAL_TLS_CERT');
  const clientKey = pem('TEMPORAL_TLS_KEY');
  if (!clientCert !== !clientKey) {
    throw new ConfigError(clientCert ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT', 'mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY');
  }
  const serverRootCa = pem('TEMPORAL_TLS_SERVER_CA');
  const serverName = str(env, 'TEMPORAL_TLS_SERVER_NAME', '') || undefined;
  const apiKey = str(env, 'TEMPORAL_API_KEY', '') || undefined;
  const tlsFlag = str(env, 'TEMPORAL_TLS', 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(tlsFlag)) throw new ConfigError('TEMPORAL_TLS', `must be true or false, got "${env.TEMPORAL_TLS}"`);
  const tlsOn = clientCert || serverRootCa || serverName || apiKey || tlsFlag === 'true' || tlsFlag === '1';
  return {
    address,
    namespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: str(env, 'TEMPORAL_TASK_QUEUE', 'turnout-interviews'),
    ...(tlsOn && { tls: { clientCert, clientKey, serverRootCa, serverName } }),
    ...(apiKey && { apiKey }),
  };
}

/** What the SDK's Connection and NativeConnection take to reach that frontend. */
export function temporalConnectionOptions(t: TemporalConfig) {
  const tls = t.tls && {
    ...(t.tls.clientCert && t.tls.clientKey && { clientCertPair: { crt: t.tls.clientCert, key: t.tls.clientKey } }),
    ...(t.tls.serverRootCa && { serverRootCACertificate: t.tls.serverRootCa }),
    ...(t.tls.serverName && { serverNameOverride: t.tls.serverName }),
  };
  return { address: t.address, ...(tls && { tls }), ...(t.apiKey && { apiKey: t.apiKey }) };
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
    production: isProduction(env),
    host,
    port,
    publicUrl: publicUrl(env),
    bodyLimitBytes: int(env, 'API_BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    rateLimitAnonymousPerMinute: int(env, 'RATE_LIMIT_ANONYMOUS_PER_MINUTE', 120, 1, 1_000_000),
    corsOrigins: corsOrigins(env),
    trustProxy: trustProxy(env),
    temporalTimeoutMs: int(env, 'API_TEMPORAL_TIMEOUT_MS', 10_000, 100, 120_000),
    temporalQueryTimeoutMs: int(env, 'API_TEMPORAL_QUERY_TIMEOUT_MS', 2_000, 100, 60_000),
    ...(env.METRICS_TOKEN ? { metricsToken: metricsToken(env) } : {}),
  };
}

/** CORS_ORIGINS: comma-separated origins such as https://hr.example.com; each must be a bare origin. */
function corsOrigins(env: Env): string[] {
  const raw = str(env, 'CORS_ORIGINS', '');
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError('CORS_ORIGINS', `must be comma-separated origins like https://hr.example.com (no path, no trailing slash), got "${origin}"`);
    }
  }
  return origins;
}

/** proxy-addr's names for address ranges, accepted beside addresses and CIDRs. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.includes(entry)) return true;
  const [address = '', bits, ...more] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || more.length > 0) return false;
  if (bits === undefined) return true;
  if (/^\d{1,3}$/.test(bits)) return Number(bits) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(bits) === 4; // a netmask: 10.0.0.0/255.0.0.0
}

/**
 * TRUST_PROXY: unset/false, a hop count, or comma-separated addresses/CIDRs
 * of the proxies in front. Not `true`: that would take any client's
 * X-Forwarded-For as its address (its rate-limit budget, the audit log) and
 * X-Forwarded-Proto as https.
 */
function trustProxy(env: Env): false | number | string {
  const raw = str(env, 'TRUST_PROXY', 'false').trim();
  if (raw === 'false' || raw === '0') return false;
  if (/^\d+$/.test(raw)) return int(env, 'TRUST_PROXY', 0, 0, 100);
  const entries = raw.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !isProxyAddress(e));
  if (bad !== undefined) {
    const why = raw === 'true' ? ' (true would trust any client\'s X-Forwarded-For: name the proxies or count them)' : '';
    throw new ConfigError('TRUST_PROXY', `must be false, a hop count or proxy addresses/CIDRs${why}, got "${bad}"`);
  }
  return entries.join(',');
}

function metricsToken(env: Env): string {
  const token = str(env, 'METRICS_TOKEN', '');
  if (token.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');
  return token;
}

/** Where candidates reach the API: self-service links in messages point here; in production over https only. */
export function publicUrl(env: Env = process.env): string {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const u = url(env, 'TURNOUT_PUBLIC_URL', `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (isProduction(env) && new URL(u).protocol !== 'https:') {
    throw new ConfigError('TURNOUT_PUBLIC_URL', `must be an https:// URL in production (candidates and HR open links under it), got "${u}"`);
  }
  return u;
}

export function logLevel(env: Env = process.env): string {
  return oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
}

/**
 * Message providers. A channel uses its provider when that provider's
 * credentials are set, else the outbox transport (the message is kept on its
 * notification row and a masked line is logged), so a fresh machine needs none
 * of these. Setting half of a provider's variables is an error, not a silent
 * fallback to the outbox.
 *
 *   TWILIO_ACCOUNT_SID            Twilio account SID (AC…); with TWILIO_AUTH_TOKEN and a sender, SMS goes through Twilio
 *   TWILIO_AUTH_TOKEN             the account's auth token; also checks X-Twilio-Signature on delivery receipts (API)
 *   TWILIO_MESSAGING_SERVICE_SID  sender: a Messaging Service (MG…), preferred; or
 *   TWILIO_FROM_NUMBER            sender: one of the account's numbers, E.164
 *   TWILIO_STATUS_CALLBACK_URL    where Twilio posts delivery receipts, exactly as Twilio will call it (the signature
 *                                 covers it); default ${TURNOUT_PUBLIC_URL}/v1/webhooks/twilio/status
 *   TWILIO_API_BASE_URL           unset: the SDK's own API host; set only to reach a stand-in (tests) or a proxy
 *   SENDGRID_API_KEY              SendGrid API key (SG.…) with Mail Send; with SENDGRID_FROM_EMAIL, e-mail goes through SendGrid
 *   SENDGRID_FROM_EMAIL           a verified sender address
 *   SENDGRID_FROM_NAME            the sender's display name, default "Turnout"
 *   SENDGRID_WEBHOOK_PUBLIC_KEY   the signed event webhook's verification key (base64, from SendGrid's mail settings);
 *                                 unset: POST /v1/webhooks/sendgrid/events refuses every receipt (API)
 *   SENDGRID_API_BASE_URL         unset: the SDK's own API host; set only to reach a stand-in (tests) or a proxy
 *   PROVIDER_TIMEOUT_MS           one provider request's timeout, default 15000 (a timeout is retried by Temporal)
 *   SMS_RATE_PER_SECOND           SMS sends per second across all workers (the sms task queue's limit), default 10
 *   EMAIL_RATE_PER_SECOND         e-mails per second across all workers (the email task queue's limit), default 50
 */
export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  sender: { messagingServiceSid: string } | { from: string };
  statusCallbackUrl: string;
  apiBaseUrl?: string;
  timeoutMs: number;
}

export interface SendGridConfig {
  apiKey: string;
  from: { email: string; name: string };
  apiBaseUrl?: string;
  timeoutMs: number;
}

export interface MessageRates {
  smsPerSecond: number;
  emailPerSecond: number;
}

export interface ProvidersConfig {
  /** Null: SMS goes to the outbox. */
  twilio: TwilioConfig | null;
  /** Null: e-mail goes to the outbox. */
  sendgrid: SendGridConfig | null;
  /** Checks Twilio's status callbacks; set whenever TWILIO_AUTH_TOKEN is (the API needs no account SID). */
  twilioWebhook: { authToken: string; statusCallbackUrl: string } | null;
  /** Checks SendGrid's signed event webhook. */
  sendgridWebhook: { publicKey: string } | null;
  rates: MessageRates;
}

function rate(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 10_000) throw new ConfigError(name, `must be a number of messages per second above 0, got "${raw}"`);
  return n;
}

function optionalUrl(env: Env, name: string): string | undefined {
  return env[name] ? url(env, name).replace(/\/+$/, '') : undefined;
}

export function messageRates(env: Env = process.env): MessageRates {
  return { smsPerSecond: rate(env, 'SMS_RATE_PER_SECOND', 10), emailPerSecond: rate(env, 'EMAIL_RATE_PER_SECOND', 50) };
}

/**
 * What the API needs to check delivery receipts, and nothing else: an API
 * process does not fail on a worker-only setting (a sender, a rate).
 */
export function providerWebhooksConfig(env: Env = process.env): Pick<ProvidersConfig, 'twilioWebhook' | 'sendgridWebhook'> {
  const authToken = str(env, 'TWILIO_AUTH_TOKEN', '');
  const statusCallbackUrl = url(env, 'TWILIO_STATUS_CALLBACK_URL', `${publicUrl(env)}/v1/webhooks/twilio/status`);
  const publicKey = str(env, 'SENDGRID_WEBHOOK_PUBLIC_KEY', '');
  if (publicKey) {
    try {
      sendgridPublicKey(publicKey);
    } catch {
      throw new ConfigError('SENDGRID_WEBHOOK_PUBLIC_KEY', 'must be the verification key from SendGrid (an ECDSA P-256 public key, base64 or PEM)');
    }
  }
  return {
    twilioWebhook: authToken ? { authToken, statusCallbackUrl } : null,
    sendgridWebhook: publicKey ? { publicKey } : null,
  };
}

/** SendGrid's verification key: base64 DER (SubjectPublicKeyInfo), as its settings page shows it, or PEM; ECDSA P-256 only. */
export function sendgridPublicKey(configured: string): KeyObject {
  const key = configured.includes('-----BEGIN')
    ? createPublicKey(configured)
    : createPublicKey({ key: Buffer.from(configured.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('not an ECDSA P-256 public key');
  }
  return key;
}

export function providersConfig(env: Env = process.env): ProvidersConfig {
  // Well under the send's 60 s start-to-close (workflows/interview.ts): an attempt must end,
  // bookkeeping included, before Temporal retries it, or the two could both send.
  const timeoutMs = int(env, 'PROVIDER_TIMEOUT_MS', 15_000, 100, 30_000);
  const authToken = str(env, 'TWILIO_AUTH_TOKEN', '');
  const statusCallbackUrl = url(env, 'TWILIO_STATUS_CALLBACK_URL', `${publicUrl(env)}/v1/webhooks/twilio/status`);

  let twilio: TwilioConfig | null = null;
  const accountSid = str(env, 'TWILIO_ACCOUNT_SID', '');
  if (accountSid) {
    if (!accountSid.startsWith('AC')) throw new ConfigError('TWILIO_ACCOUNT_SID', 'must be an account SID starting with AC');
    if (!authToken) throw new ConfigError('TWILIO_AUTH_TOKEN', 'is required when TWILIO_ACCOUNT_SID is set');
    const messagingServiceSid = str(env, 'TWILIO_MESSAGING_SERVICE_SID', '');
    const from = str(env, 'TWILIO_FROM_NUMBER', '');
    if (messagingServiceSid && !messagingServiceSid.startsWith('MG')) {
      throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'must be a Messaging Service SID starting with MG');
    }
    if (!messagingServiceSid && !/^\+[1-9]\d{6,14}$/.test(from)) {
      throw new ConfigError('TWILIO_FROM_NUMBER', 'or TWILIO_MESSAGING_SERVICE_SID is required when TWILIO_ACCOUNT_SID is set (an E.164 number)');
    }
    twilio = {
      accountSid,
      authToken,
      sender: messagingServiceSid ? { messagingServiceSid } : { from },
      statusCallbackUrl,
      apiBaseUrl: optionalUrl(env, 'TWILIO_API_BASE_URL'),
      timeoutMs,
    };
  }

  let sendgrid: SendGridConfig | null = null;
  const apiKey = str(env, 'SENDGRID_API_KEY', '');
  if (apiKey) {
    const email = str(env, 'SENDGRID_FROM_EMAIL', '');
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ConfigError('SENDGRID_FROM_EMAIL', 'is required when SENDGRID_API_KEY is set (an e-mail address)');
    sendgrid = {
      apiKey,
      from: { email, name: str(env, 'SENDGRID_FROM_NAME', 'Turnout') },
      apiBaseUrl: optionalUrl(env, 'SENDGRID_API_BASE_URL'),
      timeoutMs,
    };
  }

  return { twilio, sendgrid, ...providerWebhooksConfig(env), rates: messageRates(env) };
}

/**
 * The HR console's sign-in (api/console-session.ts). Sessions are kept
 * server-side; the cookie carries only the session's signed id.
 *
 *   CONSOLE_SESSION_IDLE_TIMEOUT_SECONDS  a session unused this long ends, default 1800 (30 min)
 *   CONSOLE_SESSION_LIFETIME_SECONDS      a session ends this long after sign-in however busy, default 43200 (12 h)
 */
export interface ConsoleConfig {
  idleTimeoutMs: number;
  lifetimeMs: number;
  /** Production: the cookie is always Secure and carries the __Host- prefix; elsewhere Secure over https only. */
  secureCookie: boolean;
  /** The installation's OpenID Connect provider; null: console links only. */
  oidc?: OidcConfig | null;
}

/**
 * Sign-in through the installation's OpenID Connect provider (authorization
 * code with PKCE). Who signs in is read from the ID token's claims: their
 * names are configurable, and claim values may be mapped to Turnout's roles.
 */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE only, no client authentication). */
  clientSecret?: string;
  /** Where the provider sends the browser back; absent: <TURNOUT_PUBLIC_URL>/console/auth/callback. */
  redirectUri: string;
  scopes: string;
  claims: { role: string; group: string; subsidiary: string; name: string };
  /** A claim value → a Turnout role ("hr-managers" → group_hr); a value that is itself a role name needs no entry. */
  roleMap: Record<string, 'hr' | 'group_hr' | 'auditor'>;
  /** Every sign-in in this group, whatever the token says (one installation, one group). */
  fixedGroupId?: string;
  /** Plain-http issuer: loopback only, outside production (a test's provider). */
  allowInsecure: boolean;
}

const CONSOLE_ROLES = ['hr', 'group_hr', 'auditor'] as const;

export function oidcConfig(env: Env = process.env): OidcConfig | null {
  if (!env.OIDC_ISSUER) return null;
  const issuer = url(env, 'OIDC_ISSUER').replace(/\/+$/, '');
  const insecure = new URL(issuer).protocol === 'http:';
  if (insecure && (isProduction(env) || !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(issuer).hostname))) {
    throw new ConfigError('OIDC_ISSUER', `must be an https:// URL (plain http only for a loopback provider outside production), got "${issuer}"`);
  }
  const roleMap: OidcConfig['roleMap'] = {};
  for (const pair of str(env, 'OIDC_ROLE_MAP', '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [value, role] = pair.split('=').map((x) => x.trim());
    if (!value || !role || !(CONSOLE_ROLES as readonly string[]).includes(role)) {
      throw new ConfigError('OIDC_ROLE_MAP', `must be claim-value=role pairs separated by commas, the role one of ${CONSOLE_ROLES.join(', ')}; got "${pair}"`);
    }
    roleMap[value] = role as OidcConfig['roleMap'][string];
  }
  return {
    issuer,
    clientId: required(env, 'OIDC_CLIENT_ID', 'the client id registered with the identity provider'),
    ...(env.OIDC_CLIENT_SECRET ? { clientSecret: env.OIDC_CLIENT_SECRET } : {}),
    redirectUri: url(env, 'OIDC_REDIRECT_URI', `${publicUrl(env)}/console/auth/callback`),
    scopes: str(env, 'OIDC_SCOPES', 'openid profile'),
    claims: {
      role: str(env, 'OIDC_ROLE_CLAIM', 'turnout_role'),
      group: str(env, 'OIDC_GROUP_CLAIM', 'turnout_group'),
      subsidiary: str(env, 'OIDC_SUBSIDIARY_CLAIM', 'turnout_subsidiary'),
      name: str(env, 'OIDC_NAME_CLAIM', 'name'),
    },
    roleMap,
    ...(env.OIDC_GROUP_ID ? { fixedGroupId: env.OIDC_GROUP_ID } : {}),
    allowInsecure: insecure,
  };
}

export function consoleConfig(env: Env = process.env): ConsoleConfig {
  const production = isProduction(env);
  const idleSeconds = int(env, 'CONSOLE_SESSION_IDLE_TIMEOUT_SECONDS', 1800, 60, 7 * 86_400);
  const lifetimeSeconds = int(env, 'CONSOLE_SESSION_LIFETIME_SECONDS', 43_200, 60, 30 * 86_400);
  if (lifetimeSeconds < idleSeconds) {
    throw new ConfigError('CONSOLE_SESSION_LIFETIME_SECONDS', `must be at least CONSOLE_SESSION_IDLE_TIMEOUT_SECONDS (${idleSeconds})`);
  }
  return {
    idleTimeoutMs: idleSeconds * 1000,
    lifetimeMs: lifetimeSeconds * 1000,
    secureCookie: production,
    oidc: oidcConfig(env),
  };
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

/**
 * Outbound deliveries: HR alert e-mails and webhooks (activities/delivery/).
 *
 *   WEBHOOK_RETRY_SCHEDULE   comma-separated ISO-8601 waits after the 1st, 2nd, … failed attempt; when spent the
 *                            delivery fails. Default PT5S,PT5M,PT30M,PT2H,PT5H,PT10H,PT10H (about 27.6 h, Standard
 *                            Webhooks' own schedule); alert e-mails that did not go out retry on it too
 *   WEBHOOK_TIMEOUT_MS       one attempt's timeout, default 10000 (at most 30000)
 *   DELIVERY_POLL_MS         how often an idle worker looks for due deliveries, default 500
 */
export interface DeliveryConfig {
  retryScheduleMs: number[];
  timeoutMs: number;
  pollMs: number;
}

export const DEFAULT_RETRY_SCHEDULE = 'PT5S,PT5M,PT30M,PT2H,PT5H,PT10H,PT10H';

export function deliveryConfig(env: Env = process.env): DeliveryConfig {
  const raw = str(env, 'WEBHOOK_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE);
  const retryScheduleMs = raw.split(',').map((part) => {
    const ms = isoDurationMs(part.trim());
    if (ms === null || ms <= 0) {
      throw new ConfigError('WEBHOOK_RETRY_SCHEDULE', `must be comma-separated positive ISO-8601 durations (e.g. PT5S,PT5M), got "${part.trim()}"`);
    }
    return ms;
  });
  if (retryScheduleMs.length > 50) throw new ConfigError('WEBHOOK_RETRY_SCHEDULE', 'must have at most 50 steps');
  return {
    retryScheduleMs,
    timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 30_000),
    pollMs: int(env, 'DELIVERY_POLL_MS', 500, 10, 60_000),
  };
}

/** PTnHnMnS / PnD with decimal seconds, or null. */
function isoDurationMs(s: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) return null;
  const [, d, h, min, sec] = m;
  return Math.round(((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(sec ?? 0) * 1000);
}
