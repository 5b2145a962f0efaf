/**
 * The candidate's page behind the short link, in a real Chromium at phone
 * size, against the real stack: the link is taken from the outbox message
 * the worker sent, the forms go through the self-service API to the
 * workflow, and every state of the page is checked with axe and for CSP
 * violations.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { localTime, toLocalInput } from '../domain/local-time';
import { describeWithBrowser, expectAccessible, launchChromium, PHONE, screenshot, watchCsp } from './support/browser';
import {
  confirmedEvent,
  createTestTenant,
  eventually,
  FAST_POLICY,
  hrToken,
  postEvent,
  startHarness,
  waitForInterviewRow,
  type Harness,
  type TestTenant,
} from './support/harness';

let h: Harness;
let browser: Browser;

const hours = (n: number) => new Date(Date.now() + n * 3600_000);
const ZONE = 'Asia/Shanghai';

async function confirm(tenant: TestTenant, startsAt: Date, channels = ['sms']) {
  const event = confirmedEvent({ startsAt, channels });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const iv = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId);
  return { ...iv, externalId: event.data.interviewId };
}

/** The short link in the newest SMS the outbox kept for this interview at this point. */
async function linkFromOutbox(interviewId: string, point = 'confirmation'): Promise<string> {
  const row = await eventually(
    () => h.prisma.notification.findFirst({ where: { interviewId, point, channel: 'sms', status: 'SENT' } }).then((r) => r ?? undefined),
    30_000,
    `${point} SMS in the outbox`,
  );
  const url = /https?:\/\/\S+\/s\/[A-Za-z0-9_-]{16}/.exec(row.body!)?.[0];
  expect(url).toBeDefined();
  return url!;
}

async function waitForStatus(id: string, status: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const iv = await h.prisma.interview.findUniqueOrThrow({ where: { id } });
    return iv.status === status ? iv : undefined;
  }, timeoutMs, status);
}

async function phone(locale = 'zh-CN'): Promise<{ context: BrowserContext; page: Page; csp: string[] }> {
  const context = await browser.newContext({ ...PHONE, locale });
  const page = await context.newPage();
  return { context, page, csp: watchCsp(page) };
}

/** No request leaves for another origin: everything the page loads is its own document. */
function watchRequests(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  return foreign;
}

describeWithBrowser('the candidate page', () => {
  beforeAll(async () => {
    h = await startHarness({ listen: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('opened from the outbox SMS, it shows the start in Asia/Shanghai time in Chinese; a cancel under 24 h ahead is warned about, then ends LATE_CANCELLED', async () => {
    const tenant = await createTestTenant(h, { ...FAST_POLICY, reminderOffsets: ['PT1H'] });
    const iv = await confirm(tenant, hours(5), ['sms', 'email']);
    const url = await linkFromOutbox(iv.id);
    const { context, page, csp } = await phone();
    try {
      const foreign = watchRequests(page, h.publicUrl);
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      const headers = response!.headers();
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(headers['content-security-policy']).not.toMatch(/https?:/);
      const bytes = (await response!.body()).length;
      expect(bytes).toBeLessThan(16 * 1024);
      console.log(`candidate page, first load: ${bytes} bytes of HTML, nothing else`);

      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      await expect(page.locator('h1').textContent()).resolves.toBe('您的AI面试');
      const shown = await page.getByTestId('starts-at').textContent();
      expect(shown).toBe(localTime(iv.startsAt, ZONE, 'zh-CN'));
      expect(shown).toContain('GMT+8');
      expect(await page.getByText('Backend Engineer').count()).toBe(1);
      const company = await h.prisma.subsidiary.findUniqueOrThrow({ where: { id: tenant.subsidiaryId } });
      expect(await page.getByText(company.name, { exact: true }).count()).toBe(1);
      const warning = await page.getByTestId('cancel-warning').textContent();
      expect(warning).toContain('不足24小时');
      expect(warning).toContain('迟取消');
      await expectAccessible(page);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await screenshot(page, 'candidate-page-zh-360');

      await page.getByLabel('取消原因').fill('家里临时有急事');
      await page.getByRole('button', { name: '取消面试' }).click();
      await page.waitForURL(/done=cancelled/);
      await expect(page.getByRole('status').textContent()).resolves.toContain('面试已取消');
      await expectAccessible(page);
      await waitForStatus(iv.id, 'LATE_CANCELLED');
      expect(await h.prisma.noShowRecord.count({ where: { interviewId: iv.id, kind: 'LATE_CANCEL' } })).toBe(1);
      const audit = await h.prisma.auditEntry.findFirstOrThrow({ where: { interviewId: iv.id, action: 'cancel' } });
      expect(audit.payload).toMatchObject({ reason: '家里临时有急事' });
      // The candidate is told, on each channel; the e-mail cancels the calendar invite.
      const notice = await linkFromOutbox(iv.id, 'cancelled');
      const sms = await h.prisma.notification.findFirstOrThrow({ where: { interviewId: iv.id, point: 'cancelled', channel: 'sms' } });
      expect(sms.body).toContain('迟取消');
      expect(notice).not.toBe(url);
      const mail = await eventually(async () => h.sent.find((m) => m.channel === 'email' && m.subject.startsWith('AI面试已取消')), 20_000, 'cancel e-mail');
      expect(mail.attachments?.[0]?.content).toMatch(/METHOD:CANCEL/);
      expect(foreign).toEqual([]);
      expect(csp).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('switches to English, where the cancel says it leaves no record 24 hours or more ahead', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const iv = await confirm(tenant, hours(72));
    const url = await linkFromOutbox(iv.id);
    const { context, page, csp } = await phone();
    try {
      await page.goto(url);
      await page.getByRole('link', { name: 'English' }).click();
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await expect(page.getByTestId('cancel-warning').textContent()).resolves.toMatch(/more than 24 hours before the start: cancelling now leaves no record/);
      await expect(page.getByTestId('starts-at').textContent()).resolves.toBe(localTime(iv.startsAt, ZONE, 'en'));
      await expectAccessible(page);
      await screenshot(page, 'candidate-page-en-360');
      expect(csp).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a move within the limits is made; one past them is refused and the page says why', async () => {
    const tenant = await createTestTenant(h, { ...FAST_POLICY, selfService: { maxReschedules: 1, cutoff: 'PT2H' } });
    const iv = await confirm(tenant, hours(48));
    const url = await linkFromOutbox(iv.id);
    const { context, page, csp } = await phone();
    try {
      await page.goto(url);
      // A second tab loaded before the move: its form is stale once the move is made.
      const stale = await context.newPage();
      await stale.goto(url);

      await expect(page.getByTestId('moves-left').textContent()).resolves.toBe('您还可以改期1次。');
      await expect(page.getByText('最晚可在开始前2小时改期').count()).resolves.toBe(1);
      // A day later, to the minute: what a datetime-local input holds.
      const newStart = new Date(Math.floor((iv.startsAt.getTime() + 24 * 3600_000) / 60_000) * 60_000);
      await page.getByLabel(/新的开始时间/).fill(toLocalInput(newStart, ZONE));
      await page.getByRole('button', { name: '确认改期' }).click();
      await page.waitForURL(/done=moved/);
      await expect(page.getByRole('status').textContent()).resolves.toContain(localTime(newStart, ZONE, 'zh-CN'));
      await expect(page.getByTestId('starts-at').textContent()).resolves.toBe(localTime(newStart, ZONE, 'zh-CN'));
      await expect(page.getByTestId('moves-left').textContent()).resolves.toContain('改期次数已用完');
      await expectAccessible(page);
      // A notice with the new time and a fresh link of its own.
      const notice = await eventually(
        () => h.prisma.notification.findFirst({ where: { interviewId: iv.id, point: { startsWith: 'moved-' }, channel: 'sms', status: 'SENT' } }).then((r) => r ?? undefined),
        20_000,
        'move notice',
      );
      expect(notice.body).toContain('12月');
      const freshLink = /https?:\/\/\S+\/s\/[A-Za-z0-9_-]{16}/.exec(notice.body!)?.[0];
      expect(freshLink).toBeDefined();
      expect(freshLink).not.toBe(url);
      const moved = await h.prisma.interview.findUniqueOrThrow({ where: { id: iv.id } });
      expect(moved.startsAt.getTime()).toBe(newStart.getTime());

      await stale.getByLabel(/新的开始时间/).fill(toLocalInput(new Date(newStart.getTime() + 3600_000), ZONE));
      await stale.getByRole('button', { name: '确认改期' }).click();
      await expect(stale.getByRole('alert').textContent()).resolves.toContain('无法再次改期：您的改期次数已达上限。');
      await expectAccessible(stale);
      await screenshot(stale, 'candidate-page-move-refused');
      expect((await h.prisma.interview.findUniqueOrThrow({ where: { id: iv.id } })).startsAt.getTime()).toBe(newStart.getTime());
      expect(csp).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a form posted from another site is refused and changes nothing', async () => {
    const tenant = await createTestTenant(h, FAST_POLICY);
    const iv = await confirm(tenant, hours(48));
    const url = await linkFromOutbox(iv.id);
    const code = url.split('/s/')[1]!;
    // Without the page's form token, as a foreign page's form would post it.
    const res = await h.app.inject({
      method: 'POST',
      url: `/s/${code}/cancel`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      payload: 'reason=forged',
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('此表单并非从本页面提交');
    expect((await h.prisma.interview.findUniqueOrThrow({ where: { id: iv.id } })).status).toBe('SCHEDULED');
  });

  test('a used link, an invalid link and an expired link each get their own page', async () => {
    const tenant = await createTestTenant(h, { ...FAST_POLICY, disputeWindow: 'PT2S' });
    const { context, page, csp } = await phone();
    try {
      // Invalid: a code nobody was sent.
      const invalid = await page.goto(`${h.publicUrl}/s/AAAAAAAAAAAAAAAA`);
      expect(invalid?.status()).toBe(404);
      await expect(page.getByTestId('link-problem').textContent()).resolves.toContain('此链接无效');
      await expectAccessible(page);

      // Expired: a NO_REASON record whose dispute window (2 s here) has passed.
      const iv = await confirm(tenant, new Date(Date.now() + 8_000));
      const url = await linkFromOutbox(iv.id);
      await waitForStatus(iv.id, 'NO_SHOW', 40_000);
      const token = await hrToken(h, { sub: 'hr-alice', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId });
      const annotated = await h.app.inject({
        method: 'POST',
        url: `/v1/interviews/${iv.externalId}/annotations`,
        headers: { authorization: `Bearer ${token}` },
        payload: { classification: 'NO_REASON', note: 'no answer, no reason' },
      });
      expect(annotated.statusCode).toBe(202);
      await waitForStatus(iv.id, 'CLOSED');
      await new Promise((r) => setTimeout(r, 2_500));
      const expired = await page.goto(url);
      expect(expired?.status()).toBe(410);
      await expect(page.locator('h1').textContent()).resolves.toBe('链接已过期');
      await expect(page.getByText('请联系邀请您的招聘人员').count()).resolves.toBe(1);
      await expectAccessible(page);
      await screenshot(page, 'candidate-page-expired');

      // Used: an interview cancelled in time leaves nothing for its link to do.
      const early = await confirm(tenant, hours(72));
      const earlyUrl = await linkFromOutbox(early.id);
      const code = earlyUrl.split('/s/')[1]!;
      expect((await h.app.inject({ method: 'POST', url: `/v1/self-service/${code}/cancel`, payload: { reason: 'found another job' } })).statusCode).toBe(202);
      const used = await page.goto(earlyUrl);
      expect(used?.status()).toBe(410);
      await expect(page.getByTestId('link-problem').textContent()).resolves.toBe('此面试已取消。');
      await expectAccessible(page);
      expect(csp).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('told of a NO_REASON record, the candidate sees it with its evidence, contests it, and HR sees the dispute', async () => {
    const tenant = await createTestTenant(h, { ...FAST_POLICY, reminderOffsets: ['PT4S'] });
    const iv = await confirm(tenant, new Date(Date.now() + 10_000), ['sms', 'email']);
    await waitForStatus(iv.id, 'NO_SHOW', 45_000);
    const token = await hrToken(h, { sub: 'hr-alice', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId });
    const auth = { authorization: `Bearer ${token}` };
    const annotated = await h.app.inject({
      method: 'POST',
      url: `/v1/interviews/${iv.externalId}/annotations`,
      headers: auth,
      payload: { classification: 'NO_REASON', note: 'called twice, no answer' },
    });
    expect(annotated.statusCode).toBe(202);
    // The message that tells them, and its link.
    const url = await linkFromOutbox(iv.id, 'record');
    const told = await h.prisma.notification.findFirstOrThrow({ where: { interviewId: iv.id, point: 'record', channel: 'sms' } });
    expect(told.body).toContain('无正当理由');
    expect(told.body).toMatch(/保留至\d{4}年/);

    const { context, page, csp } = await phone();
    try {
      expect((await page.goto(url))?.status()).toBe(200);
      await expect(page.getByTestId('classification').textContent()).resolves.toContain('无正当理由');
      const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interviewId: iv.id } });
      await expect(page.getByTestId('expires').textContent()).resolves.toContain(localTime(record.expiresAt!, ZONE, 'zh-CN'));
      const evidence = await page.getByTestId('evidence').innerText();
      expect(evidence).toContain('已通过短信发送确认通知');
      expect(evidence).toContain('宽限期结束前未登录');
      await expectAccessible(page);
      await screenshot(page, 'candidate-page-record');

      await page.getByLabel('记录为何有误？').fill('当天网络中断，我联系过HR但未接通。');
      await page.getByRole('button', { name: '提交申诉' }).click();
      await page.waitForURL(/done=contested/);
      await expect(page.getByRole('status').textContent()).resolves.toContain('申诉已提交');
      await expect(page.getByTestId('dispute-status').textContent()).resolves.toContain('HR尚未作出决定');
      await expectAccessible(page);

      // The reminder e-mail this interview got, as a phone's mail app would show it.
      const reminder = await eventually(async () => h.sent.find((m) => m.channel === 'email' && m.subject.startsWith('AI面试提醒')), 10_000, 'reminder e-mail');
      expect(Buffer.byteLength(reminder.html!)).toBeLessThan(100 * 1024);
      console.log(`reminder e-mail: ${Buffer.byteLength(reminder.html!)} bytes of HTML, ${Buffer.byteLength(reminder.body)} of text`);
      const mail = await context.newPage();
      await mail.setContent(reminder.html!);
      await expectAccessible(mail);
      await screenshot(mail, 'reminder-email');

      const disputes = await h.app.inject({ method: 'GET', url: '/v1/disputes', headers: auth });
      expect(disputes.statusCode).toBe(200);
      // A fresh tenant: its only dispute is this one.
      expect(disputes.json().items).toHaveLength(1);
      expect(disputes.json().items[0]).toMatchObject({ status: 'OPEN', statement: '当天网络中断，我联系过HR但未接通。' });
      expect(csp).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
