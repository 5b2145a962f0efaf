/**
 * Appends to one interview's evidence trail at the same moment (a receipt,
 * a candidate's dispute, a login) chain one after the other: every row gets
 * its own seq and the chain verifies.
 */
import { randomUUID } from 'node:crypto';
import { appendEvidence, verifyChain } from '../domain/evidence';
import { createTestTenant, startHarness, type Harness } from './support/harness';
import { createFixtureInterview } from './support/records';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worker: false });
});
afterAll(async () => {
  await h?.close();
});

test('concurrent appends to one trail each take the next seq, and the chain verifies', async () => {
  const { subsidiaryId } = await createTestTenant(h);
  const position = await h.prisma.position.create({ data: { subsidiaryId, externalId: `p-${randomUUID()}`, title: 'Fixture' } });
  const iv = await createFixtureInterview(h, {
    subsidiaryId,
    positionId: position.id,
    status: 'SCHEDULED',
    startsAt: new Date(Date.now() + 86400_000),
    channels: ['sms'],
    confirmedAt: new Date(),
  });
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      h.prisma.$transaction((tx) => appendEvidence(tx, iv.id, [{ key: `k${i}`, kind: 'LINK_CLICKED', at: new Date(), data: { n: i } }])),
    ),
  );
  const trail = await h.prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
  expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  expect(verifyChain(trail)).toEqual({ ok: true });
});
