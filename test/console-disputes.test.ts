/**
 * The HR console's disputes, candidate lookup and refusals, in a real
 * browser against the real stack: a candidate contests a NO_REASON record,
 * HR finds the dispute on the disputes page and decides it with the
 * keyboard alone, and the API shows the decision; an auditor reads without
 * a form; lookup by phone and by e-mail finds the record (with a link to the
 * interview in HR's own subsidiary only), a bad e-mail shows the API's 400
 * next to the field; the API's and the workflow's refusals read in Chinese
 * in the zh-CN console; axe on each page.
 */
import { randomUUID } from 'node:crypto';
import type { HrClaims } from '../lib/hr-token';
import { describeWithBrowser, expectAccessible, screenshot } from './support/browser';
import { openConsoleBrowser, tabTo, type ConsoleBrowser } from './support/console-browser';
import { FAST_POLICY, selfServiceToken, startHarness, type Harness } from './support/harness';
import { confirmFor, createTestGroup, hrHeaders, waitForStatus, type TestGroup } from './support/records';

let h: Harness;
let ui: ConsoleBrowser;
let group: TestGroup;

/** A day to classify, so the no-show left unclassified stays open through the test. */
const POLICY = { ...FAST_POLICY, annotationWindow: 'P1D' };
const PHONE = '+8613700137111';
/** The same number as HR might type it: the lookup ignores spaces. */
const TYPED_PHONE = '+86 137 0013 7111';
const EMAIL = 'wang.fang@example.test';

type Missed = Awaited<ReturnType<typeof confirmFor>>;
/** Contested and decided in the browser; contested and decided by someone else first; missed and left open. */
let decided: Missed, raced: Missed, open: Missed;
const disputeIds: Record<string, string> = {};

const hrOf = (subsidiaryIndex: number): HrClaims => ({
  sub: `hr-${subsidiaryIndex + 1}-${randomUUID().slice(0, 4)}`,
  role: 'hr',
  groupId: group.groupId,
  subsidiaryId: group.subsidiaries[subsidiaryIndex]!.subsidiaryId,
});

async function missed(name: string): Promise<Missed> {
  const iv = await confirmFor(h, group.subsidiaries[0]!, {
    candidate: { name, phone: PHONE, email: EMAIL },
    startsAt: new Date(Date.now() + 6_000),
    channels: ['sms'],
    position: { id: 'pos-cashier', title: 'Cashier' },
  });
  await waitForStatus(h, iv.id, 'NO_SHOW', 45_000);
  return iv;
}

/** HR classifies it NO_REASON through the API, and the candidate contests it through the self-service link. */
async function contested(iv: Missed, statement: string): Promise<string> {
  const headers = await hrHeaders(h, group.groupId, 'hr', group.subsidiaries[0]!.subsidiaryId);
  const annotated = await h.app.inject({ method: 'POST', url: `/v1/interviews/${iv.id}/annotations`, headers, payload: { classification: 'NO_REASON', note: 'no answer' } });
  expect(annotated.statusCode).toBe(202);
  await waitForStatus(h, iv.id, 'CLOSED');
  const opened = await h.app.inject({ method: 'POST', url: `/v1/self-service/${selfServiceToken(h.secrets, iv.id)}/disputes`, payload: { statement } });
  expect(opened.statusCode).toBe(201);
  return opened.json().disputeId as string;
}

beforeAll(async () => {
  h = await startHarness();
  group = await createTestGroup(h, 2, POLICY);
  [decided, raced, open] = await Promise.all([missed('Wang Fang'), missed('Wang Fang'), missed('Wang Fang')]);
  // In this order, so "oldest first" has something to show.
  disputeIds.decided = await contested(decided, 'My train was cancelled that morning; the rail company confirmed it in writing.');
  disputeIds.raced = await contested(raced, 'I logged in but the interview page never loaded.');
  ui = await openConsoleBrowser(h);
}, 120_000);

afterAll(async () => {
  await ui?.close();
  await h?.close();
});

describeWithBrowser('the HR console: disputes, lookup, refusals', () => {
  test('the disputes page lists the open disputes oldest first with the statement and the record; HR reclassifies one with the keyboard alone and the API shows it', async () => {
    const { page } = await ui.signedIn(hrOf(0));
    await tabTo(page, 'nav a[href="/console/disputes"]');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Disputes' }).waitFor();
    const cards = page.locator('article.dispute');
    await cards.nth(1).waitFor();
    await expect(cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-dispute')))).resolves.toEqual([disputeIds.decided, disputeIds.raced]);

    const card = page.locator(`article[data-dispute="${disputeIds.decided}"]`);
    await expect(card.getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Wang Fang · Cashier');
    await expect(card.locator('blockquote').textContent()).resolves.toContain('train was cancelled');
    await expect(card.textContent()).resolves.toContain('No reason');
    const evidence = card.getByRole('link', { name: `Open the interview ${decided.externalId} and its evidence` });
    await expect(evidence.getAttribute('href')).resolves.toBe(`/console/interviews/${decided.externalId}`);
    await expectAccessible(page);
    await screenshot(page, 'console-disputes');

    await tabTo(page, `#d-${disputeIds.decided}-uphold`);
    await page.keyboard.press('ArrowDown');
    await expect(card.getByRole('radio', { name: 'Reclassify as Force majeure' }).isChecked()).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Rail company letter received and checked.');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Decide');
    await page.keyboard.press('Enter');
    await card.getByTestId('decision').filter({ hasText: /^Reclassified \(Force majeure\) by hr-1-/ }).waitFor();
    await expect(card.getByRole('radio').count()).resolves.toBe(0);

    const headers = await hrHeaders(h, group.groupId, 'hr', group.subsidiaries[0]!.subsidiaryId);
    const list = (await h.app.inject({ method: 'GET', url: '/v1/disputes?status=RECLASSIFIED', headers })).json();
    expect(list.items).toEqual([
      expect.objectContaining({ id: disputeIds.decided, toClassification: 'FORCE_MAJEURE', note: 'Rail company letter received and checked.', record: expect.objectContaining({ classification: 'FORCE_MAJEURE' }) }),
    ]);
    const iv = (await h.app.inject({ method: 'GET', url: `/v1/interviews/${decided.externalId}`, headers })).json();
    expect(iv.outcome).toBe('FORCE_MAJEURE');

    // Decided disputes stay readable under their status.
    await page.getByLabel('Show').selectOption('RECLASSIFIED');
    await page.locator(`article[data-dispute="${disputeIds.decided}"]`).getByTestId('decision').waitFor();
  }, 90_000);

  test('an auditor reads the disputes but gets no decision form', async () => {
    const { page } = await ui.signedIn({ sub: 'auditor-1', role: 'auditor', groupId: group.groupId });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Disputes' }).click();
    await page.locator(`article[data-dispute="${disputeIds.raced}"]`).waitFor();
    await expect(page.getByText('Your role may read disputes but not decide them.').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('radio').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Decide' }).count()).resolves.toBe(0);
    await expectAccessible(page);
  }, 60_000);

  test("in the zh-CN console a dispute someone else decided first is refused in Chinese, and so is the workflow's refusal of a reschedule", async () => {
    const { page } = await ui.signedIn(hrOf(0), 'zh-CN');
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '申诉' }).click();
    const card = page.locator(`article[data-dispute="${disputeIds.raced}"]`);
    await card.getByRole('radio', { name: '维持：记录仍为“无正当理由”' }).check();
    await card.getByLabel('备注（裁决理由）').fill('平台日志中没有登录记录。');
    const headers = await hrHeaders(h, group.groupId, 'group_hr', undefined, 'gh-li');
    const first = await h.app.inject({ method: 'POST', url: `/v1/disputes/${disputeIds.raced}/resolve`, headers, payload: { decision: 'uphold', note: 'no login in the logs' } });
    expect(first.statusCode).toBe(200);
    await card.getByRole('button', { name: '提交裁决' }).click();
    const refusal = card.getByRole('alert');
    await refusal.filter({ hasText: '此申诉已经裁决过了。' }).waitFor();
    await expect(refusal.textContent()).resolves.toContain('Turnout 拒绝了此更改');
    await expectAccessible(page);

    // The workflow refuses a new start in the past; the console says why in Chinese, by the refusal's reason.
    await page.goto(`${ui.base}/console/interviews/${open.externalId}`);
    await page.getByLabel('新的开始时间（本地时间）').fill('2020-01-01T09:00');
    await page.getByRole('button', { name: '改期' }).click();
    const refused = page.getByRole('alert').filter({ hasText: '新的开始时间必须在将来。' });
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toContain('(invalid_state)');
    await expect(refused.textContent()).resolves.not.toMatch(/must be in the future/);
  }, 90_000);

  test("lookup by phone and by e-mail finds the person's record as the policy lets each HR see it; a bad e-mail shows the API's message next to the field", async () => {
    const { page } = await ui.signedIn(hrOf(0));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Candidate lookup' }).click();
    await page.getByRole('heading', { level: 1, name: 'Candidate lookup' }).waitFor();
    await expectAccessible(page);

    // By phone, with the keyboard alone: the upheld record (the reclassified one is force majeure, shown to nobody; the open one is not classified yet).
    await tabTo(page, '#contact');
    await page.keyboard.type(TYPED_PHONE);
    await page.keyboard.press('Enter');
    const rows = page.getByTestId('record-table').locator('tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toMatch(/No reason.*No-show.*subsidiary-1.*Cashier.*Upheld/);
    await expect(rows.first().getByRole('link', { name: raced.externalId }).getAttribute('href')).resolves.toBe(`/console/interviews/${raced.externalId}`);
    await expectAccessible(page);
    await screenshot(page, 'console-lookup');

    // A bad e-mail: the API's 400, next to the field, and the field says it is invalid.
    await page.getByRole('radio', { name: 'E-mail' }).check();
    const field = page.getByLabel('E-mail address');
    await field.fill('wang.fang.example.test');
    await page.getByRole('button', { name: 'Look up' }).click();
    const error = page.getByTestId('contact-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/^This is not an e-mail address\. querystring\.email /);
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(field.getAttribute('aria-describedby')).resolves.toBe('contact-error');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('contact');
    await expectAccessible(page);

    await field.fill(EMAIL.toUpperCase());
    await page.getByRole('button', { name: 'Look up' }).click();
    await error.waitFor({ state: 'detached' });
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(1);

    // HR of the other subsidiary sees the shared negative record, without a link into an interview it may not open.
    const other = await ui.signedIn(hrOf(1));
    await other.page.goto(`${ui.base}/console/candidates`);
    await other.page.getByLabel('Phone number (with + and country code)').fill(PHONE);
    await other.page.getByRole('button', { name: 'Look up' }).click();
    const row = other.page.getByTestId('record-table').locator('tbody tr');
    await row.first().waitFor();
    await expect(row.first().textContent()).resolves.toContain('another subsidiary');
    await expect(row.first().getByRole('link').count()).resolves.toBe(0);
  }, 90_000);
});
