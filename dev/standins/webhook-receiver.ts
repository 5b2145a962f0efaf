/**
 * Local HTTP receivers of Turnout's outbound deliveries, for tests and demos:
 * a platform's webhook endpoint, and the group-chat robots of WeCom, DingTalk
 * and Feishu. Each records every request with its arrival time and can be
 * told how to answer the next ones (a status, a redirect). The robots check
 * the message's shape and signature the way the real robots do and answer
 * like them: HTTP 200 with a non-zero errcode / code when they refuse.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  /** Arrival time, ms since the epoch. */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request instead of its normal 200. */
export type Answer = { status: number; location?: string; body?: unknown };

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Consumed one per request, in order; an empty script answers normally. */
  script: Answer[] = [];
  url = '';
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const u = new URL(req.url ?? '/', 'http://receiver');
      const r: Received = { at: Date.now(), method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.received.push(r);
      const step = this.script.shift();
      if (step) return this.reply(res, step.status, step.body ?? {}, step.location ? { location: step.location } : {});
      const [status, body] = this.answer(r);
      this.reply(res, status, body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The normal answer: 200 and an empty object. */
  protected answer(_r: Received): [number, unknown] {
    return [200, {}];
  }

  private reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

export type RobotFormat = 'wecom' | 'dingtalk' | 'feishu';

/** What a robot stand-in took: the message's text as the chat would show it. */
export interface RobotMessage {
  at: number;
  title?: string;
  text: string;
}

export class RobotStandIn extends WebhookReceiver {
  readonly messages: RobotMessage[] = [];
  /** Why each refused request was refused. */
  readonly refusals: string[] = [];

  constructor(
    readonly format: RobotFormat,
    /** The robot's signing secret (DingTalk, Feishu); null: the robot does not check signatures. */
    readonly secret: string | null,
    /** WeCom's and DingTalk's key, in the URL: `?key=` / `?access_token=`. */
    readonly key = 'robot-key-0001',
  ) {
    super();
  }

  /** The webhook URL the chat app would show for this robot. */
  get webhookUrl(): string {
    if (this.format === 'wecom') return `${this.url}/cgi-bin/webhook/send?key=${this.key}`;
    if (this.format === 'dingtalk') return `${this.url}/robot/send?access_token=${this.key}`;
    return `${this.url}/open-apis/bot/v2/hook/${this.key}`;
  }

  protected override answer(r: Received): [number, unknown] {
    const problem = this.check(r);
    const ok = this.format === 'feishu' ? { code: 0, msg: 'success', data: {} } : { errcode: 0, errmsg: 'ok' };
    if (problem === null) return [200, ok];
    this.refusals.push(problem);
    return [200, this.format === 'feishu' ? { code: 19021, msg: problem, data: {} } : { errcode: 310000, errmsg: problem }];
  }

  private check(r: Received): string | null {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      return 'body is not JSON';
    }
    if (!String(r.headers['content-type']).startsWith('application/json')) return 'content-type is not application/json';
    if (this.format === 'wecom') {
      if (r.path !== '/cgi-bin/webhook/send' || r.query.get('key') !== this.key) return 'invalid webhook key';
      const md = body.markdown as { content?: unknown } | undefined;
      if (body.msgtype !== 'markdown' || typeof md?.content !== 'string' || md.content === '') return 'invalid markdown message';
      this.messages.push({ at: r.at, text: md.content });
      return null;
    }
    if (this.format === 'dingtalk') {
      if (r.path !== '/robot/send' || r.query.get('access_token') !== this.key) return 'invalid access_token';
      if (this.secret) {
        const ts = r.query.get('timestamp');
        const sign = r.query.get('sign');
        if (!ts || !sign) return 'sign not match: timestamp and sign are required';
        if (Math.abs(Date.now() - Number(ts)) > 3600_000) return 'timestamp out of range';
        const expected = createHmac('sha256', this.secret).update(`${ts}\n${this.secret}`).digest('base64');
        // URLSearchParams has already undone the URL encoding.
        if (sign !== expected) return 'sign not match';
      }
      const md = body.markdown as { title?: unknown; text?: unknown } | undefined;
      if (body.msgtype !== 'markdown' || typeof md?.title !== 'string' || typeof md.text !== 'string') return 'invalid markdown message';
      this.messages.push({ at: r.at, title: md.title, text: md.text });
      return null;
    }
    if (!r.path.endsWith(`/hook/${this.key}`)) return 'invalid hook';
    if (this.secret) {
      const ts = body.timestamp;
      if (typeof ts !== 'string' || typeof body.sign !== 'string') return 'sign match fail: timestamp and sign are required';
      if (Math.abs(Date.now() / 1000 - Number(ts)) > 3600) return 'timestamp out of range';
      const expected = createHmac('sha256', `${ts}\n${this.secret}`).update('').digest('base64');
      if (body.sign !== expected) return 'sign match fail or timestamp is not within one hour from current time';
    }
    const content = body.content as { text?: unknown } | undefined;
    if (body.msg_type !== 'text' || typeof content?.text !== 'string') return 'invalid text message';
    this.messages.push({ at: r.at, text: content.text });
    return null;
  }
}
