/**
 * The evidence trail of an interview: append-only rows, each keeping the hash
 * of the one before, so a disputed record can show it was not altered.
 */
import { createHash } from 'node:crypto';
import { Prisma } from '../lib/database';
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
 * What a row's hash covers, up to its seq: canonical JSON sorts the keys, so
 * `seq` comes last and SQL can finish the content once it knows the seq.
 * Written apart from evidenceHash, which verifyChain uses, so that a row
 * hashed in SQL is checked by an independent construction.
 */
function contentUpToSeq(row: { interviewId: string; key: string; kind: string; at: Date; data: unknown }): string {
  const rest = canonicalJson({ interviewId: row.interviewId, key: row.key, kind: row.kind, at: row.at.toISOString(), data: row.data });
  return `${rest.slice(0, -1)},"seq":`;
}

/**
 * Appends rows to an interview's trail, one statement per entry, inside the
 * caller's transaction or on their own. The trail's head (seq, hash and the
 * hash before it) lives on the interview row, and each statement advances it
 * with an UPDATE, which waits for any other append to that interview and then
 * reads the head that append left: concurrent appends (a reminder receipt and
 * a login at the same moment) chain one after the other, never fork. The new
 * row's hash is computed in that UPDATE, in SQL, from the canonical JSON the
 * application built (contentUpToSeq) and the seq it gets.
 *
 * A key already in the trail adds nothing (a retried step). Two appends of the
 * same key at the same moment cannot both see the other's row; the second
 * fails on the (interviewId, key) unique index and its caller retries.
 */
export async function appendEvidence(db: Prisma.TransactionClient, interviewId: string, entries: EvidenceEntry[]): Promise<number> {
  let added = 0;
  const keys = new Set<string>();
  for (const e of entries) {
    if (keys.has(e.key)) continue;
    keys.add(e.key);
    added += (await appendStatement(db, interviewId, e, Prisma.sql`SELECT 1`)).added;
  }
  return added;
}

/**
 * Runs `change` (an UPDATE or INSERT, without RETURNING) and, when it touched
 * a row, appends `entry`: one statement, so both happen or neither, without a
 * transaction around them. This is how a state change and its evidence are
 * written together on hot paths (a message marked SENT and its MESSAGE_SENT).
 * `changed` counts the rows `change` touched. `change` must not update the
 * Interview row: the append updates it too, and PostgreSQL applies only one
 * of two updates of a row in one statement.
 */
export async function appendEvidenceWith(
  db: Prisma.TransactionClient,
  interviewId: string,
  entry: EvidenceEntry,
  change: Prisma.Sql,
): Promise<{ changed: number; added: number }> {
  return appendStatement(db, interviewId, entry, Prisma.sql`${change} RETURNING 1`);
}

/** One entry's append, done only if `gate` (a query) returns a row. */
async function appendStatement(
  db: Prisma.TransactionClient,
  interviewId: string,
  e: EvidenceEntry,
  gate: Prisma.Sql,
): Promise<{ changed: number; added: number }> {
  const upToSeq = contentUpToSeq({ interviewId, key: e.key, kind: e.kind, at: e.at, data: e.data });
  const [result] = await db.$queryRaw<Array<{ changed: number; added: number; found: boolean }>>`
    WITH gate AS (${gate}), head AS (
      UPDATE "Interview"
         SET "evidenceSeq" = "evidenceSeq" + 1,
             "evidencePrevHash" = "evidenceHash",
             "evidenceHash" = encode(sha256(convert_to(
               "evidenceHash" || chr(10) || ${upToSeq}::text || ("evidenceSeq" + 1)::text || '}', 'UTF8')), 'hex')
       WHERE id = ${interviewId}::uuid
         AND EXISTS (SELECT 1 FROM gate)
         AND NOT EXISTS (SELECT 1 FROM "Evidence" WHERE "interviewId" = ${interviewId}::uuid AND key = ${e.key})
      RETURNING "evidenceSeq" AS seq, "evidencePrevHash" AS prev, "evidenceHash" AS hash
    ), appended AS (
      INSERT INTO "Evidence" ("interviewId", seq, key, kind, at, data, "prevHash", hash)
      SELECT ${interviewId}::uuid, seq, ${e.key}, ${e.kind}, ${e.at}, ${JSON.stringify(e.data)}::jsonb, prev, hash FROM head
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM gate)::int AS changed, (SELECT count(*) FROM appended)::int AS added,
           EXISTS (SELECT 1 FROM "Interview" WHERE id = ${interviewId}::uuid) AS found`;
  if (!result?.found) throw new Error(`interview ${interviewId} not found`);
  return { changed: result.changed, added: result.added };
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
