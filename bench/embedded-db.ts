/**
 * The embedded PostgreSQL (PGlite) for a bench run without DATABASE_URL, in a
 * process of its own so that its CPU does not share an event loop with the
 * load generator and the provider stand-ins (whose arrival times are the
 * measurement). Prints `READY <url>` once it serves; stops on SIGTERM.
 *
 * Usage: tsx bench/embedded-db.ts <data dir>
 */
import { startEmbeddedPostgres } from '../dev/embedded-postgres';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: embedded-db.ts <data dir>');
  const db = await startEmbeddedPostgres({ dataDir });
  process.stdout.write(`READY ${db.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void db.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
