/**
 * The standard workload, driven through the public API like a recruitment
 * platform on a Monday morning: N `interview.confirmed` events as fast as the
 * API takes them (bounded concurrency), start times spread uniformly over a
 * window that begins some seconds after the first event, and a share of the
 * candidates logging in (`candidate.logged_in`) at a uniformly random moment
 * in the first seconds after their start. Every event is signed as docs/contract.md
 * says; a 5xx, a 429 or a dropped connection is retried with the same event
 * id (the API makes that idempotent), as a platform would.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signatureHeader } from '../lib/secrets';

export interface WorkloadOptions {
  n: number;
  /** Requests in flight at once, per kind of event (confirmations, logins). */
  concurrency: number;
  /** The first start is this long after the first event. */
  startDelayMs: number;
  /** Starts are spread uniformly over this window. */
  spreadMs: number;
  /** Share of candidates who log in. */
  loginShare: number;
  /** Those who log in do so uniformly within this long after the start. */
  loginWindowMs: number;
  /** How long one event is retried after a 5xx, 429 or network error before it counts as refused. */
  retryForMs: number;
  /**
   * Nothing is sent later than this after the last planned login (t0 + start delay + spread + login
   * window): an API that has fallen far behind ends the run instead of stretching it without bound.
   */
  giveUpAfterMs: number;
  seed: number;
}

export const STANDARD_WORKLOAD: WorkloadOptions = {
  n: 2000,
  concurrency: 32,
  startDelayMs: 40_000,
  spreadMs: 60_000,
  loginShare: 0.8,
  loginWindowMs: 4_000,
  retryForMs: 120_000,
  giveUpAfterMs: 60_000,
  seed: 7,
};

export interface PlannedInterview {
  index: number;
  interviewId: string;
  /** Offsets from the first event (t0), ms. */
  startOffsetMs: number;
  loginOffsetMs: number | null;
}

export interface EventOutcome {
  kind: 'interview.confirmed' | 'candidate.logged_in';
  index: number;
  eventId: string;
  /** Planned send time (logins) or when it was taken from the queue (confirmations), ms since the epoch. */
  plannedAt: number;
  firstSentAt: number;
  /** When the API's 2xx arrived. */
  acceptedAt?: number;
  attempts: number;
  /** Of the attempt that was accepted. */
  latencyMs?: number;
  /** Last HTTP status seen (0: no answer). */
  lastStatus: number;
  lastError?: string;
}

export interface WorkloadRun {
  runId: string;
  t0: number;
  plan: PlannedInterview[];
  confirmations: EventOutcome[];
  logins: EventOutcome[];
  /** Resolves when every event was accepted or given up. */
  done: Promise<void>;
}

export interface ApiTarget {
  url: string;
  keyId: string;
  secret: string;
}

/** mulberry32: small, seeded, good enough to spread start times. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function planWorkload(opts: WorkloadOptions, runId: string): PlannedInterview[] {
  const rand = prng(opts.seed);
  const plan: PlannedInterview[] = [];
  for (let i = 0; i < opts.n; i++) {
    const startOffsetMs = Math.round(opts.startDelayMs + rand() * opts.spreadMs);
    const logsIn = rand() < opts.loginShare;
    const loginOffsetMs = logsIn ? startOffsetMs + Math.round(rand() * opts.loginWindowMs) : null;
    plan.push({ index: i, interviewId: `${runId}-${String(i).padStart(5, '0')}`, startOffsetMs, loginOffsetMs });
  }
  return plan;
}

class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  body: string;
}

function post(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function retryable(a: Answer): boolean {
  return a.status >= 500 || a.status === 429 || (a.status === 409 && a.body.includes('event_in_progress'));
}

/** A phone number and an e-mail address per candidate, unique within a run. */
function contact(runTag: number, index: number) {
  const digits = String((runTag * 100_000 + index) % 10_000_000).padStart(7, '0');
  return { phone: `+1555${digits}`, email: `candidate-${runTag}-${index}@bench.example.test` };
}

/**
 * Starts the workload now (t0 is the first event). The caller may inject
 * faults against `t0` while `done` is pending.
 */
export function startWorkload(api: ApiTarget, opts: WorkloadOptions, runId = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`): WorkloadRun {
  const plan = planWorkload(opts, runId);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency * 2 });
  const url = new URL('/v1/events', api.url);
  const t0 = Date.now();
  const runTag = Number.parseInt(randomBytes(2).toString('hex'), 16);
  const confirmations: EventOutcome[] = [];
  const logins: EventOutcome[] = [];
  const accepted = new Map<number, Promise<boolean>>();
  const stopAt = t0 + opts.startDelayMs + opts.spreadMs + opts.loginWindowMs + opts.giveUpAfterMs;

  async function send(kind: EventOutcome['kind'], index: number, data: Record<string, unknown>, plannedAt: number, out: EventOutcome[]): Promise<boolean> {
    const eventId = `${runId}-${kind === 'interview.confirmed' ? 'c' : 'l'}-${index}`;
    const body = JSON.stringify({ id: eventId, type: kind, occurredAt: new Date(plannedAt).toISOString(), data });
    const outcome: EventOutcome = { kind, index, eventId, plannedAt, firstSentAt: Date.now(), attempts: 0, lastStatus: 0 };
    out.push(outcome);
    let backoff = 200;
    for (;;) {
      if (Date.now() > stopAt) {
        outcome.lastError = `not sent: the load generator's deadline passed (${outcome.lastError ?? 'waiting for a slot'})`;
        return false;
      }
      outcome.attempts++;
      const sentAt = Date.now();
      try {
        const answer = await post(agent, url, { 'x-api-key': api.keyId, 'x-signature': signatureHeader(api.secret, body) }, body);
        outcome.lastStatus = answer.status;
        if (answer.status >= 200 && answer.status < 300) {
          outcome.acceptedAt = Date.now();
          outcome.latencyMs = outcome.acceptedAt - sentAt;
          return true;
        }
        outcome.lastError = answer.body.slice(0, 300);
        if (!retryable(answer)) return false;
      } catch (err) {
        outcome.lastStatus = 0;
        outcome.lastError = (err as Error).message;
      }
      if (Date.now() - outcome.firstSentAt > opts.retryForMs) return false;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
    }
  }

  // Confirmations: a pool of `concurrency` senders takes them in index order (start times are random).
  const confirmSlots = new Semaphore(opts.concurrency);
  const confirmAll = plan.map((p) => {
    const result = (async () => {
      await confirmSlots.acquire();
      try {
        const c = contact(runTag, p.index);
        return await send(
          'interview.confirmed',
          p.index,
          {
            interviewId: p.interviewId,
            startsAt: new Date(t0 + p.startOffsetMs).toISOString(),
            joinUrl: `https://interview.example.test/join/${p.interviewId}`,
            candidate: { id: `cand-${p.interviewId}`, name: `Bench Candidate ${p.index}`, phone: c.phone, email: c.email, timezone: 'UTC', locale: 'en' },
            position: { id: `pos-${p.index % 20}`, title: 'Backend Engineer', region: 'East' },
          },
          Date.now(),
          confirmations,
        );
      } finally {
        confirmSlots.release();
      }
    })();
    accepted.set(p.index, result);
    return result;
  });

  // Logins: each at its own moment, through a pool of their own so they never queue behind confirmations.
  const loginSlots = new Semaphore(opts.concurrency);
  const loginAll = plan
    .filter((p) => p.loginOffsetMs !== null)
    .map(async (p) => {
      const at = t0 + p.loginOffsetMs!;
      await sleep(Math.max(0, at - Date.now()));
      // The platform cannot report a login for an interview it never got confirmed.
      if (!(await accepted.get(p.index))) return;
      await loginSlots.acquire();
      try {
        await send('candidate.logged_in', p.index, { interviewId: p.interviewId, at: new Date(at).toISOString() }, at, logins);
      } finally {
        loginSlots.release();
      }
    });

  const done = Promise.all([...confirmAll, ...loginAll]).then(() => agent.destroy());
  return { runId, t0, plan, confirmations, logins, done };
}
