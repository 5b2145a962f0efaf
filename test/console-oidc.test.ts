/**
 * Signing in to the HR console through a real OpenID Connect provider (the
 * `oidc-provider` package, run by the test as a child process): the browser
 * goes to the provider, signs in there and comes back signed in with the role,
 * group and subsidiary of the ID token's claims; an account whose token lacks
 * them is refused with a page saying which claim was missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { consoleConfig, oidcConfig } from '../lib/config';
import { userFromClaims } from '../api/routes/console-oidc';
import { buildApiApp } from './support/api-app';
import { describeWithBrowser, expectAccessible, launchChromium } from './support/browser';
import { startHarness, type Harness } from './support/harness';
import { createTestGroup, type TestGroup } from './support/records';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Starts the stand-in provider; resolves with its issuer once it listens. */
function startProvider(env: Record<string, string>): Promise<{ issuer: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'dev', 'standins', 'oidc-idp.mjs')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ issuer: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`the OIDC stand-in exited (${code}): ${out}`)));
  });
}

describe('claim mapping', () => {
  const config = oidcConfig({ OIDC_ISSUER: 'http://127.0.0.1:1', OIDC_CLIENT_ID: 'c', OIDC_ROLE_CLAIM: 'groups', OIDC_ROLE_MAP: 'hr-leads=group_hr, recruiters=hr' })!;
  test('a list of values is mapped through OIDC_ROLE_MAP and the widest role wins; a value that names a role needs no entry', () => {
    expect(userFromClaims({ sub: 'a', groups: ['staff', 'recruiters', 'hr-leads'], turnout_group: 'g' }, config)).toEqual({ ok: true, user: { sub: 'a', role: 'group_hr', groupId: 'g' } });
    expect(userFromClaims({ sub: 'b', groups: 'auditor', turnout_group: 'g', name: 'B' }, config)).toEqual({ ok: true, user: { sub: 'b', role: 'auditor', groupId: 'g', name: 'B' } });
  });
  test('no role, no group, or an hr without a subsidiary is refused, naming the claim', () => {
    expect(userFromClaims({ sub: 'a', groups: ['staff'], turnout_group: 'g' }, config)).toEqual({ ok: false, missing: 'groups' });
    expect(userFromClaims({ sub: 'a', groups: ['recruiters'] }, config)).toEqual({ ok: false, missing: 'turnout_group' });
    expect(userFromClaims({ sub: 'a', groups: ['recruiters'], turnout_group: 'g' }, config)).toEqual({ ok: false, missing: 'turnout_subsidiary' });
  });
  test('configuration: a plain-http issuer only on loopback outside production; a bad role map names its pair', () => {
    expect(() => oidcConfig({ OIDC_ISSUER: 'http://idp.example.test', OIDC_CLIENT_ID: 'c' })).toThrow(/OIDC_ISSUER/);
    expect(() => oidcConfig({ OIDC_ISSUER: 'http://127.0.0.1:1', OIDC_CLIENT_ID: 'c', NODE_ENV: 'production', TURNOUT_PUBLIC_URL: 'https://t.example.test' })).toThrow(/OIDC_ISSUER/);
    expect(() => oidcConfig({ OIDC_ISSUER: 'https://idp.example.test', OIDC_CLIENT_ID: 'c', OIDC_ROLE_MAP: 'x=admin' })).toThrow(/OIDC_ROLE_MAP/);
    expect(oidcConfig({})).toBeNull();
  });
});

describeWithBrowser('sign-in through the identity provider', () => {
  let h: Harness;
  let app: FastifyInstance;
  let idp: ChildProcess;
  let browser: Browser;
  let group: TestGroup;
  let base: string;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    group = await createTestGroup(h, 1);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const redirect = `${base}/console/auth/callback`;
    const started = await startProvider({
      OIDC_CLIENT_ID: 'turnout-console',
      OIDC_CLIENT_SECRET: 'test-client-secret',
      OIDC_REDIRECT_URI: redirect,
      OIDC_ACCOUNTS: JSON.stringify({
        'li.hua': { name: 'Li Hua', turnout_role: 'hr', turnout_group: group.groupId, turnout_subsidiary: group.subsidiaries[0]!.subsidiaryId },
        'no.role': { name: 'No Role', turnout_group: group.groupId },
      }),
    });
    idp = started.child;
    const oidc = oidcConfig({ OIDC_ISSUER: started.issuer, OIDC_CLIENT_ID: 'turnout-console', OIDC_CLIENT_SECRET: 'test-client-secret', OIDC_REDIRECT_URI: redirect, OIDC_SCOPES: 'openid profile turnout' });
    app = await buildApiApp(h, {}, undefined, { console: { ...consoleConfig({}), oidc } });
    await app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    idp?.kill();
    await h?.close();
  });

  async function signInAs(login: string) {
    const context = await browser.newContext({ locale: 'en' });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.getByRole('link', { name: 'Sign in with your organisation' }).click();
    await page.locator('input[name="login"]').waitFor();
    expect(new URL(page.url()).origin).not.toBe(base);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    // The provider asks to authorise the client once.
    await page.locator('button[type="submit"]').click();
    return { page, context };
  }

  test('HR signs in at the provider and lands in the console with the role, group and subsidiary of its claims', async () => {
    const { page, context } = await signInAs('li.hua');
    await page.getByRole('heading', { level: 1, name: 'Needs a decision' }).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe('/console');
    await expect(page.getByText('Signed in as Li Hua (hr)').isVisible()).resolves.toBe(true);
    const session = await page.evaluate(async () => (await fetch('/v1/session')).json());
    expect(session).toMatchObject({ sub: 'li.hua', role: 'hr', groupId: group.groupId, subsidiaryId: group.subsidiaries[0]!.subsidiaryId, name: 'Li Hua', signedInVia: 'oidc' });
    await expectAccessible(page);
    await context.close();
  }, 60_000);

  test('an account whose ID token carries no Turnout role is refused, and the page says which claim is missing', async () => {
    const { page, context } = await signInAs('no.role');
    await page.getByText('the identity provider did not say "turnout_role"').waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe('/console/auth/callback');
    // No session came of it.
    const res = await page.goto(`${base}/v1/session`);
    expect(res?.status()).toBe(401);
    await context.close();
  }, 60_000);
});
