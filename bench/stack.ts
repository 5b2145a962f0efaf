/**
 * The product as it runs, started for a bench or fault run: a Temporal dev
 * server (SQLite file or in memory), a fresh migrated database (a new
 * database on DATABASE_URL's server, else an embedded PGlite in its own
 * process), the Twilio and SendGrid stand-ins, and the worker(s) and the API
 * as separate child processes (`tsx workers/main.ts`, `tsx api/main.ts`)
 * configured with provider credentials that point the real SDKs at the
 * stand-ins. Optionally a TCP proxy sits between the product and PostgreSQL,
 * so the fault suite can cut the database off.
 *
 * Everything listens on 127.0.0.1. Child output goes to log files in a
 * scratch directory, kept when a run fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { createFreshDatabase, dropDatabase, migrateDatabase } from '../dev/database';
import { poolConfigFromUrl } from '../lib/database-url';
import { freePort, sleep } from '../dev/ports';
import { exited, killOnExit, markGroupLeader, stopChild } from '../dev/processes';
import { ensureTemporalCli } from '../dev/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../dev/temporal-server';
import { SendGridStandIn } from '../dev/standins/sendgrid';
import { TwilioStandIn } from '../dev/standins/twilio';
import { WebhookReceiver } from '../dev/standins/webhook-receiver';
import { EVENT_TYPES } from '../domain/outbound-events';
import { TcpProxy } from './tcp-proxy';

const ROOT = resolve(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const READY_TIMEOUT_MS = 120_000;

export interface StackOptions {
  /** 'file': SQLite file, as `npm start` runs it (and needed to restart the server); 'memory': nothing on disk. */
  temporalDb: 'file' | 'memory';
  /** Put a TCP proxy between the worker/API and PostgreSQL. */
  databaseProxy: boolean;
  /** Worker processes on the same task queue. */
  workers: number;
  /** Extra environment for the worker(s) and the API (tuning), over the bench defaults. */
  env: Record<string, string>;
  /** The group policy of the bench tenant. */
  policy: Record<string, unknown>;
  /** Journal of the SQLite file (dev/temporal-server.ts); default WAL, as `npm start` runs it. */
  sqliteJournal?: 'wal' | 'default';
  /** Extra `temporal server start-dev` flags (experiments: --sqlite-pragma, --dynamic-config-value). */
  temporalArgs?: string[];
  log: (msg: string) => void;
}

export interface Tenant {
  groupId: string;
  subsidiaryId: string;
  apiKeyId: string;
  apiSecret: string;
}

/** One child process started through tsx in its own process group, its output in a log file. */
export class ManagedChild {
  child: ChildProcess | undefined;
  private out: WriteStream | undefined;
  restarts = 0;

  constructor(
    readonly name: string,
    private readonly entry: string[],
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts the child; resolves once `ready` says so (it sees every output chunk). */
  async start(ready: (output: string) => boolean | Promise<boolean>, poll?: () => Promise<boolean>): Promise<void> {
    this.out ??= createWriteStream(this.logFile, { flags: 'a' });
    this.out.write(`\n--- start ${new Date().toISOString()} ---\n`);
    const child = spawn(TSX, this.entry, { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    markGroupLeader(child);
    killOnExit(child);
    this.child = child;
    let seen = '';
    let isReady = false;
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        this.out?.write(chunk);
        if (!isReady) seen = (seen + chunk.toString()).slice(-20_000);
      });
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.name} exited while starting (${child.exitCode ?? child.signalCode}):\n${seen.slice(-3000)}`);
      }
      if ((await ready(seen)) || (poll && (await poll()))) break;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${READY_TIMEOUT_MS / 1000} s:\n${seen.slice(-3000)}`);
      await sleep(100);
    }
    isReady = true;
  }

  /** SIGKILL to the whole group: tsx's wrapper and the program under it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const gone = exited(child);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await gone;
    this.out?.write(`\n--- SIGKILL ${new Date().toISOString()} ---\n`);
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.child) await stopChild(this.child, graceMs);
    await new Promise<void>((r) => (this.out ? this.out.end(r) : r()));
    this.out = undefined;
  }
}

/** A process and all its descendants (from /proc). */
export function processTree(root: number | undefined): number[] {
  if (!root) return [];
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** A dev server's process, found by its gRPC port in /proc. */
export function devServerPid(port: number): number | undefined {
  const wanted = `start-dev\x00--ip\x00127.0.0.1\x00--port\x00${port}\x00`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(wanted)) return Number(name);
    } catch {
      // gone
    }
  }
  return undefined;
}

export class BenchStack {
  readonly dir = mkdtempSync(join(tmpdir(), 'turnout-bench-'));
  readonly taskQueue = `turnout-bench-${Date.now()}-${randomBytes(3).toString('hex')}`;
  readonly twilio = new TwilioStandIn();
  readonly sendgrid = new SendGridStandIn();
  /** The platform's webhook endpoint: receives every event Turnout sends out. */
  readonly platformReceiver = new WebhookReceiver();
  temporal: TemporalDevServer | undefined;
  temporalPort = 0;
  temporalCli = '';
  temporalAddress = '';
  /** Direct URL of the run's database, for the bench's own reads. */
  databaseUrl = '';
  /** What the worker and the API use: the proxy's port when there is one. */
  productDatabaseUrl = '';
  databaseKind = '';
  proxy: TcpProxy | undefined;
  workers: ManagedChild[] = [];
  api: ManagedChild | undefined;
  apiUrl = '';
  tenant!: Tenant;
  productEnv: NodeJS.ProcessEnv = {};
  private embeddedDb: ManagedChild | undefined;
  private createdDatabase: { serverUrl: string; name: string } | undefined;

  constructor(private readonly opts: StackOptions) {}

  get temporalDbFile(): string | undefined {
    return this.opts.temporalDb === 'file' ? join(this.dir, 'temporal.db') : undefined;
  }

  async start(): Promise<void> {
    const { log } = this.opts;
    const t0 = Date.now();
    const took = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    log(`scratch directory ${this.dir}`);
    const [temporal, database] = await Promise.allSettled([this.startTemporal(), this.startDatabase()]);
    if (temporal.status === 'rejected') throw temporal.reason;
    if (database.status === 'rejected') throw database.reason;
    log(`Temporal dev server ${this.temporalAddress} (${this.opts.temporalDb === 'file' ? 'SQLite file' : 'in memory'}), database ${this.databaseKind} migrated (${took()})`);

    await Promise.all([this.twilio.start(), this.sendgrid.start(), this.platformReceiver.start()]);
    this.productDatabaseUrl = this.databaseUrl;
    if (this.opts.databaseProxy) {
      const u = new URL(this.databaseUrl);
      this.proxy = new TcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
      u.port = String(await this.proxy.listen());
      this.productDatabaseUrl = u.toString();
      log(`PostgreSQL reached by the product through the TCP proxy on port ${u.port}`);
    }

    const secrets = {
      TURNOUT_MASTER_KEY: randomBytes(32).toString('base64'),
      TURNOUT_JWT_SECRET: randomBytes(32).toString('base64'),
    };
    this.tenant = await this.createTenant(secrets);
    const apiPort = await freePort();
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.productEnv = {
      ...process.env,
      ...secrets,
      DATABASE_URL: this.productDatabaseUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      TURNOUT_PUBLIC_URL: this.apiUrl,
      LOG_LEVEL: 'warn',
      // A platform key is limited to 600 requests a minute by default; the bench is one platform sending far more.
      RATE_LIMIT_PER_MINUTE: '0',
      TWILIO_ACCOUNT_SID: this.twilio.accountSid,
      TWILIO_AUTH_TOKEN: this.twilio.authToken,
      TWILIO_MESSAGING_SERVICE_SID: this.twilio.messagingServiceSid,
      TWILIO_API_BASE_URL: this.twilio.url,
      SENDGRID_API_KEY: this.sendgrid.apiKey,
      SENDGRID_FROM_EMAIL: 'bench@example.test',
      SENDGRID_API_BASE_URL: this.sendgrid.url,
      // The queues' rate limits are the provider account's throughput; the stand-ins have no limit,
      // and the workload peaks near 70 messages a second per channel.
      SMS_RATE_PER_SECOND: '1000',
      EMAIL_RATE_PER_SECOND: '1000',
      ...this.opts.env,
    };
    for (let i = 0; i < this.opts.workers; i++) {
      // BENCH_WORKER_NODE_FLAGS / BENCH_API_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=<dir>"): Node flags, for profiling.
      const flags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
      this.workers.push(new ManagedChild(`worker-${i + 1}`, [...flags, 'workers/main.ts'], this.productEnv, join(this.dir, `worker-${i + 1}.log`)));
    }
    const apiFlags = (process.env.BENCH_API_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    this.api = new ManagedChild('api', [...apiFlags, 'api/main.ts'], this.productEnv, join(this.dir, 'api.log'));
    await Promise.all([...this.workers.map((w) => this.startWorker(w)), this.startApi()]);
    log(`${this.opts.workers} worker process(es) and the API on ${this.apiUrl} ready (${took()})`);
  }

  /**
   * Ready when Temporal sees this process polling all three of its queues (the
   * interview queue's workflow tasks, the sms and email queues' activity
   * tasks): pollers carry the SDK's identity "<pid>@<host>".
   */
  async startWorker(w: ManagedChild): Promise<void> {
    const connection = await Connection.connect({ address: this.temporalAddress });
    try {
      const { WORKFLOW, ACTIVITY } = { WORKFLOW: 1, ACTIVITY: 2 };
      const queues: Array<[string, number]> = [
        [this.taskQueue, WORKFLOW],
        [`${this.taskQueue}-sms`, ACTIVITY],
        [`${this.taskQueue}-email`, ACTIVITY],
      ];
      const polling = async (): Promise<boolean> => {
        const pids = new Set(processTree(w.pid));
        if (pids.size === 0) return false;
        for (const [name, taskQueueType] of queues) {
          const { pollers } = await connection.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name, kind: 1 },
            taskQueueType,
          });
          if (!(pollers ?? []).some((p) => pids.has(Number((p.identity ?? '').split('@')[0])))) return false;
        }
        return true;
      };
      await w.start(() => false, () => polling().catch(() => false));
    } finally {
      await connection.close();
    }
  }

  async startApi(): Promise<void> {
    await this.api!.start(
      () => false,
      async () => {
        try {
          const res = await fetch(`${this.apiUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
          return res.status === 200;
        } catch {
          return false;
        }
      },
    );
  }

  private async startTemporal(): Promise<void> {
    this.temporalCli = await ensureTemporalCli(this.opts.log);
    const extra = this.opts.temporalArgs ?? [];
    if (extra.length > 0) {
      // dev/temporal-server.ts takes no extra flags: a wrapper in the scratch directory appends them.
      const wrapper = join(this.dir, 'temporal-with-flags.sh');
      const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
      writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(this.temporalCli)} "$@" ${extra.map(quote).join(' ')}\n`, { mode: 0o755 });
      this.temporalCli = wrapper;
    }
    this.temporalPort ||= await freePort();
    await this.restartTemporal();
  }

  /** (Re)starts the dev server on the same port and, for a file, the same SQLite database. */
  async restartTemporal(): Promise<void> {
    this.temporal = await startTemporalDevServer({
      cliPath: this.temporalCli,
      port: this.temporalPort,
      uiPort: null,
      dbFile: this.temporalDbFile,
      sqliteJournal: this.opts.sqliteJournal,
      logFile: join(this.dir, 'temporal.log'),
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    this.temporalAddress = this.temporal.address;
  }

  async stopTemporal(): Promise<void> {
    await this.temporal?.stop();
    this.temporal = undefined;
  }

  private temporalPidCache: number | undefined;

  /** The dev server's process, for the sampler (cached while it lives). */
  temporalPid(): number | undefined {
    if (!this.temporal) return undefined;
    if (this.temporalPidCache && existsSync(`/proc/${this.temporalPidCache}`)) return this.temporalPidCache;
    this.temporalPidCache = devServerPid(this.temporalPort);
    return this.temporalPidCache;
  }

  embeddedDbPid(): number | undefined {
    return this.embeddedDb?.pid;
  }

  /**
   * The PostgreSQL server's postmaster on DATABASE_URL's server (its backends
   * are its children), read from postmaster.pid in its data directory; the
   * embedded PGlite's process otherwise. Undefined when neither can be found
   * (a server on another machine, or one this user may not read).
   */
  async databaseServerPid(): Promise<number | undefined> {
    if (this.embeddedDb) return this.embeddedDb.pid;
    const client = new PgClient(poolConfigFromUrl(this.databaseUrl));
    try {
      await client.connect();
      const { rows } = await client.query<{ dir: string }>('SELECT current_setting(\'data_directory\') AS dir');
      const pid = Number(readFileSync(join(rows[0]!.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : undefined;
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async startDatabase(): Promise<void> {
    const serverUrl = process.env.DATABASE_URL;
    if (serverUrl) {
      const name = `turnout_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
      this.databaseUrl = await createFreshDatabase(serverUrl, name);
      this.createdDatabase = { serverUrl, name };
      this.databaseKind = `${name} on the DATABASE_URL server`;
    } else {
      this.embeddedDb = new ManagedChild('embedded PostgreSQL', ['bench/embedded-db.ts', join(this.dir, 'pgdata')], process.env, join(this.dir, 'pglite.log'));
      await this.embeddedDb.start((out) => /READY (\S+)/.test(out));
      this.databaseUrl = /READY (\S+)/.exec(readFileSync(join(this.dir, 'pglite.log'), 'utf8'))![1]!;
      this.databaseKind = 'embedded PGlite (its own process)';
    }
    await migrateDatabase(this.databaseUrl);
  }

  private async createTenant(secrets: Record<string, string>): Promise<Tenant> {
    const tenant = JSON.parse(
      await this.cli(secrets, ['tenant', 'create', '--group', `Bench group ${Date.now()}`, '--subsidiary', 'Bench subsidiary', '--policy', JSON.stringify(this.opts.policy), '--hr-email', 'hr@bench.example.test', '--json']),
    ) as Tenant;
    // The platform's endpoint, subscribed to everything, so the figures include what each change tells the platform.
    await this.cli(secrets, ['webhook', 'add', '--group', tenant.groupId, '--url', `${this.platformReceiver.url}/turnout`, '--events', EVENT_TYPES.join(','), '--json']);
    return tenant;
  }

  /** `turnout <args>` against the run's database; its standard output. */
  private async cli(secrets: Record<string, string>, args: string[]): Promise<string> {
    const child = spawn(process.execPath, [join(ROOT, 'cli', 'turnout.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...secrets, DATABASE_URL: this.databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    await exited(child);
    if (child.exitCode !== 0) throw new Error(`turnout ${args.slice(0, 2).join(' ')} failed (${child.exitCode}): ${err.trim()}`);
    return out;
  }

  /** Stops everything, users before services; the scratch directory goes unless `keep`. */
  async stop(keep: boolean): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['api', async () => this.api?.stop(5_000)],
      // A profiled worker writes its profile only when it exits by itself, after its graceful shutdown.
      ['workers', async () => Promise.all(this.workers.map((w) => w.stop(process.env.BENCH_WORKER_NODE_FLAGS ? 60_000 : 5_000)))],
      ['Temporal', async () => this.stopTemporal()],
      ['proxy', async () => this.proxy?.close()],
      ['stand-ins', async () => Promise.all([this.twilio.close(), this.sendgrid.close(), this.platformReceiver.close()])],
      ['embedded PostgreSQL', async () => this.embeddedDb?.stop(10_000)],
      ['bench database', async () => this.createdDatabase && dropDatabase(this.createdDatabase.serverUrl, this.createdDatabase.name)],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.opts.log(`stopping ${name}: ${(err as Error).message}`);
      }
    }
    if (keep) this.opts.log(`logs kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
