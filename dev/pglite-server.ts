/**
 * Serves one PGlite database over the PostgreSQL wire protocol to many
 * connections.
 *
 * PGlite is a single backend, so every connection shares one session: its
 * unnamed prepared statement, its portal, its transaction. The
 * @electric-sql/pglite-socket server (0.2.x) hands PGlite one protocol message
 * at a time, so one connection's Parse can land between another's Parse and
 * Bind ("bind message supplies 1 parameters, but prepared statement "" requires
 * 3" — seen in our API tests under load). Here a connection's messages run as
 * whole units, up to the Sync (or simple Query, or Flush) that ends them, and
 * while a unit leaves the session mid-exchange (a Flush, or an open
 * transaction) only that connection is served until it is done.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Message types after which the client waits for an answer. */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'
const SYNC_MESSAGE = Uint8Array.from([SYNC, 0, 0, 0, 4]);

interface Connection {
  socket: Socket;
  buffer: Buffer;
  started: boolean;
  closed: boolean;
}

interface Unit {
  conn: Connection;
  bytes: Buffer;
  /** Ends with Flush: the client will continue the same exchange. */
  open: boolean;
}

export class PGliteServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly queue: Unit[] = [];
  /** The connection the session belongs to until its exchange or transaction ends. */
  private owner: Connection | null = null;
  private running = false;

  constructor(private readonly db: PGlite) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.socket.destroy();
    await closed;
    // Let a unit that is running finish before the database is closed under it.
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Connection = { socket, buffer: Buffer.alloc(0), started: false, closed: false };
    this.connections.add(conn);
    socket.on('data', (data) => {
      conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, data]) : data;
      this.frame(conn);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.drop(conn));
  }

  /** Cuts complete units out of the connection's buffer and queues them. */
  private frame(conn: Connection): void {
    while (!conn.closed) {
      const buf = conn.buffer;
      if (!conn.started) {
        if (buf.length < 8) return;
        const length = buf.readInt32BE(0);
        if (buf.length < length) return;
        const code = buf.readInt32BE(4);
        conn.buffer = buf.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          conn.socket.write('N'); // no encryption; the client goes on in plain text
          continue;
        }
        if (code === CANCEL_REQUEST) {
          conn.socket.end(); // cancelling is not supported by a single backend
          return;
        }
        conn.started = true;
        this.enqueue({ conn, bytes: Buffer.from(buf.subarray(0, length)), open: false });
        continue;
      }
      // Typed messages: 1 byte type, 4 bytes length (itself included).
      let end = 0;
      let last = -1;
      while (end + 5 <= buf.length) {
        const size = 1 + buf.readInt32BE(end + 1);
        if (end + size > buf.length) break;
        last = buf[end]!;
        end += size;
        if (last === SYNC || last === QUERY || last === FLUSH || last === TERMINATE) break;
      }
      if (last !== SYNC && last !== QUERY && last !== FLUSH && last !== TERMINATE) return; // wait for more
      conn.buffer = buf.subarray(end);
      if (last === TERMINATE) {
        conn.socket.end();
        return;
      }
      this.enqueue({ conn, bytes: Buffer.from(buf.subarray(0, end)), open: last === FLUSH });
    }
  }

  private enqueue(unit: Unit): void {
    this.queue.push(unit);
    void this.pump();
  }

  /** Runs queued units one at a time, the session owner's first. */
  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const index = this.owner ? this.queue.findIndex((u) => u.conn === this.owner) : 0;
        if (index < 0 || this.queue.length === 0) return;
        const [unit] = this.queue.splice(index, 1);
        await this.execute(unit!);
      }
    } finally {
      this.running = false;
    }
  }

  private async execute(unit: Unit): Promise<void> {
    const { conn } = unit;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(unit.bytes, {
          // The chunk is a view into PGlite's buffer, which the next call reuses.
          onRawData: (chunk) => {
            if (!conn.closed) conn.socket.write(Buffer.from(chunk));
          },
        }),
      );
      this.owner = unit.open || this.db.isInTransaction() ? conn : null;
    } catch (err) {
      conn.socket.destroy(err as Error);
      await this.release(conn);
    }
  }

  private async drop(conn: Connection): Promise<void> {
    conn.closed = true;
    this.connections.delete(conn);
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.conn === conn) this.queue.splice(i, 1);
    if (this.owner === conn) {
      // Wait for a unit of this connection that is running right now.
      while (this.running) await new Promise((r) => setTimeout(r, 5));
      await this.release(conn);
      void this.pump();
    }
  }

  /**
   * A connection that leaves mid-exchange or mid-transaction must not leave
   * the shared session that way: end the exchange, roll back.
   */
  private async release(conn: Connection): Promise<void> {
    if (this.owner !== conn) return;
    this.owner = null;
    try {
      // The stream variant with a sink: plain execProtocolRaw would still write
      // to the last onRawData given, i.e. to another connection's socket.
      await this.db.runExclusive(() => this.db.execProtocolRawStream(SYNC_MESSAGE, { onRawData: () => {} }));
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    } catch {
      // The session is reset by the next unit's own errors at worst.
    }
  }
}
