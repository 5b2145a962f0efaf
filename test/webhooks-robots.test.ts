/**
 * HR group chats: WeCom, DingTalk and Feishu robots receive a no-show's
 * `hr.alert` as their own message format, signed as each robot checks it
 * (local stand-ins that verify shape and signature like the real robots and
 * refuse inside a 200 as they do); the message names no candidate.
 */
import { RobotStandIn } from '../dev/standins/webhook-receiver';
import { FAST_POLICY, confirmedEvent, createTestTenant, eventually, postEvent, startHarness, type Harness } from './support/harness';
import { addEndpoint, hrHeaders, setAlerting } from './support/webhooks';

jest.setTimeout(120_000);

let h: Harness;
const robots = {
  wecom: new RobotStandIn('wecom', null),
  dingtalk: new RobotStandIn('dingtalk', 'SECdingtalk-robot-secret-0001'),
  feishu: new RobotStandIn('feishu', 'feishu-robot-secret-0001'),
};
const wrongSecret = new RobotStandIn('dingtalk', 'SECthe-real-secret');
beforeAll(async () => {
  h = await startHarness({ delivery: { retryScheduleMs: [300, 300], timeoutMs: 3000 } });
  await Promise.all([...Object.values(robots), wrongSecret].map((r) => r.start()));
});
afterAll(async () => {
  await Promise.all([...Object.values(robots), wrongSecret].map((r) => r.close()));
  await h?.close();
});

test("a no-show's alert reaches each robot in its format, correctly signed, without the candidate's name", async () => {
  // A long annotation window: the no-show's alert is the only one while the test looks.
  const t = await createTestTenant(h, { ...FAST_POLICY, annotationWindow: 'PT10M' });
  await setAlerting(h, t, [], 'zh-CN');
  for (const [format, robot] of Object.entries(robots)) {
    await addEndpoint(h, t, { url: robot.webhookUrl, events: ['hr.alert'], format, ...(robot.secret ? { secret: robot.secret } : {}) });
  }
  const wrong = await addEndpoint(h, t, { url: wrongSecret.webhookUrl, events: ['hr.alert'], format: 'dingtalk', secret: 'SECnot-the-secret' });
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 6000) });
  expect((await postEvent(h, t, event)).statusCode).toBe(202);

  await eventually(async () => (Object.values(robots).every((r) => r.messages.length === 1) ? true : undefined), 60_000, 'robot messages');
  const record = await h.prisma.noShowRecord.findFirstOrThrow({ where: { interview: { externalId: event.data.interviewId, subsidiaryId: t.subsidiaryId } } });
  for (const [format, robot] of Object.entries(robots)) {
    expect([format, robot.refusals]).toEqual([format, []]);
    const [m] = robot.messages;
    expect(m!.text).toContain('候选人缺席');
    expect(m!.text).toContain('Backend Engineer');
    expect(m!.text).toContain(`cand-${event.data.interviewId}`);
    expect(m!.text).toContain(`/console/interviews/${event.data.interviewId}`);
    expect(m!.text).toContain('分类截止');
    expect(m!.text).not.toContain('Li Wei');
    process.stderr.write(`[robots] no-show detected → ${format} robot: ${((m!.at - record.detectedAt.getTime()) / 1000).toFixed(2)} s\n`);
  }
  expect(robots.dingtalk.messages[0]!.title).toContain('候选人缺席');

  // A robot that refuses inside its 200 is a failed attempt, retried, then failed.
  const list = await eventually(async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${wrong.endpoint.id}/deliveries`, headers: await hrHeaders(h, t) });
    const [d] = res.json().items;
    return d?.status === 'FAILED' ? d : undefined;
  }, 30_000, 'refused delivery failed');
  expect(list.attempts.map((a: { outcome: string; statusCode: number }) => [a.outcome, a.statusCode])).toEqual([
    ['robot_error', 200],
    ['robot_error', 200],
    ['robot_error', 200],
  ]);
  expect(wrongSecret.refusals[0]).toBe('sign not match');

  // The alerts feed shows each robot's delivery, the failed one too.
  const feed = (await h.app.inject({ method: 'GET', url: '/v1/alerts', headers: await hrHeaders(h, t) })).json().items;
  expect(feed[0].deliveries.map((d: { channel: string; status: string }) => `${d.channel}:${d.status}`).sort()).toEqual([
    'dingtalk:DELIVERED',
    'dingtalk:FAILED',
    'feishu:DELIVERED',
    'wecom:DELIVERED',
  ]);
  // The robots' keys are masked in the list.
  const endpoints = (await h.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: await hrHeaders(h, t) })).body;
  expect(endpoints).not.toContain('robot-key-0001');
  expect(endpoints).not.toContain('robot-secret');
});

test('a WeCom robot takes no secret, and a robot receives hr.alert only', async () => {
  const t = await createTestTenant(h);
  const headers = await hrHeaders(h, t);
  const wecomSecret = await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload: { url: robots.wecom.webhookUrl, events: ['hr.alert'], format: 'wecom', secret: 'x' } });
  expect(wecomSecret.statusCode).toBe(400);
  const other = await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload: { url: robots.feishu.webhookUrl, events: ['interview.no_show'], format: 'feishu' } });
  expect(other.statusCode).toBe(400);
  expect(other.json().error.details[0].field).toBe('events');
});
