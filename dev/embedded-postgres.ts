/**
 * PostgreSQL for a machine that has none: PGlite (PostgreSQL compiled to
 * WebAssembly, running inside this Node process) served over the wire
 * protocol, so the API, the worker, the operator CLI and `prisma migrate` —
 * separate processes — all reach it with an ordinary postgresql:// URL.
 *
 * PGlite is one single-user backend: one statement runs at a time and, while
 * a connection is inside a transaction, only that connection is served (see
 * pglite-server.ts). Session settings are shared by all connections. Fine for
 * a local run and the tests; not a production database.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGliteServer } from './pglite-server';
import { freePort, isListening } from './ports';

export interface EmbeddedPostgres {
  url: string;
  /** The whole data directory as a tarball, for `initialDataDir` of a later instance. */
  snapshot(): Promise<Buffer>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Undefined keeps the database in memory. */
  dataDir?: string;
  /** 0 or undefined picks a free port. */
  port?: number;
  /**
   * A snapshot() to start from instead of an empty cluster: initdb in
   * WebAssembly takes seconds, loading a tarball well under one.
   */
  initialDataDir?: Buffer<ArrayBuffer>;
}

const HOST = '127.0.0.1';

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  // Checked before opening the data directory: a second instance on the same
  // directory (the first still serving this port) would corrupt it.
  if (opts.port && (await isListening(HOST, opts.port))) {
    throw new Error(`port ${opts.port} on ${HOST} is already in use (another Turnout?)`);
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.initialDataDir ? { loadDataDir: new Blob([opts.initialDataDir]) } : {}),
  });
  try {
    // A port picked here can be taken before we bind it; take another one then.
    for (let attempt = 1; ; attempt++) {
      const port = opts.port || (await freePort());
      const server = new PGliteServer(db);
      try {
        await server.listen(port, HOST);
        const url = `postgresql://postgres@${HOST}:${port}/postgres`;
        return {
          url,
          snapshot: async () => Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()),
          stop: () => stopAll(server, db),
        };
      } catch (err) {
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!inUse || opts.port || attempt >= 3) {
          throw inUse ? new Error(`port ${port} on ${HOST} is already in use (another Turnout?)`) : err;
        }
      }
    }
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

async function stopAll(server: PGliteServer, db: PGlite): Promise<void> {
  await server.close();
  // Closing flushes a file-backed database to disk; skipping it can lose the last writes.
  if (!db.closed) await db.close();
}
