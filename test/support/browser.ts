/**
 * The browser-test harness: the system Chromium driven by playwright-core,
 * axe-core for accessibility, screenshots to test/screenshots/ (gitignored).
 *
 * Which browser: CHROMIUM_PATH when set (a wrong one is an error, never
 * replaced by another browser), else Debian's /usr/bin/chromium. Without one,
 * a suite declared with `describeWithBrowser` is skipped and says so loudly,
 * here and again in the run's summary (test-stack.ts prints the list); under
 * CI=true a missing browser fails the suite instead, so a green CI run has
 * always run the browser tests.
 */
import AxeBuilder from '@axe-core/playwright';
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium, INSTALL_COMMAND } from './chromium';

export { CHROMIUM_ARGS, findChromium, INSTALL_COMMAND };

export const SCREENSHOT_DIR = join(__dirname, '..', 'screenshots');

/** A phone: the candidate pages must work at 360 px. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 1,
  isMobile: true,
  hasTouch: true,
};

const lookup = findChromium();
const problem = lookup.path === null ? lookup.problem : '';

/** The test file that called us, for the skip notice (jest sets expect's state per file). */
function currentTestFile(): string {
  const path = (expect.getState() as { testPath?: string }).testPath;
  return path ? join(basename(join(path, '..')), basename(path)) : 'unknown file';
}

function recordSkip(line: string): void {
  const file = process.env.TURNOUT_TEST_BROWSER_SKIPS;
  if (file) appendFileSync(file, `${line}\n`);
}

/**
 * `describe` when a Chromium is there. Otherwise: under CI=true one failing
 * test naming the problem; elsewhere `describe.skip` and a loud notice.
 */
export function describeWithBrowser(name: string, body: () => void): void {
  if (lookup.path) {
    describe(name, body);
    return;
  }
  const suite = `${currentTestFile()} › ${name}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('needs a Chromium', () => {
        throw new Error(`browser suite cannot run under CI: ${problem}. Install it with: ${INSTALL_COMMAND}`);
      });
    });
    return;
  }
  recordSkip(suite);
  console.warn(`\n*** BROWSER TESTS SKIPPED: ${suite} (${problem}). Install the browser with: ${INSTALL_COMMAND} ***\n`);
  // Skipped because no Chromium is installed here (outside CI only; under CI the suite fails instead).
  describe.skip(`${name} [skipped: no Chromium found (${problem})]`, body);
}

export function launchChromium(): Promise<Browser> {
  if (!lookup.path) throw new Error(`no Chromium: ${problem}`);
  return chromium.launch({ executablePath: lookup.path, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Fails on any serious or critical axe violation (WCAG 2.1 A and AA rules),
 * listing each with the elements it found. axe needs JavaScript: for a page
 * tested with JavaScript off, run this on the same URL in a context with it on.
 */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Content-Security-Policy violations the page reports (Chromium prints one console message each). */
export function watchCsp(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

/** A full-page PNG in test/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
