/**
 * GET /docs is an API reference a person can read: Swagger UI, served by the
 * API itself from the installed package, showing GET /docs/json. Opened in a
 * real Chromium: it renders the operations, loads nothing from another
 * origin (it works offline), its Content-Security-Policy allows it, and axe
 * finds no serious or critical violation, with an operation closed or open.
 */
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { DOCS_CSP } from '../api/routes/docs';
import { describeWithBrowser, expectAccessible, launchChromium, screenshot, watchCsp } from './support/browser';
import { startHarness, type Harness } from './support/harness';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await startHarness({ worker: false });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h?.close();
});

test('GET /docs is an HTML page under its own CSP; GET /docs/json is the OpenAPI document', async () => {
  const page = await h.app.inject({ method: 'GET', url: '/docs' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
  expect(page.body).toContain('swagger-ui');
  const doc = await h.app.inject({ method: 'GET', url: '/docs/json' });
  expect(doc.statusCode).toBe(200);
  expect(doc.json()).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { title: 'Turnout API' } });
  expect(Object.keys(doc.json().paths)).toContain('/v1/events');
});

describeWithBrowser('the reference page in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test.each(['/docs', '/docs/'])('%s renders every operation from this server alone, with no CSP violation, and passes axe', async (path) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = watchCsp(page);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    try {
      await page.goto(`${base}${path}`);
      await page.locator('.opblock-summary-path', { hasText: '/v1/events' }).first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
      expect(await page.locator('.opblock-patch .opblock-summary-path', { hasText: '/v1/groups/{groupId}/policy' }).count()).toBe(1);
      expect(violations).toEqual([]);
      expect(requested.filter((u) => !u.startsWith(base) && !u.startsWith('data:'))).toEqual([]);
      expect(requested).toContain(`${base}/docs/json`);
      await expectAccessible(page);
      // Opened, an operation shows its parameters, body and examples: those pass too.
      await page.locator('.opblock-patch .opblock-summary-control').first().click();
      await page.locator('.opblock-patch .opblock-body .parameter__in').first().waitFor();
      await expectAccessible(page);
      if (path === '/docs') await screenshot(page, 'docs-reference');
    } finally {
      await context.close();
    }
  }, 60_000);
});
