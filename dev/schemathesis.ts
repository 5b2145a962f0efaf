/**
 * Provisions schemathesis, the schema-driven fuzzer that checks the server
 * against its own OpenAPI document (test/api-schemathesis.test.ts). It comes
 * from PyPI into a virtual environment under the cache, pinned, the way the
 * Temporal CLI does: Python 3 is already needed for that, so no second
 * toolchain. An interrupted install is never mistaken for a
 * finished one.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from './cache';

export const SCHEMATHESIS_VERSION = '4.32.5';

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

const executable = (venv: string) => join(venv, 'bin', 'schemathesis');

/**
 * The path of a working `schemathesis` executable, installing it the first
 * time. A virtual environment cannot be moved once built (its scripts name
 * their own path), so it is built in place and a marker written last says it
 * is complete; anything else found there is a broken install and is rebuilt.
 */
export async function ensureSchemathesis(log: (msg: string) => void = () => {}): Promise<string> {
  const venv = join(cacheRoot(), 'schemathesis', SCHEMATHESIS_VERSION);
  const marker = join(venv, '.complete');
  if (await fs.stat(marker).then(() => true, () => false)) return executable(venv);
  log(`installing schemathesis==${SCHEMATHESIS_VERSION} from PyPI…`);
  await fs.rm(venv, { recursive: true, force: true });
  await fs.mkdir(venv, { recursive: true });
  await run('python3', ['-m', 'venv', venv], 120_000).catch((err: Error) => {
    throw new Error(`${err.message}\n(python3 -m venv failed: on Debian and Ubuntu, apt-get install python3-venv)`);
  });
  await run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], 900_000);
  await run(executable(venv), ['--version'], 60_000);
  await fs.writeFile(marker, `${SCHEMATHESIS_VERSION}\n`);
  return executable(venv);
}
