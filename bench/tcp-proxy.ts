/**
 * A loopback TCP proxy that the fault suite puts between the product and its
 * PostgreSQL server, so a database outage can be made without touching the
 * server itself (other runs and CI share it). The worker and the API connect
 * to the proxy's port; cut() makes the database unreachable for them and
 * restore() brings it back.
 *
 * Two ways to be unreachable:
 * - 'reset': open connections are torn down and new ones are closed at once,
 *   as when the database host is down (clients see ECONNRESET at once);
 * - 'blackhole': open connections are torn down and new ones are accepted
 *   but never answered, as in a network partition (clients wait for their
 *   own timeouts). Connections held this way are dropped on restore().
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type CutMode = 'reset' | 'blackhole';

export interface ProxyStats {
  /** Connections forwarded to the target since start. */
  forwarded: number;
  /** Connections refused or held while cut. */
  refused: number;
  /** Connections torn down by cut(). */
  severed: number;
}

export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly held = new Set<Socket>();
  private mode: CutMode | null = null;
  readonly stats: ProxyStats = { forwarded: 0, refused: 0, severed: 0 };
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly host = '127.0.0.1',
  ) {}

  get isCut(): boolean {
    return this.mode !== null;
  }

  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, this.host, () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'reset') {
      this.stats.refused++;
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole') {
      this.stats.refused++;
      this.held.add(client);
      client.once('close', () => this.held.delete(client));
      return;
    }
    this.stats.forwarded++;
    client.pause();
    const upstream = createConnection(this.target);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
    upstream.once('close', end);
    client.once('close', end);
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
  }

  /** Makes the target unreachable through the proxy until restore(). */
  cut(mode: CutMode = 'reset'): void {
    this.mode = mode;
    for (const pair of this.pairs) {
      this.stats.severed++;
      for (const s of pair) s.resetAndDestroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.mode = null;
    for (const s of this.held) s.destroy();
    this.held.clear();
  }

  async close(): Promise<void> {
    this.cut('reset');
    this.restore();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
