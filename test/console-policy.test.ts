/**
 * The group policy in the HR console, in a real browser against the real
 * API: group HR changes a field and saves it with the keyboard alone, and
 * the API serves the new version; a refused value shows the API's own
 * message at its field and saves nothing; the history lists the change with
 * who made it; HR of a subsidiary can neither open the editor nor save
 * through its session; a save over someone else's change is refused; axe on
 * each page.
 */
import { DEFAULT_POLICY } from '../domain/policy';
import { describeWithBrowser, expectAccessible, screenshot } from './support/browser';
import { openConsoleBrowser, tabTo, type ConsoleBrowser } from './support/console-browser';
import { startHarness, type Harness } from './support/harness';
import { createTestGroup, hrHeaders, type TestGroup } from './support/records';

let h: Harness;
let ui: ConsoleBrowser;
let group: TestGroup;

beforeAll(async () => {
  h = await startHarness({ worker: false });
  group = await createTestGroup(h, 2);
  ui = await openConsoleBrowser(h);
}, 90_000);

afterAll(async () => {
  await ui?.close();
  await h?.close();
});

const groupHr = () => ({ sub: 'group-hr-li', role: 'group_hr' as const, groupId: group.groupId });

async function apiPolicy() {
  const res = await h.app.inject({ method: 'GET', url: `/v1/groups/${group.groupId}/policy`, headers: await hrHeaders(h, group.groupId, 'group_hr') });
  return res.json() as { version: number; policy: typeof DEFAULT_POLICY };
}

describeWithBrowser('the group policy in the console', () => {
  test('group HR changes the grace period and saves with the keyboard alone; the API serves the new version', async () => {
    const { page, csp } = await ui.signedIn(groupHr());
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Group policy' }).click();
    await page.getByRole('heading', { level: 1, name: 'Group policy' }).waitFor();
    const grace = page.getByLabel('Grace after the start');
    await expect(grace.inputValue()).resolves.toBe(DEFAULT_POLICY.grace);
    // Every field is there, named, with what it does.
    await expect(grace.getAttribute('aria-describedby')).resolves.toBe('f-grace-help');
    await expect(page.locator('#f-grace-help').textContent()).resolves.toMatch(/still counts as attendance/);
    await expectAccessible(page);

    await tabTo(page, '#f-grace');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('PT20M');
    await tabTo(page, 'form.policy button[type=submit]');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Saved as version 2.' }).waitFor();

    await expect(apiPolicy()).resolves.toMatchObject({ version: 2, policy: { ...DEFAULT_POLICY, grace: 'PT20M' } });
    expect(csp).toEqual([]);
  }, 60_000);

  test("a negative duration shows the API's message next to its field, and nothing is saved", async () => {
    const before = await apiPolicy();
    const { page } = await ui.signedIn(groupHr());
    await page.goto(`${ui.base}/console/policy`);
    const window = page.getByLabel('Time to classify');
    await window.fill('-P7D');
    await page.getByRole('button', { name: 'Save the policy' }).click();

    await page.getByRole('alert').filter({ hasText: 'Not saved: Turnout refused 1 value(s)' }).waitFor();
    await expect(window.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(window.getAttribute('aria-describedby')).resolves.toBe('f-annotationWindow-help f-annotationWindow-error');
    // The API's own words, where the field is; the refused field has the focus.
    await expect(page.locator('#f-annotationWindow-error').textContent()).resolves.toMatch(/^Turnout: must be ISO-8601 duration .*\(got "-P7D"\)$/);
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('f-annotationWindow');
    await expect(page.getByLabel('Grace after the start').getAttribute('aria-invalid')).resolves.toBeNull();
    await expectAccessible(page);
    await screenshot(page, 'console-policy');

    await expect(apiPolicy()).resolves.toEqual(before);
  }, 60_000);

  test('the history lists the change: the version, who set it and what it changed', async () => {
    const { page } = await ui.signedIn(groupHr(), 'zh-CN');
    await page.goto(`${ui.base}/console/policy`);
    await page.getByRole('link', { name: '历史版本及修改记录' }).click();
    await page.getByRole('heading', { level: 1, name: '政策历史' }).waitFor();
    const rows = page.getByTestId('policy-history').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const latest = page.locator('tr[data-version="2"]');
    await expect(latest.textContent()).resolves.toContain('group-hr-li');
    await expect(latest.locator('ul.changes li').allTextContents()).resolves.toEqual(['开始后的宽限期：PT15M → PT20M']);
    await expect(page.locator('tr[data-version="1"]').textContent()).resolves.toContain('未记录');
    await expectAccessible(page);
    await screenshot(page, 'console-policy-history');
  }, 60_000);

  test('HR of a subsidiary has no policy page to edit, and its session cannot save one', async () => {
    const { page } = await ui.signedIn({ sub: 'hr-sub', role: 'hr', groupId: group.groupId, subsidiaryId: group.subsidiaries[0]!.subsidiaryId });
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expect(page.getByRole('link', { name: 'Group policy' }).count()).resolves.toBe(0);
    await page.goto(`${ui.base}/console/policy`);
    await page.getByRole('alert').filter({ hasText: 'Only group HR sees and changes the group policy.' }).waitFor();
    await expect(page.locator('form.policy').count()).resolves.toBe(0);
    await expectAccessible(page);

    // The API is what refuses: the session's own PUT, with its CSRF token, is a 403.
    const attempt = await page.evaluate(
      async ({ groupId, policy }) => {
        const session = await (await fetch('/v1/session')).json();
        const res = await fetch(`/v1/groups/${groupId}/policy`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify({ ...policy, grace: 'PT1H' }),
        });
        return res.status;
      },
      { groupId: group.groupId, policy: DEFAULT_POLICY },
    );
    expect(attempt).toBe(403);
    await expect(apiPolicy()).resolves.toMatchObject({ policy: { grace: 'PT20M' } });
  }, 60_000);

  test('a change someone made since the page was opened is not overwritten: the save is refused and the page offers the current policy', async () => {
    const { page } = await ui.signedIn(groupHr());
    await page.goto(`${ui.base}/console/policy`);
    await page.getByLabel('Time to contest').waitFor();
    const headers = { ...(await hrHeaders(h, group.groupId, 'group_hr', undefined, 'group-hr-wang')), 'content-type': 'application/merge-patch+json' };
    const meanwhile = await h.app.inject({ method: 'PATCH', url: `/v1/groups/${group.groupId}/policy`, headers, payload: { disputeWindow: 'P14D' } });
    expect(meanwhile.statusCode).toBe(200);

    await page.getByLabel('Moves a candidate may make').fill('3');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await page.getByRole('alert').filter({ hasText: 'someone changed the policy since you opened it (it is now at version 3)' }).waitFor();
    await expect(apiPolicy()).resolves.toMatchObject({ version: 3, policy: { disputeWindow: 'P14D', selfService: { maxReschedules: 2 } } });
    await page.getByRole('button', { name: 'Load the current policy' }).click();
    await page.waitForFunction(() => (document.getElementById('f-disputeWindow') as HTMLInputElement | null)?.value === 'P14D');
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
  }, 60_000);
});
