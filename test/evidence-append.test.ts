/**
 * Appends to one interview's evidence trail at the same moment (a receipt,
 * a candidate's dispute, a login) chain one after the other: every row gets
 * its own seq and the chain verifies. A change written with its entry
 * (appendEvidenceWith) lands with it or not at all.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '../lib/database';
import { appendEvidence, appendEvidenceWith, verifyChain } from '../domain/evidence';
import { createTestTenant, startHarness, type Harness } from './support/harness';
import { createFixtureInterview } from './support/records';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worker: false });
});
afterAll(async () => {
  await h?.close();
});

/** A scheduled interview of a fresh tenant, with an empty trail. */
async function fixtureInterview() {
  const { subsidiaryId } = await createTestTenant(h);
  const position = await h.prisma.position.create({ data: { subsidiaryId, externalId: `p-${randomUUID()}`, title: 'Fixture' } });
  return createFixtureInterview(h, {
    subsidiaryId,
    positionId: position.id,
    status: 'SCHEDULED',
    startsAt: new Date(Date.now() + 86400_000),
    channels: ['sms'],
    confirmedAt: new Date(),
  });
}

test('concurrent appends to one trail each take the next seq, and the chain verifies', async () => {
  const iv = await fixtureInterview();
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      h.prisma.$transaction((tx) => appendEvidence(tx, iv.id, [{ key: `k${i}`, kind: 'LINK_CLICKED', at: new Date(), data: { n: i } }])),
    ),
  );
  const trail = await h.prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
  expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  expect(verifyChain(trail)).toEqual({ ok: true });
});

test('rows hashed in SQL verify with any text in them, and a key already in the trail adds nothing', async () => {
  const iv = await fixtureInterview();
  const entries = [
    { key: 'zh', kind: 'LINK_CLICKED', at: new Date(), data: { userAgent: '微信 "浏览器"\n\\ 😀', n: 1.5, nested: { b: [1, null, true], a: 'é' } } },
    { key: 'plain', kind: 'LOGIN', at: new Date(), data: {} },
  ];
  expect(await h.prisma.$transaction((tx) => appendEvidence(tx, iv.id, entries))).toBe(2);
  expect(await h.prisma.$transaction((tx) => appendEvidence(tx, iv.id, [...entries, { key: 'plain', kind: 'LOGIN', at: new Date(), data: {} }]))).toBe(0);
  const trail = await h.prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
  expect(trail.map((e) => e.key)).toEqual(['zh', 'plain']);
  expect(verifyChain(trail)).toEqual({ ok: true });
  const head = await h.prisma.interview.findUniqueOrThrow({ where: { id: iv.id } });
  expect({ seq: head.evidenceSeq, hash: head.evidenceHash, prev: head.evidencePrevHash }).toEqual({ seq: 2, hash: trail[1]!.hash, prev: trail[0]!.hash });
});

test('an append to an interview that does not exist fails', async () => {
  await expect(h.prisma.$transaction((tx) => appendEvidence(tx, randomUUID(), [{ key: 'k', kind: 'LOGIN', at: new Date(), data: {} }]))).rejects.toThrow(/not found/);
});

test('a change written with its entry: the entry only when the change touched a row, and neither when the entry fails', async () => {
  const iv = await fixtureInterview();
  const rename = (name: string, onlyIf: string) =>
    Prisma.sql`UPDATE "Candidate" SET name = ${name} WHERE id = ${iv.candidateId}::uuid AND name = ${onlyIf}`;
  const candidateName = async () => (await h.prisma.candidate.findUniqueOrThrow({ where: { id: iv.candidateId } })).name;
  const before = await candidateName();

  expect(await appendEvidenceWith(h.prisma, iv.id, { key: 'none', kind: 'LOGIN', at: new Date(), data: {} }, rename('A', 'not the name'))).toEqual({ changed: 0, added: 0 });
  expect(await appendEvidenceWith(h.prisma, iv.id, { key: 'renamed', kind: 'LOGIN', at: new Date(), data: {} }, rename('A', before))).toEqual({ changed: 1, added: 1 });
  expect(await candidateName()).toBe('A');

  await h.prisma.$executeRawUnsafe(`
    CREATE FUNCTION test_refuse_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.kind = 'REFUSED' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
  await h.prisma.$executeRawUnsafe(`CREATE TRIGGER test_refuse_evidence BEFORE INSERT ON "Evidence" FOR EACH ROW EXECUTE FUNCTION test_refuse_evidence()`);
  try {
    await expect(appendEvidenceWith(h.prisma, iv.id, { key: 'refused', kind: 'REFUSED', at: new Date(), data: {} }, rename('B', 'A'))).rejects.toThrow(/refused by the test/);
  } finally {
    await h.prisma.$executeRawUnsafe(`DROP TRIGGER test_refuse_evidence ON "Evidence"`);
    await h.prisma.$executeRawUnsafe(`DROP FUNCTION test_refuse_evidence()`);
  }
  expect(await candidateName()).toBe('A');
  const trail = await h.prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
  expect(trail.map((e) => e.key)).toEqual(['renamed']);
  expect(verifyChain(trail)).toEqual({ ok: true });
});
