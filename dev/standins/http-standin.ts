/**
 * What the provider stand-ins share: a local HTTP server on 127.0.0.1 that
 * answers like a provider, records every request with its arrival time, and
 * can be told how to answer the next sends (an error status, a hang past the
 * client's timeout, an acceptance whose answer is lost). The real SDKs talk to
 * it through their base-URL settings (TWILIO_API_BASE_URL,
 * SENDGRID_API_BASE_URL), in the tests and in the benchmark alike.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** Arrival time, ms since the epoch. */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the stand-in answers one send instead of its normal acceptance. */
export type Scripted =
  /** Refuse with this status and provider error body. */
  | { status: number; body?: unknown }
  /** Accept the message, but answer only after `ms` (past the client's timeout). */
  | { acceptAfterMs: number }
  /** Accept the message, run `beforeDrop`, then cut the connection: the answer is lost. */
  | { acceptThenDrop: true; beforeDrop?: (accepted: AcceptedMessage) => Promise<void> };

export interface AcceptedMessage {
  id: string;
  at: number;
  to: string;
  body: string;
  /** The full request as the provider would read it (form fields or JSON). */
  request: Record<string, unknown>;
}

export abstract class StandIn {
  readonly requests: RecordedRequest[] = [];
  readonly accepted: AcceptedMessage[] = [];
  /** Consumed one per send, in order; an empty script accepts. */
  script: Scripted[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.accepted.length = 0;
    this.script = [];
  }

  /** Send requests (not look-ups), in arrival order. */
  sends(): RecordedRequest[] {
    return this.requests.filter((r) => this.isSend(r));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://stand-in');
    const recorded: RecordedRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    res.on('error', () => undefined);
    try {
      if (!this.authorised(recorded)) return this.json(res, 401, this.authError());
      if (!this.isSend(recorded)) return this.other(recorded, res);
      const step = this.script.shift();
      if (step && 'status' in step) return this.json(res, step.status, step.body ?? {});
      const message = this.accept(recorded);
      if (step && 'acceptAfterMs' in step) {
        await new Promise((r) => setTimeout(r, step.acceptAfterMs));
        if (!res.destroyed) this.answerAccepted(message, res);
        return;
      }
      if (step && 'acceptThenDrop' in step) {
        await step.beforeDrop?.(message);
        req.socket.destroy();
        return;
      }
      this.answerAccepted(message, res);
    } catch (err) {
      if (!res.headersSent) this.json(res, 500, { message: String(err) });
    }
  }

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  }

  protected abstract authorised(r: RecordedRequest): boolean;
  protected abstract authError(): unknown;
  protected abstract isSend(r: RecordedRequest): boolean;
  protected abstract accept(r: RecordedRequest): AcceptedMessage;
  protected abstract answerAccepted(m: AcceptedMessage, res: ServerResponse): void;
  protected abstract other(r: RecordedRequest, res: ServerResponse): void;
}
