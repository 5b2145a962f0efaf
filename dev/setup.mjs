// Gets a checkout ready to run: dependencies, the generated Prisma client and
// the Temporal CLI. It runs before every `npm start` and `npm test`, possibly
// before node_modules exists, so it is plain Node with no dependencies, and
// each step is skipped when its output is already newer than its input.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const onWindows = process.platform === 'win32';

function mtime(relative) {
  try {
    return statSync(join(root, relative)).mtimeMs;
  } catch {
    return null;
  }
}

function run(command, args, { quietStdout = false, env = process.env } = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    env,
    stdio: ['inherit', quietStdout ? 'ignore' : 'inherit', 'inherit'],
    shell: onWindows,
  });
  if (result.error) {
    console.error(`setup: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const bin = (name) => join(root, 'node_modules', '.bin', onWindows ? `${name}.cmd` : name);

// npm writes node_modules/.package-lock.json after package-lock.json, so an
// install that is current is never older than the lock file.
const lock = mtime('package-lock.json');
const installed = mtime('node_modules/.package-lock.json');
if (installed === null || (lock !== null && lock > installed)) {
  console.error('setup: installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// The generated client is not committed: it follows the schema and the
// installed Prisma (package files carry npm's fixed 1985 mtime, so the
// install's own lock file stands for "the installed version").
const schema = mtime('prisma/schema.prisma');
const client = mtime('prisma/generated/client/client.ts');
const install = mtime('node_modules/.package-lock.json');
if (client === null || (schema !== null && schema > client) || (install !== null && install > client)) {
  console.error('setup: generating the Prisma client…');
  // Generate never connects, but with the schema's env("DATABASE_URL") unset
  // Prisma 6.19 falls back to downloading native engines, which fails offline.
  const DATABASE_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
  run(bin('prisma'), ['generate'], { env: { ...process.env, DATABASE_URL, CHECKPOINT_DISABLE: '1' } });
}

// The HR console's app (console/, served at /console): built by Vite into
// dist/console when a source file, or the install, is newer than the build.
function newest(relative) {
  let latest = mtime(relative) ?? 0;
  for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
    const child = join(relative, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(child) : (mtime(child) ?? 0));
  }
  return latest;
}
const built = mtime('dist/console/index.html');
if (built === null || newest('console') > built || (install !== null && install > built)) {
  console.error('setup: building the HR console (vite build)…');
  run(bin('vite'), ['build', '--config', join('console', 'vite.config.mts')]);
}

// Prints the path on stdout, which nobody here needs; progress goes to stderr.
run(bin('tsx'), [join(root, 'dev', 'temporal-cli.ts')], { quietStdout: true });
