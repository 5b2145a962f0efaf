import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

const SDK_LEVEL: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/** Fields the SDK attaches that help nobody reading a log line (opaque, long). */
const DROPPED = new Set(['taskToken']);

/**
 * The worker's logger, for the SDK and Turnout's own lines alike: one JSON
 * object per line, like the API's (pino), so both can be shipped and queried
 * the same way. Ids only: activities never log contact details.
 */
export function createWorkerLogger(level: string): DefaultLogger {
  const write = (entry: LogEntry) => {
    if (level === 'silent') return;
    const meta = Object.fromEntries(Object.entries(entry.meta ?? {}).filter(([k]) => !DROPPED.has(k)));
    process.stdout.write(
      `${JSON.stringify({
        time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
        level: entry.level.toLowerCase(),
        msg: entry.message,
        ...meta,
      })}\n`,
    );
  };
  return new DefaultLogger(SDK_LEVEL[level] ?? 'INFO', write);
}
