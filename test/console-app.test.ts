/**
 * The HR console in a real browser against the real stack: signing in with a
 * console link, the "needs a decision" queue updating by itself when a fresh
 * no-show is recorded, the interview page with its evidence, classifying it
 * NO_REASON with the keyboard alone, another subsidiary's HR kept out, a
 * write without the CSRF token refused, the reports page drawing its charts
 * from a seeded month, and axe on every page.
 */
import { randomUUID } from 'node:crypto';
import type { HrClaims } from '../lib/hr-token';
import { CONSOLE_CSP } from '../api/scopes/console-app';
import { describeWithBrowser, expectAccessible, screenshot } from './support/browser';
import { openConsoleBrowser, tabTo, type ConsoleBrowser } from './support/console-browser';
import { confirmedEvent, eventually, FAST_POLICY, hrToken, postEvent, startHarness, type Harness } from './support/harness';
import { createFixtureInterview, createTestGroup, type TestGroup } from './support/records';

let h: Harness;
let ui: ConsoleBrowser;
let base: string;
let group: TestGroup;
let reports: TestGroup;

/** Reminders and grace in seconds; a day to classify, so nothing closes by itself during the test. */
const POLICY = { ...FAST_POLICY, annotationWindow: 'P1D' };
const SEEDED_MONTH = '2026-06';

beforeAll(async () => {
  h = await startHarness();
  group = await createTestGroup(h, 2, POLICY);
  reports = await createTestGroup(h, 2);
  await seedReports(reports);
  ui = await openConsoleBrowser(h);
  base = ui.base;
}, 90_000);

afterAll(async () => {
  await ui?.close();
  await h?.close();
});

const hrOf = (subsidiaryIndex: number, g = group): HrClaims => ({
  sub: `hr-${subsidiaryIndex + 1}-${randomUUID().slice(0, 4)}`,
  role: 'hr',
  groupId: g.groupId,
  subsidiaryId: g.subsidiaries[subsidiaryIndex]!.subsidiaryId,
});

const signedIn = (claims: HrClaims, locale: 'en' | 'zh-CN' = 'en') => ui.signedIn(claims, locale);

/** A confirmed interview that nobody attends: a no-show some seconds from now. */
async function missedInterview(subsidiaryIndex = 0): Promise<{ externalId: string; id: string }> {
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 10_000), channels: ['sms', 'email'] });
  event.data.candidate.name = `Zhang ${randomUUID().slice(0, 4)}`;
  const res = await postEvent(h, group.subsidiaries[subsidiaryIndex]!, event);
  expect(res.statusCode).toBe(202);
  const iv = await eventually(
    () =>
      h.prisma.interview
        .findUnique({ where: { subsidiaryId_externalId: { subsidiaryId: group.subsidiaries[subsidiaryIndex]!.subsidiaryId, externalId: event.data.interviewId } } })
        .then((r) => r ?? undefined),
    20_000,
    'interview row',
  );
  return { externalId: event.data.interviewId, id: iv.id };
}

const statusOf = async (id: string) => (await h.prisma.interview.findUniqueOrThrow({ where: { id } })).status;

describeWithBrowser('the HR console', () => {
  let missed: { externalId: string; id: string };

  test('a console link signs in and opens the queue, in English and in Chinese; the pages pass axe and load nothing the CSP refuses', async () => {
    const en = await signedIn(hrOf(0), 'en');
    await en.page.getByRole('heading', { level: 1, name: 'Needs a decision' }).waitFor();
    await expect(en.page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expectAccessible(en.page);
    expect(en.csp).toEqual([]);

    const zh = await signedIn(hrOf(0), 'zh-CN');
    await zh.page.getByRole('heading', { level: 1, name: '待处理' }).waitFor();
    await expect(zh.page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await expect(zh.page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '报表' }).isVisible()).resolves.toBe(true);
    await expectAccessible(zh.page);
    expect(zh.csp).toEqual([]);

    const served = await fetch(`${base}/console`);
    expect(served.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  }, 60_000);

  test('without a session the console shows how to sign in instead of the app', async () => {
    const page = await (await ui.newContext('en')).newPage();
    await page.goto(`${base}/console/interviews/anything`);
    await page.getByRole('heading', { level: 1, name: 'Sign in to the HR console' }).waitFor();
    await expect(page.getByText('npx turnout console-link', { exact: false }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
  });

  test('a fresh no-show appears in the open queue within seconds, without a reload', async () => {
    const { page } = await signedIn(hrOf(0));
    await page.getByRole('heading', { level: 1, name: 'Needs a decision' }).waitFor();
    await page.getByTestId('queue-count').filter({ hasText: 'waiting' }).waitFor();
    // Survives only as long as the document does: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    missed = await missedInterview(0);
    await eventually(async () => ((await statusOf(missed.id)) === 'NO_SHOW' ? true : undefined), 45_000, 'NO_SHOW');
    const row = page.locator(`tr[data-interview="${missed.externalId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await expect(row.textContent()).resolves.toContain('No-show');
    await expect(row.textContent()).resolves.toMatch(/(1 d|23 h[^a-z]*) left/);
    await expect(page.getByTestId('queue-count').textContent()).resolves.toContain('1 new since you opened this page');
    await expect(page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).resolves.toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'console-queue');
  }, 90_000);

  test('HR opens the evidence and classifies the no-show NO_REASON with the keyboard alone; the API shows it closed', async () => {
    const { page } = await signedIn(hrOf(0));
    const link = `a[href="/console/interviews/${missed.externalId}"]`;
    await page.locator(link).waitFor();
    await tabTo(page, link);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { level: 2, name: 'Timeline and evidence' }).waitFor();
    await expect(new URL(page.url()).pathname).toBe(`/console/interviews/${missed.externalId}`);
    await expect(page.getByTestId('chain').textContent()).resolves.toMatch(/^✓ Evidence chain verified: \d+ entries/);
    for (const kind of ['CONFIRMED', 'MESSAGE_SENT', 'WINDOW_CLOSED', 'NO_SHOW_RECORDED']) {
      await expect(page.locator(`ol.timeline li[data-kind="${kind}"]`).first().isVisible()).resolves.toBe(true);
    }
    await expect(page.getByRole('heading', { name: 'Reminders and their delivery' }).isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('status').textContent()).resolves.toBe('No-show');
    await expectAccessible(page);
    await screenshot(page, 'console-interview');

    await tabTo(page, 'input[type=radio][value="FORCE_MAJEURE"]');
    // Arrow keys move within a radio group.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('radio', { name: 'No reason' }).isChecked()).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('note');
    await page.keyboard.type('Not reachable on the day, no reason given afterwards.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    await page.getByText('Classified. The interview is closed.').waitFor({ timeout: 40_000 });
    await expect(page.getByTestId('status').textContent()).resolves.toBe('Closed');
    await expect(page.getByTestId('outcome').textContent()).resolves.toBe('No reason');

    const token = await hrToken(h, hrOf(0));
    const api = await h.app.inject({ method: 'GET', url: `/v1/interviews/${missed.externalId}`, headers: { authorization: `Bearer ${token}` } });
    expect(api.json()).toMatchObject({ status: 'CLOSED', outcome: 'NO_REASON', records: [{ classification: 'NO_REASON', note: 'Not reachable on the day, no reason given afterwards.' }] });
    // The same person's group-wide record now shows it.
    await page.reload();
    await page.getByRole('heading', { level: 2, name: "The candidate's record across the group" }).waitFor();
    await expect(page.locator('section[aria-labelledby="h-record"] tbody tr').count()).resolves.toBe(1);
  }, 90_000);

  test('HR reads its alerts, with where each was delivered, and marks the no-show alert read', async () => {
    const { page } = await signedIn(hrOf(0));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const row = page.locator(`tr[data-interview="${missed.externalId}"]`).first();
    await row.waitFor({ timeout: 20_000 });
    await expect(row.textContent()).resolves.toContain('No-show');
    await expectAccessible(page);
    await row.getByRole('button', { name: `Mark the alert of ${missed.externalId} read` }).click();
    await row.getByText(/^Read by hr-1-/).waitFor();
    const token = await hrToken(h, hrOf(0));
    const api = await h.app.inject({ method: 'GET', url: '/v1/alerts?unread=true', headers: { authorization: `Bearer ${token}` } });
    expect(api.json().items.filter((a: { interview: { interviewId: string } }) => a.interview.interviewId === missed.externalId)).toEqual([]);
  }, 60_000);

  test('a second classification is refused, and the refusal is shown in words', async () => {
    const { page } = await signedIn(hrOf(0));
    const other = await missedInterview(0);
    await eventually(async () => ((await statusOf(other.id)) === 'NO_SHOW' ? true : undefined), 45_000, 'NO_SHOW');
    await page.goto(`${base}/console/interviews/${other.externalId}`);
    await page.getByRole('radio', { name: 'Unreachable' }).check();
    await page.getByLabel('Note (why)').fill('Phone off all day.');
    // Someone else decides first, through the API.
    const token = await hrToken(h, hrOf(0));
    const first = await h.app.inject({
      method: 'POST',
      url: `/v1/interviews/${other.externalId}/annotations`,
      headers: { authorization: `Bearer ${token}` },
      payload: { classification: 'FORCE_MAJEURE', note: 'Hospital.' },
    });
    expect(first.statusCode).toBe(202);
    await eventually(async () => ((await statusOf(other.id)) === 'CLOSED' ? true : undefined), 30_000, 'CLOSED');
    await page.getByRole('button', { name: 'Classify' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Turnout refused the change' });
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/accepts no more changes/);
  }, 90_000);

  test('HR of another subsidiary cannot open the interview, nor see it in its queue', async () => {
    const { page } = await signedIn(hrOf(1));
    await page.getByTestId('queue-count').filter({ hasText: 'waiting' }).waitFor();
    await expect(page.locator(`tr[data-interview="${missed.externalId}"]`).count()).resolves.toBe(0);
    await page.goto(`${base}/console/interviews/${missed.externalId}`);
    await page.getByRole('alert').filter({ hasText: 'No interview with this id is visible to you.' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Timeline and evidence' }).count()).resolves.toBe(0);
    await expectAccessible(page);
  }, 60_000);

  test('a write through the session without the CSRF token is refused; with it, accepted', async () => {
    const { page } = await signedIn(hrOf(0));
    await page.getByTestId('queue-count').filter({ hasText: 'waiting' }).waitFor();
    const upcoming = confirmedEvent({ startsAt: new Date(Date.now() + 72 * 3600_000) });
    expect((await postEvent(h, group.subsidiaries[0]!, upcoming)).statusCode).toBe(202);
    await eventually(
      () => h.prisma.interview.findFirst({ where: { externalId: upcoming.data.interviewId } }).then((r) => r ?? undefined),
      20_000,
      'interview row',
    );
    const attempt = (withToken: boolean) =>
      page.evaluate(
        async ({ id, withToken }) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (withToken) {
            const session = await (await fetch('/v1/session')).json();
            headers['x-csrf-token'] = session.csrfToken;
          }
          const res = await fetch(`/v1/interviews/${id}/reschedule`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ startsAt: new Date(Date.now() + 96 * 3600_000).toISOString() }),
          });
          return { status: res.status, body: await res.json() };
        },
        { id: upcoming.data.interviewId, withToken },
      );
    const refused = await attempt(false);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'csrf_token_missing' } } });
    const accepted = await attempt(true);
    expect(accepted.status).toBe(202);
  }, 60_000);

  test('the reports page draws its charts and table from a seeded month, and downloads the CSV', async () => {
    const { page } = await signedIn({ sub: 'group-hr', role: 'group_hr', groupId: reports.groupId });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    const month = page.getByRole('textbox', { name: 'Month' });
    await month.fill(SEEDED_MONTH);
    await month.dispatchEvent('change');
    const table = page.getByTestId('report-table');
    await table.getByRole('rowheader', { name: 'subsidiary-1' }).waitFor();
    // subsidiary-1: 2 no-shows of 4 due (2 attended); subsidiary-2: 1 of 4.
    await expect(table.locator('tbody tr').count()).resolves.toBe(2);
    await expect(table.locator('tfoot').textContent()).resolves.toContain('37.5%');
    await expect(page.getByTestId('chart-bars').getAttribute('aria-label')).resolves.toContain('subsidiary-1 50%');
    await expect(page.getByTestId('chart-trend').getAttribute('aria-label')).resolves.toMatch(/2026-05 25%.*2026-06 37\.5%/);
    for (const id of ['chart-bars', 'chart-trend']) {
      // The canvas holds drawn pixels (not a blank surface).
      const drawn = await page.getByTestId(id).locator('canvas').evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
        return ink;
      });
      expect(drawn).toBeGreaterThan(500);
    }
    await page.getByLabel('Grouped by').selectOption('reason');
    await table.getByRole('rowheader', { name: 'No reason' }).waitFor();
    // The dimensions that look for causes: the seeded candidates have no time zone, so hours are UTC.
    await page.getByLabel('Grouped by').selectOption('hour');
    await table.getByRole('rowheader', { name: '11:00' }).waitFor();
    await page.getByLabel('Grouped by').selectOption('weekday');
    await table.getByRole('rowheader', { name: 'Tuesday' }).waitFor();
    await page.getByLabel('Grouped by').selectOption('leadTime');
    await table.getByRole('rowheader', { name: '1-3d' }).waitFor();
    await expectAccessible(page);
    await page.getByLabel('Grouped by').selectOption('subsidiary');
    await table.getByRole('rowheader', { name: 'subsidiary-1' }).waitFor();
    await screenshot(page, 'console-reports');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`no-shows-${SEEDED_MONTH}-subsidiary.csv`);
    const csv = await new Promise<string>((resolve, reject) => {
      download.createReadStream().then((stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        stream.on('error', reject);
      }, reject);
    });
    expect(csv.split('\n')[0]).toMatch(/subsidiary/i);
    expect(csv).toContain('subsidiary-1');
  }, 90_000);
});

/**
 * The reports fixture, written straight into the projection: June 2026 with
 * subsidiary-1 at 2 no-shows of 4 due and subsidiary-2 at 1 of 4 (37.5% in
 * all), May 2026 at 1 of 4 (25%).
 */
async function seedReports(g: TestGroup): Promise<void> {
  const [s1, s2] = g.subsidiaries.map((s) => s.subsidiaryId) as [string, string];
  const position = (subsidiaryId: string) => h.prisma.position.create({ data: { subsidiaryId, externalId: `pos-${randomUUID().slice(0, 6)}`, title: 'Store Manager', region: 'South' } });
  const [p1, p2] = [await position(s1), await position(s2)];
  const one = async (subsidiaryId: string, positionId: string, startsAt: string, result: 'attended' | 'no_show') => {
    const iv = await createFixtureInterview(h, {
      subsidiaryId,
      positionId,
      status: result === 'attended' ? 'ATTENDED' : 'CLOSED',
      startsAt: new Date(startsAt),
      channels: ['sms'],
      outcome: result === 'attended' ? 'ATTENDED' : 'NO_REASON',
      confirmedAt: new Date(new Date(startsAt).getTime() - 2 * 86400_000),
    });
    if (result === 'no_show') {
      await h.prisma.noShowRecord.create({
        data: {
          interviewId: iv.id,
          attempt: 1,
          kind: 'NO_SHOW',
          scheduledStart: new Date(startsAt),
          detectedAt: new Date(startsAt),
          classification: 'NO_REASON',
          classifiedAt: new Date(startsAt),
          expiresAt: new Date('2027-06-30T00:00:00Z'),
        },
      });
    }
  };
  const june: [string, string, string, 'attended' | 'no_show'][] = [
    [s1, p1.id, '2026-06-02T01:00:00Z', 'attended'],
    [s1, p1.id, '2026-06-03T01:00:00Z', 'attended'],
    [s1, p1.id, '2026-06-04T01:00:00Z', 'no_show'],
    [s1, p1.id, '2026-06-05T11:00:00Z', 'no_show'],
    [s2, p2.id, '2026-06-08T02:00:00Z', 'attended'],
    [s2, p2.id, '2026-06-09T02:00:00Z', 'attended'],
    [s2, p2.id, '2026-06-10T02:00:00Z', 'attended'],
    [s2, p2.id, '2026-06-11T12:00:00Z', 'no_show'],
  ];
  const may: typeof june = [
    [s1, p1.id, '2026-05-04T01:00:00Z', 'attended'],
    [s1, p1.id, '2026-05-05T01:00:00Z', 'attended'],
    [s2, p2.id, '2026-05-06T01:00:00Z', 'attended'],
    [s2, p2.id, '2026-05-07T01:00:00Z', 'no_show'],
  ];
  for (const [s, p, at, r] of [...june, ...may]) await one(s, p, at, r);
}
