/**
 * Deliveries are durable: an event written while no worker runs (or whose
 * worker died) is delivered by the next one to start, with the webhook-id it
 * was given, however the API and workers were restarted in between.
 */
import { WebhookReceiver } from '../dev/standins/webhook-receiver';
import { createTestTenant, eventually, startHarness, type Harness } from './support/harness';
import { addEndpoint, hrHeaders, verify } from './support/webhooks';

jest.setTimeout(120_000);

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await receiver?.close();
});

test('a delivery queued before a restart goes after it, with the same webhook-id', async () => {
  let h: Harness = await startHarness({ worker: false });
  const t = await createTestTenant(h);
  const ep = await addEndpoint(h, t, { url: `${receiver.url}/after-restart`, events: ['hr.alert'] });
  const queued = await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${ep.endpoint.id}/test`, headers: await hrHeaders(h, t) });
  expect(queued.statusCode).toBe(202);
  const { webhookId } = queued.json();
  // A worker that claimed it and died: its lease is left behind.
  await h.prisma.webhookDelivery.updateMany({ where: { endpointId: ep.endpoint.id }, data: { leaseUntil: new Date(Date.now() + 1500) } });
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.received).toEqual([]);
  await h.close();

  h = await startHarness();
  try {
    await eventually(async () => (receiver.received.length === 1 ? true : undefined), 30_000, 'delivered after restart');
    expect(verify(ep.secret, receiver.received[0]!).id).toBe(webhookId);
    // Not before the dead worker's lease ran out.
    const row = await eventually(
      () => h.prisma.webhookDelivery.findFirst({ where: { endpointId: ep.endpoint.id, status: 'DELIVERED' }, include: { log: true } }).then((r) => r ?? undefined),
      30_000,
      'delivery recorded',
    );
    expect(row.log[0]!.at.getTime()).toBeGreaterThanOrEqual(row.createdAt.getTime() + 1400);
  } finally {
    await h.close();
  }
});
