/**
 * Appends to one interview's evidence trail at the same moment (a receipt,
 * a candidate's dispute, a login) chain one after the other: every row gets
 * its own seq and the chain verifies.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../lib/database';
import { DEFAULT_POLICY } from '../domain/policy';
import { appendEvidence, verifyChain } from '../domain/evidence';
import { createTestTenant, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worker: false });
});
afterAll(async () => {
  await h?.close();
});

test('concurrent appends to one trail each take the next seq, and the chain verifies', async () => {
  const { subsidiaryId } = await createTestTenant(h);
  const candidate = await h.prisma.candidate.create({ data: { subsidiaryId, externalId: `c-${randomUUID()}`, name: 'Fixture', phone: '+10000000000', email: 'f@example.test' } });
  const position = await h.prisma.position.create({ data: { subsidiaryId, externalId: `p-${randomUUID()}`, title: 'Fixture' } });
  const externalId = `iv-${randomUUID().slice(0, 8)}`;
  const iv = await h.prisma.interview.create({
    data: {
      subsidiaryId,
      externalId,
      workflowId: `fixture:${externalId}`,
      candidateId: candidate.id,
      positionId: position.id,
      status: 'SCHEDULED',
      startsAt: new Date(Date.now() + 86400_000),
      joinUrl: 'https://interview.example.test',
      channels: ['sms'],
      policy: DEFAULT_POLICY as unknown as Prisma.InputJsonValue,
      confirmedAt: new Date(),
    },
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
