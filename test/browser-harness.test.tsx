/**
 * The browser harness itself: Chromium launches with the project's flags,
 * loads a server-rendered TSX page from a loopback Fastify app, the axe helper
 * passes a clean page and fails one with a real violation, CSP violations are
 * seen, and screenshots land in test/screenshots/.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { renderToString } from 'preact-render-to-string';
import { describeWithBrowser, expectAccessible, findChromium, launchChromium, PHONE, screenshot, watchCsp } from './support/browser';

function Page(props: { lang: string; heading: string; broken?: boolean }) {
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.heading}</title>
      </head>
      <body>
        <main>
          <h1>{props.heading}</h1>
          {/* A button with no accessible name: axe's critical "button-name". */}
          {props.broken ? <button type="button" /> : <p>面试将于北京时间 10:00 开始。</p>}
        </main>
      </body>
    </html>
  );
}

describe('finding Chromium', () => {
  test('a CHROMIUM_PATH that does not exist is a problem, not a fallback to another browser', () => {
    expect(findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toEqual({ path: null, problem: 'CHROMIUM_PATH=/nonexistent/chromium does not exist' });
  });

  test('an existing CHROMIUM_PATH is used as given', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toEqual({ path: process.execPath });
  });
});

describeWithBrowser('the browser harness', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    app = Fastify();
    app.get('/page', async (req, reply) => {
      const q = req.query as { broken?: string };
      reply.header('content-security-policy', "default-src 'none'; style-src 'none'");
      return reply.type('text/html; charset=utf-8').send('<!doctype html>' + renderToString(<Page lang="zh-CN" heading="您的面试" broken={q.broken === '1'} />));
    });
    app.get('/inline-style', async (_req, reply) => {
      reply.header('content-security-policy', "default-src 'none'");
      return reply.type('text/html; charset=utf-8').send('<!doctype html><html lang="en"><head><title>t</title><style>p{color:red}</style></head><body><main><p>x</p></main></body></html>');
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('a server-rendered Chinese page loads at 360 px, passes axe and is saved as a screenshot', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      const csp = watchCsp(page);
      const response = await page.goto(`${base}/page`);
      expect(response?.status()).toBe(200);
      await expect(page.locator('h1').textContent()).resolves.toBe('您的面试');
      await expectAccessible(page);
      const file = await screenshot(page, 'harness-zh-360');
      expect(existsSync(file) && statSync(file).size > 0).toBe(true);
      expect(csp).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('the axe helper fails on a critical violation and names it', async () => {
    const context = await browser.newContext(PHONE);
    try {
      const page = await context.newPage();
      await page.goto(`${base}/page?broken=1`);
      await expect(expectAccessible(page)).rejects.toThrow(/critical button-name/);
    } finally {
      await context.close();
    }
  });

  test('a style the CSP forbids is reported', async () => {
    const context = await browser.newContext(PHONE);
    try {
      const page = await context.newPage();
      const csp = watchCsp(page);
      await page.goto(`${base}/inline-style`);
      await page.waitForLoadState('load');
      expect(csp.join('\n')).toMatch(/Applying inline style violates/);
    } finally {
      await context.close();
    }
  });
});
