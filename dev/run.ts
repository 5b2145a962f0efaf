/**
 * `npm start`: the whole product on one machine with nothing installed but
 * Node (and Python for the first Temporal CLI download). Starts what is not
 * given from outside — a Temporal dev server, an embedded PostgreSQL — applies
 * migrations, runs the worker and the API as child processes, and stops it all
 * in dependency order on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publicUrl } from '../lib/config';
import { dataDir, ensureLocalSecrets, readRuntimeInfo, writeRuntimeInfo } from '../lib/local-runtime';
import { migrateDatabase } from './database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { isListening, sleep } from './ports';
import { killOnExit, markGroupLeader, stopChild } from './processes';
import { ensureTemporalCli } from './temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-server';

const PROJECT_ROOT = resolve(__dirname, '..');
const READY_TIMEOUT_MS = 120_000;
/** The worker drains in-flight activities on SIGTERM; give it time before a hard kill. */
const CHILD_GRACE_MS = 30_000;

const say = (msg: string) => process.stdout.write(`turnout: ${msg}\n`);
const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

/** The password, if any, stays out of the terminal. */
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class Runner {
  private temporal?: TemporalDevServer;
  private postgres?: EmbeddedPostgres;
  private worker?: ChildProcess;
  private api?: ChildProcess;
  private runtimeWritten = false;
  private starting: Promise<unknown> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    const started = Date.now();
    const previous = readRuntimeInfo(this.dir);
    if (previous && previous.pid !== process.pid && pidAlive(previous.pid)) {
      throw new Error(`Turnout already runs from ${this.dir} (pid ${previous.pid}, API ${previous.apiUrl})`);
    }

    const env: NodeJS.ProcessEnv = { ...process.env, TURNOUT_DATA_DIR: this.dir };
    // Explicit secrets win, each on its own; the generated ones only fill gaps.
    if (!env.TURNOUT_MASTER_KEY || !env.TURNOUT_JWT_SECRET) {
      const local = ensureLocalSecrets(this.dir);
      env.TURNOUT_MASTER_KEY ||= local.TURNOUT_MASTER_KEY;
      env.TURNOUT_JWT_SECRET ||= local.TURNOUT_JWT_SECRET;
    }
    const apiPort = portFromEnv('PORT', 3000);
    env.PORT = String(apiPort);
    // Checked now, or the readiness poll below could be answered by whatever holds the port.
    if (await isListening('127.0.0.1', apiPort)) throw new Error(`port ${apiPort} is in use; set PORT to another one`);

    // Temporal and PostgreSQL start in parallel: each takes seconds, mostly waiting.
    // stop() waits for both, so a Ctrl-C in the middle still stops whatever came up.
    const temporalUp = this.startTemporal();
    const databaseUp = this.startDatabase();
    this.starting = Promise.allSettled([temporalUp, databaseUp]);
    const [temporal, databaseUrl] = await Promise.all([temporalUp, databaseUp]);
    env.TEMPORAL_ADDRESS = temporal.address;
    env.DATABASE_URL = databaseUrl;
    this.throwIfStopping();
    say(`applying database migrations… (${elapsed(started)})`);
    await migrateDatabase(databaseUrl);
    this.throwIfStopping();

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    writeRuntimeInfo(this.dir, {
      databaseUrl,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      apiUrl,
      publicUrl: publicUrl(env),
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    this.runtimeWritten = true;

    this.worker = this.spawnChild('worker', 'workers/main.ts', env);
    this.api = this.spawnChild('api', 'api/main.ts', env);
    say(`starting the worker and the API… (${elapsed(started)})`);
    await this.waitForApi(apiUrl);
    this.printBox([
      `Turnout is running (ready in ${elapsed(started)})`,
      '',
      `API          ${apiUrl}   (docs: ${apiUrl}/docs)`,
      `Temporal UI  ${temporal.uiUrl ?? `none (Temporal at ${temporal.address})`}`,
      `Database     ${process.env.DATABASE_URL ? redact(databaseUrl) : `embedded, ${databaseUrl}`}`,
      `Data dir     ${this.dir}`,
      '',
      'Ctrl-C to stop',
    ]);
  }

  private throwIfStopping(): void {
    if (this.stopping) throw new Error('stopped while starting');
  }

  private async startTemporal(): Promise<{ address: string; uiUrl: string | null }> {
    const external = process.env.TEMPORAL_ADDRESS;
    if (external) {
      say(`using the Temporal server at ${external}`);
      return { address: external, uiUrl: null };
    }
    const cliPath = await ensureTemporalCli(say);
    const port = portFromEnv('TEMPORAL_PORT', 7233);
    const uiPort = portFromEnv('TEMPORAL_UI_PORT', 8233);
    say(`starting the Temporal dev server on 127.0.0.1:${port}…`);
    this.temporal = await startTemporalDevServer({
      cliPath,
      port,
      uiPort,
      dbFile: join(this.dir, 'temporal.db'),
      logFile: join(this.dir, 'logs', 'temporal.log'),
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      detached: true,
    });
    return this.temporal;
  }

  private async startDatabase(): Promise<string> {
    if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
    const port = portFromEnv('TURNOUT_EMBEDDED_PG_PORT', 5433);
    say(`starting the embedded PostgreSQL (PGlite) on 127.0.0.1:${port}…`);
    this.postgres = await startEmbeddedPostgres({ dataDir: join(this.dir, 'pgdata'), port });
    return this.postgres.url;
  }

  /**
   * Own process group, so the terminal's Ctrl-C reaches only this runner,
   * which stops the API before the worker and both before Temporal and the
   * database they need while draining.
   */
  private spawnChild(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
    const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [entry], { cwd: PROJECT_ROOT, env, stdio: 'inherit', detached: true });
    markGroupLeader(child);
    killOnExit(child);
    child.once('error', (err) => this.fail(`could not start the ${name}: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.fail(`the ${name} exited unexpectedly (${code ?? signal})`);
    });
    return child;
  }

  private async waitForApi(apiUrl: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!this.stopping) {
      try {
        const res = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the API did not answer 200 on ${apiUrl}/readyz within ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(500);
    }
    // A child died while we waited; fail() is already shutting down.
    await new Promise(() => {});
  }

  private printBox(lines: string[]): void {
    const width = Math.max(...lines.map((l) => l.length)) + 2;
    const out = [`┌${'─'.repeat(width + 2)}┐`, ...lines.map((l) => `│  ${l.padEnd(width)}│`), `└${'─'.repeat(width + 2)}┘`];
    process.stdout.write(`\n${out.join('\n')}\n\n`);
  }

  fail(message: string): void {
    if (this.stopping) return;
    process.stderr.write(`turnout: ${message}; stopping\n`);
    void this.stop().finally(() => process.exit(1));
  }

  /** Users of a service stop before the service: API, worker, Temporal, then the database. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting;
      const steps: Array<[string, () => Promise<void>]> = [
        ['api', async () => this.api && stopChild(this.api, CHILD_GRACE_MS)],
        ['worker', async () => this.worker && stopChild(this.worker, CHILD_GRACE_MS)],
        ['Temporal', async () => this.temporal?.stop()],
        ['PostgreSQL', async () => this.postgres?.stop()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          process.stderr.write(`turnout: stopping ${name}: ${(err as Error).message}\n`);
        }
      }
      if (this.runtimeWritten) rmSync(join(this.dir, 'runtime.json'), { force: true });
    })();
    return this.stopping;
  }
}

async function main(): Promise<void> {
  const runner = new Runner(dataDir());
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt) {
      // One Ctrl-C arrives several times (from the terminal to every process of
      // the group, and relayed again by npm and tsx); only a later one is the
      // user insisting. The exit hook then kills every child.
      if (Date.now() - firstSignalAt < 2_000) return;
      process.stderr.write('turnout: stopping immediately\n');
      process.exit(130);
    }
    firstSignalAt = Date.now();
    say(`${signal}: stopping…`);
    void runner.stop().then(() => {
      say('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await runner.start();
  } catch (err) {
    runner.fail((err as Error).message);
  }
}

void main();
