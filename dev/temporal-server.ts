/**
 * Runs `temporal server start-dev` for `npm start` and the tests, and waits
 * until it is really usable: the SDK's own local environment waits only a few
 * seconds, which a loaded 2-core machine overruns, and tests also need our
 * custom search attributes registered before the first workflow starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import { freePort, isListening, sleep } from './ports';
import { exited, killOnExit, markGroupLeader, OutputTail, stopChild } from './processes';

export interface TemporalDevServerOptions {
  cliPath: string;
  /** gRPC port; 0 or undefined picks a free one. */
  port?: number;
  /** Web UI port; 0 or undefined picks a free one; null runs headless. */
  uiPort?: number | null;
  /** SQLite file for persistence across restarts; undefined keeps everything in memory. */
  dbFile?: string;
  /**
   * SQLite journal of that file. 'wal' (default): write-ahead log with
   * synchronous=NORMAL. 'default': SQLite's rollback journal, which syncs on
   * every write transaction (bench/README.md: reminders 20x later under load).
   */
  sqliteJournal?: 'wal' | 'default';
  /** Server output is appended here; without it only a tail is kept for error messages. */
  logFile?: string;
  /** A namespace to create besides "default" (and to wait for). */
  namespace?: string;
  /**
   * Own process group, so a terminal's Ctrl-C reaches only our process, which
   * then stops the server after the processes that use it. Off by default so
   * that a Ctrl-C on a test run also ends the server.
   */
  detached?: boolean;
  /** Default 60 s. */
  readyTimeoutMs?: number;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * forceSearchAttributesCacheRefreshOnRead: a search attribute registered
 * while the server runs (`temporal operator search-attribute create`, a test
 * adding one) is usable at once rather than after the server's periodic cache
 * refresh. Costs a metadata read per use, nothing on a dev server.
 */
const DYNAMIC_CONFIG: Record<string, unknown> = {
  'system.forceSearchAttributesCacheRefreshOnRead': true,
};

class EarlyExit extends Error {}
class PortInUse extends Error {}

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  // A port we picked can be taken by someone else before the server binds it: try again with new ones.
  const picksPorts = !opts.port || opts.uiPort === undefined || opts.uiPort === 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      const inUse = err instanceof PortInUse || (err instanceof EarlyExit && /address already in use/i.test(err.message));
      if (!inUse || !picksPorts || attempt >= 3) throw err;
    }
  }
}

async function startOnce(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const port = opts.port || (await freePort());
  const uiPort = opts.uiPort === null ? null : opts.uiPort || (await freePort());
  const namespace = opts.namespace ?? 'default';
  // Otherwise the readiness check would happily talk to whoever already serves that port.
  for (const p of [port, uiPort]) {
    if (p !== null && (await isListening(HOST, p))) {
      throw new PortInUse(`port ${p} on ${HOST} is already in use (another Temporal server?)`);
    }
  }
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port), '--log-level', 'warn'];
  args.push(...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    // The dev server writes every history event to this one file. With WAL, a
    // commit appends to the log instead of syncing a rollback journal, and a
    // killed server loses nothing (the log is replayed on start); a power cut
    // can lose the last commits, which a local server can afford.
    if ((opts.sqliteJournal ?? 'wal') === 'wal') {
      args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
    }
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(DYNAMIC_CONFIG)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  let log: WriteStream | undefined;
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    log = createWriteStream(opts.logFile, { flags: 'a' });
  }
  const tail = new OutputTail();
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  if (opts.detached) markGroupLeader(child);
  killOnExit(child);
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      tail.push(chunk);
      log?.write(chunk);
    });
  }
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  const address = `${HOST}:${port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await stopChild(child, 10_000);
      await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
    })());

  try {
    await waitUntilReady(child, address, namespace, opts.readyTimeoutMs ?? 60_000, () => spawnError, tail);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, uiUrl: uiPort === null ? null : `http://${HOST}:${uiPort}`, stop };
}

async function waitUntilReady(
  child: ChildProcess,
  address: string,
  namespace: string,
  timeoutMs: number,
  spawnError: () => Error | undefined,
  tail: OutputTail,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const [host, port] = [address.split(':')[0]!, Number(address.split(':')[1])];
  const wanted = Object.keys(SEARCH_ATTRIBUTE_TYPES);
  let lastProblem = 'the server never accepted connections';
  let exitedEarly = false;
  void exited(child).then(() => (exitedEarly = true));

  const check = () => {
    const err = spawnError();
    if (err) throw new EarlyExit(`could not run ${child.spawnfile}: ${err.message}`);
    if (exitedEarly) {
      const how = child.exitCode !== null ? `code ${child.exitCode}` : `signal ${child.signalCode}`;
      throw new EarlyExit(`temporal server start-dev exited early (${how}):\n${tail.toString()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`temporal server start-dev not ready after ${timeoutMs / 1000} s (${lastProblem}):\n${tail.toString()}`);
    }
  };

  // A plain TCP probe first: a gRPC channel to a closed port backs off for
  // seconds between attempts, which would only add latency here.
  while (!(await isListening(host, port))) {
    check();
    await sleep(100);
  }

  let connection: Connection | undefined;
  try {
    for (;;) {
      check();
      try {
        connection ??= await Connection.connect({ address, connectTimeout: 5_000 });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = wanted.filter((name) => !customAttributes || !(name in customAttributes));
        if (missing.length === 0) return;
        lastProblem = `search attributes not yet registered: ${missing.join(', ')}`;
      } catch (err) {
        lastProblem = (err as Error).message;
        await connection?.close().catch(() => {});
        connection = undefined;
      }
      await sleep(200);
    }
  } finally {
    await connection?.close().catch(() => {});
  }
}
