import type { ChildProcess } from 'node:child_process';

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A child started with `detached: true` leads its own process group; through
 * `tsx` the real program is a grandchild in that group, so a hard kill goes to
 * the whole group or the grandchild would survive.
 */
function hardKill(child: ChildProcess): void {
  try {
    if (child.pid && isGroupLeader.has(child)) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // already gone
  }
}

const isGroupLeader = new WeakSet<ChildProcess>();

/** Call for every child spawned with `detached: true`. */
export function markGroupLeader(child: ChildProcess): void {
  isGroupLeader.add(child);
}

/**
 * SIGTERM to the child alone (it relays to its own children; a second SIGTERM
 * sent to the group would often mean "force quit"), then SIGKILL if it is still
 * there after `graceMs`: a stuck child must not keep anything from ending.
 */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  if ((await Promise.race([gone, timeout])) === 'timeout') {
    hardKill(child);
    await gone;
  }
  clearTimeout(timer);
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Children in their own process group do not get the terminal's Ctrl-C, so if
 * this process ends without its orderly shutdown (an uncaught error,
 * process.exit) they would run on as orphans. The exit hook kills whatever is
 * still registered; it must be synchronous, hence SIGKILL.
 */
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) hardKill(c);
  });
}

/** Keeps the last `maxBytes` of a child's output, for the error message when it dies. */
export class OutputTail {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly maxBytes = 8192) {}

  push(chunk: Buffer | string): void {
    const s = chunk.toString();
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > this.maxBytes && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }

  toString(): string {
    return this.chunks.join('').slice(-this.maxBytes).trim();
  }
}
