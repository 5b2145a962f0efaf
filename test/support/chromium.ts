/**
 * Where the browser tests find Chromium, kept free of jest and playwright so
 * the test stack's teardown can name the install command too.
 */
import { existsSync } from 'node:fs';

/** The one command that makes the browser suites run (Debian/Ubuntu; CI runs it in .ci/run). */
export const INSTALL_COMMAND = 'sudo apt-get install -y chromium fonts-noto-cjk';

/** Without the background-networking flags Chromium keeps trying to reach the internet. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export type BrowserLookup = { path: string } | { path: null; problem: string };

/** CHROMIUM_PATH when set (a wrong one is a problem, never replaced by another browser), else Debian's /usr/bin/chromium. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): BrowserLookup {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    return existsSync(configured) ? { path: configured } : { path: null, problem: `CHROMIUM_PATH=${configured} does not exist` };
  }
  return existsSync('/usr/bin/chromium')
    ? { path: '/usr/bin/chromium' }
    : { path: null, problem: 'no Chromium at /usr/bin/chromium and CHROMIUM_PATH is not set' };
}
