/**
 * The HR console in a browser for the console suites: the app on a port,
 * one Chromium, and pages signed in through one-time console links, as HR
 * would be after opening one.
 */
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import type { HrClaims } from '../../lib/hr-token';
import { launchChromium, watchCsp } from './browser';
import { consoleLinkPath } from './console-session';
import type { Harness } from './harness';

export interface ConsoleBrowser {
  /** The app's address, e.g. http://127.0.0.1:41234. */
  base: string;
  /** A fresh browser context, closed with the others at the end. */
  newContext(locale?: 'en' | 'zh-CN'): Promise<BrowserContext>;
  /** A fresh browser context signed in as `claims`, on the console's landing page; `csp` collects the CSP violations it reports. */
  signedIn(claims: HrClaims, locale?: 'en' | 'zh-CN'): Promise<{ page: Page; csp: string[] }>;
  close(): Promise<void>;
}

export async function openConsoleBrowser(h: Harness): Promise<ConsoleBrowser> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  const newContext = async (locale: 'en' | 'zh-CN' = 'en') => {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context;
  };
  return {
    base,
    newContext,
    async signedIn(claims, locale = 'en') {
      const page = await (await newContext(locale)).newPage();
      const csp = watchCsp(page);
      const res = await page.goto(`${base}${await consoleLinkPath(h.prisma, claims, { locale })}`);
      expect(res?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/console');
      return { page, csp };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Presses Tab until `selector` has the focus: reachable with the keyboard alone. */
export async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`${selector} not reached with Tab`);
}
