/**
 * The evidence trail of an interview: append-only rows, each keeping the hash
 * of the one before, so a disputed record can show it was not altered.
 */
import { createHash } from 'node:crypto';
import { Prisma } from '../lib/database';
import { canonicalJson } from './canonical-json';

const { sql, join } = Prisma;

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
 * interview row is locked first (`rowLocked`: the caller's own UPDATE of it
 * holds the lock), so concurrent appends (a reminder receipt and a login at
 * the same moment) chain one after the other, never fork.
 *
 * Three statements in plain SQL whatever the number of entries: every message
 * and lifecycle step appends here, and it is the hottest path to the database.
 */
export async function appendEvidence(
  tx: Prisma.TransactionClient,
  interviewId: string,
  entries: EvidenceEntry[],
  options: { rowLocked?: boolean } = {},
): Promise<number> {
  const keys = entries.map((e) => e.key);
  // The lock is its own statement: a statement that waited for it still reads from the
  // snapshot it started with, so the trail's head is read by the next one. A caller
  // that has just updated the interview row in this transaction holds the lock already.
  if (!options.rowLocked) {
    const locked = await tx.$executeRaw`SELECT 1 FROM "Interview" WHERE id = ${interviewId}::uuid FOR UPDATE`;
    if (locked === 0) throw new Error(`interview ${interviewId} not found`);
  }
  const [head] = await tx.$queryRaw<Array<{ seq: number | null; hash: string | null; seen: string[] }>>`
    SELECT last.seq, last.hash,
           ARRAY(SELECT e.key FROM "Evidence" e WHERE e."interviewId" = ${interviewId}::uuid AND e.key = ANY(${keys}::text[])) AS seen
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT seq, hash FROM "Evidence" WHERE "interviewId" = ${interviewId}::uuid ORDER BY seq DESC LIMIT 1) last ON true`;
  if (!head) throw new Error(`interview ${interviewId} not found`);
  const seen = new Set(head.seen);
  let seq = head.seq ?? 0;
  let prevHash = head.hash ?? GENESIS_HASH;
  const rows: Prisma.Sql[] = [];
  for (const e of entries) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    seq += 1;
    const hash = evidenceHash(prevHash, { interviewId, seq, key: e.key, kind: e.kind, at: e.at, data: e.data });
    rows.push(sql`(${interviewId}::uuid, ${seq}, ${e.key}, ${e.kind}, ${e.at}, ${JSON.stringify(e.data)}::jsonb, ${prevHash}, ${hash})`);
    prevHash = hash;
  }
  if (rows.length === 0) return 0;
  await tx.$executeRaw`INSERT INTO "Evidence" ("interviewId", seq, key, kind, at, data, "prevHash", hash) VALUES ${join(rows)}`;
  return rows.length;
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
