import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Downloads and derived artefacts that later runs and other clones reuse (the
 * Temporal CLI, PGlite templates); never project state, which lives in the
 * data directory.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.TURNOUT_CACHE_DIR || join(homedir(), '.cache', 'turnout');
}
