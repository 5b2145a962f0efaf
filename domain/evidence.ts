/**
 * The evidence trail of an interview: append-only rows, each keeping the hash
 * of the one before, so a disputed record can show it was not altered.
 */
import { createHash } from 'node:crypto';
import type { Prisma } from '../lib/database';
import { canonicalJson } from './canonical-json';

/** The hash before the first row of a trail. */
export const GENESIS_HASH = '0'.repeat(64);

export interface EvidenceEntry {
  /** Makes the row happen once: a retried activity finds it and adds nothing. */
  key: string;
  kind: string;
  at: Date;
  data: Record<string, unknown>;
}

export function evidenceHash(
  prevHash: string,
  row: { interviewId: string; seq: number; key: string; kind: string; at: Date; data: unknown },
): string {
  // Exactly these fields: storage details (row id, recordedAt) are not part of what is attested.
  const content = canonicalJson({
    interviewId: row.interviewId,
    seq: row.seq,
    key: row.key,
    kind: row.kind,
    at: row.at.toISOString(),
    data: row.data,
  });
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

/**
 * Appends rows to an interview's trail inside the caller's transaction. The
 * interview row is locked first, so concurrent appends (a reminder receipt and
 * a login at the same moment) chain one after the other, never fork.
 */
export async function appendEvidence(
  tx: Prisma.TransactionClient,
  interviewId: string,
  entries: EvidenceEntry[],
): Promise<number> {
  await tx.$queryRaw`SELECT id FROM "Interview" WHERE id = ${interviewId}::uuid FOR UPDATE`;
  const existing = await tx.evidence.findMany({
    where: { interviewId, key: { in: entries.map((e) => e.key) } },
    select: { key: true },
  });
  const seen = new Set(existing.map((e) => e.key));
  const last = await tx.evidence.findFirst({ where: { interviewId }, orderBy: { seq: 'desc' } });
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  let added = 0;
  for (const e of entries) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    seq += 1;
    const row = { interviewId, seq, key: e.key, kind: e.kind, at: e.at, data: e.data };
    const hash = evidenceHash(prevHash, row);
    await tx.evidence.create({ data: { ...row, data: e.data as Prisma.InputJsonValue, prevHash, hash } });
    prevHash = hash;
    added += 1;
  }
  return added;
}

/**
 * Checks a trail read in seq order: each row's hash covers its content and the row before.
 * A row whose personal fields were erased (redactedAt, see personal-data.ts) keeps its
 * original hash: it is checked for its place in the chain only, since its content has changed.
 */
export function verifyChain(
  rows: { interviewId: string; seq: number; key: string; kind: string; at: Date; data: unknown; prevHash: string; hash: string; redactedAt?: Date | null }[],
): { ok: true } | { ok: false; brokenAtSeq: number } {
  let prev = GENESIS_HASH;
  for (const r of rows) {
    if (r.prevHash !== prev || (!r.redactedAt && evidenceHash(prev, r) !== r.hash)) return { ok: false, brokenAtSeq: r.seq };
    prev = r.hash;
  }
  return { ok: true };
}
