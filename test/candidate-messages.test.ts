/**
 * What the candidate is sent: a short SMS, an HTML e-mail with a plain-text
 * part in their language (inline styles, table layout, nothing remote, under
 * 100 KB), and a calendar invite on the confirmation (METHOD:REQUEST) that
 * each move updates (a higher SEQUENCE) and a cancel withdraws (METHOD:CANCEL).
 * Driven through the real workflow; the messages are those the worker's
 * transport was handed.
 */
import { renderMessage, smsSegments } from '../activities/messaging/templates';
import { confirmedEvent, createTestTenant, eventually, FAST_POLICY, postEvent, startHarness, waitForInterviewRow, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const hours = (n: number) => new Date(Date.now() + n * 3600_000);

function mailFor(interviewId: string, subjectStart: string) {
  return eventually(async () => {
    const rows = await h.prisma.notification.findMany({ where: { interviewId, channel: 'email', status: 'SENT' } });
    const ids = new Set(rows.map((r) => r.id));
    return h.sent.find((m) => ids.has(m.notificationId) && m.subject.startsWith(subjectStart));
  }, 30_000, `e-mail "${subjectStart}"`);
}

test('the confirmation e-mail is HTML and text in Chinese with an invite; a move updates it, a cancel withdraws it', async () => {
  const tenant = await createTestTenant(h, FAST_POLICY);
  const event = confirmedEvent({ startsAt: hours(72), channels: ['sms', 'email'] });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const iv = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId);

  const confirmation = await mailFor(iv.id, 'AI面试已确认');
  expect(confirmation.body).toContain('时间：');
  expect(confirmation.body).toContain('GMT+8');
  const html = confirmation.html!;
  expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
  expect(html).toContain('<html lang="zh-CN">');
  expect(html).toContain('role="presentation"');
  expect(html).toContain(event.data.joinUrl);
  expect(html).not.toMatch(/<script|<img|<link|<style|src=/i);
  const invite = confirmation.attachments![0]!;
  expect(invite.contentType).toContain('method=REQUEST');
  expect(invite.content).toMatch(/METHOD:REQUEST\r\n/);
  expect(invite.content).toContain(`UID:${iv.id}@turnout`);
  expect(invite.content).toMatch(/SEQUENCE:0\r\n/);
  expect(invite.content).toContain(`DTSTART:${iv.startsAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`);

  const link = /\/s\/([A-Za-z0-9_-]{16})/.exec(confirmation.body)![1]!;
  const to = new Date(Math.floor(hours(96).getTime() / 60_000) * 60_000);
  expect((await h.app.inject({ method: 'POST', url: `/v1/self-service/${link}/reschedule`, payload: { startsAt: to.toISOString() } })).statusCode).toBe(202);
  const moved = await mailFor(iv.id, 'AI面试已改期');
  expect(moved.attachments![0]!.content).toMatch(/METHOD:REQUEST\r\n/);
  expect(moved.attachments![0]!.content).toMatch(/SEQUENCE:1\r\n/);
  expect(moved.attachments![0]!.content).toContain(`DTSTART:${to.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`);

  expect((await h.app.inject({ method: 'POST', url: `/v1/self-service/${link}/cancel`, payload: { reason: 'found another job' } })).statusCode).toBe(202);
  const cancelled = await mailFor(iv.id, 'AI面试已取消');
  expect(cancelled.attachments![0]!.content).toMatch(/METHOD:CANCEL\r\n/);
  expect(cancelled.attachments![0]!.content).toMatch(/SEQUENCE:2\r\n/);
  expect(cancelled.body).toContain('不会留下任何记录');
});

// 32 characters of text and a 46-character link: over the 70 of one UCS-2 segment, well inside two (134).
// A public URL of 22 characters or fewer (https://t.example/s/…) would make it one.
test('a typical Chinese reminder SMS takes two segments', () => {
  const sms = renderMessage({
    point: 'PT1H',
    channel: 'sms',
    candidateName: '李伟',
    positionTitle: '后端工程师',
    company: '某某科技（上海）有限公司',
    startsAt: new Date('2026-12-03T02:00:00Z'),
    timezone: 'Asia/Shanghai',
    locale: 'zh-CN',
    joinUrl: 'https://interview.example.com/join/8f3a2c9e-1b7d-4e0a-9c61-2f5d8e4b7a10',
    selfServiceUrl: 'https://turnout.example.com/s/Ab3dEf6hIj9kLm2n',
  });
  expect(sms.body).toBe('AI面试提醒：后端工程师，12月3日10:00开始。进入/改期：https://turnout.example.com/s/Ab3dEf6hIj9kLm2n');
  console.log(`typical Chinese reminder: ${sms.body.length} characters, ${smsSegments(sms.body)} segment(s)`);
  expect(smsSegments(sms.body)).toBe(2);
});

test('SMS segments: UCS-2 70 single and 67 per part, GSM-7 160 and 153', () => {
  expect(smsSegments('中'.repeat(70))).toBe(1);
  expect(smsSegments('中'.repeat(71))).toBe(2);
  expect(smsSegments('中'.repeat(134))).toBe(2);
  expect(smsSegments('中'.repeat(135))).toBe(3);
  expect(smsSegments('a'.repeat(160))).toBe(1);
  expect(smsSegments('a'.repeat(161))).toBe(2);
});
