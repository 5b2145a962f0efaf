/**
 * Records over time: the expiry sweep, a candidate's erasure, and the stored
 * monthly reports. None of these changes an interview's lifecycle state (the
 * workflows have ended for every interview they touch); they remove personal
 * data and keep what anonymous counts need.
 *
 * What counts as personal data here: the candidate row's name, phone, e-mail
 * and identity hashes; contact details and free text anywhere they were copied
 * (inbox payloads, evidence rows, audit payloads, message bodies, record notes,
 * dispute statements). What stays: ids, times, states, classifications.
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Prisma, PrismaClient } from '../lib/database';
import { candidateIdentity, emailHash, phoneHash } from '../lib/identity';
import { computeNoShowReport, monthRange, REPORT_DIMENSIONS, type ReportDimension } from '../lib/reports';
import { canonicalJson } from './evidence';

/** Keys whose values identify or describe the person, wherever they appear in stored JSON. */
const PERSONAL_KEYS = new Set(['name', 'phone', 'email', 'to', 'ip', 'userAgent', 'note', 'reason', 'statement']);
export const ERASED = '[erased]';

/**
 * The placeholder candidate of a subsidiary that anonymised interviews point
 * to. Its external id is the empty string, which the events API never accepts
 * (ids have at least one character), so no platform candidate can become it.
 */
const ANONYMOUS_EXTERNAL_ID = '';

/** Interviews whose workflow may still act: erasure waits until they end. */
const OPEN_STATUSES = ['SCHEDULED', 'IN_WINDOW', 'NO_SHOW', 'LATE_CANCELLED'] as const;

/** Replaces the values of personal keys (at any depth) with ERASED; says whether anything changed. */
export function redactPersonal(value: unknown): { value: unknown; changed: boolean } {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redactPersonal(v);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (value === null || typeof value !== 'object') return { value, changed: false };
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (PERSONAL_KEYS.has(k) && v !== null && v !== undefined && v !== ERASED && typeof v !== 'object') {
      out[k] = ERASED;
      changed = true;
    } else {
      const r = redactPersonal(v);
      out[k] = r.value;
      changed ||= r.changed;
    }
  }
  return { value: out, changed };
}

export interface ScrubCounts {
  evidenceRedacted: number;
  auditRedacted: number;
  inboxRedacted: number;
}

/**
 * Removes the personal data copied into an interview's rows, inside the
 * caller's transaction. Idempotent: what is already erased is left alone.
 *
 * Evidence rows keep their hashes (redactedAt marks them; verifyChain then
 * checks only that they link), so the trail still shows it was not reordered
 * or cut, and every row without personal data still verifies in full.
 */
export async function scrubInterview(
  tx: Prisma.TransactionClient,
  interview: { id: string; subsidiaryId: string; externalId: string },
  at: Date,
): Promise<ScrubCounts> {
  // The same lock appendEvidence takes: a late provider receipt waits for us.
  await tx.$queryRaw`SELECT id FROM "Interview" WHERE id = ${interview.id}::uuid FOR UPDATE`;
  let evidenceRedacted = 0;
  for (const row of await tx.evidence.findMany({ where: { interviewId: interview.id }, select: { id: true, data: true } })) {
    const r = redactPersonal(row.data);
    if (!r.changed) continue;
    await tx.evidence.update({ where: { id: row.id }, data: { data: r.value as Prisma.InputJsonValue, redactedAt: at } });
    evidenceRedacted += 1;
  }

  await tx.notification.updateMany({ where: { interviewId: interview.id, body: { not: null } }, data: { body: null } });
  await tx.noShowRecord.updateMany({ where: { interviewId: interview.id, note: { not: null } }, data: { note: null } });
  await tx.dispute.updateMany({
    where: { record: { interviewId: interview.id }, OR: [{ statement: { not: null } }, { note: { not: null } }] },
    data: { statement: null, note: null },
  });

  let auditRedacted = 0;
  for (const row of await tx.auditEntry.findMany({ where: { interviewId: interview.id } })) {
    const r = redactPersonal(row.payload);
    const dropIp = row.actorType === 'candidate' && row.ip !== null;
    if (!r.changed && !dropIp) continue;
    await tx.auditEntry.update({
      where: { id: row.id },
      data: { payload: r.value as Prisma.InputJsonValue, ...(dropIp ? { ip: null } : {}) },
    });
    auditRedacted += 1;
  }

  // The inbox rows of this interview's platform events: the confirmation carries the contact details.
  let inboxRedacted = 0;
  const events = await tx.inboundEvent.findMany({
    where: { subsidiaryId: interview.subsidiaryId, payload: { path: ['data', 'interviewId'], equals: interview.externalId } },
    select: { id: true, payload: true },
  });
  for (const row of events) {
    const r = redactPersonal(row.payload);
    if (!r.changed) continue;
    // The hash follows the stored payload: an unkeyed hash of the original would let a guessed phone number be confirmed.
    const payloadHash = createHash('sha256').update(canonicalJson(r.value)).digest('hex');
    await tx.inboundEvent.update({ where: { id: row.id }, data: { payload: r.value as Prisma.InputJsonValue, payloadHash } });
    inboxRedacted += 1;
  }
  return { evidenceRedacted, auditRedacted, inboxRedacted };
}

// --- erasure ---------------------------------------------------------------------

export class ErasureRefused extends Error {
  constructor(readonly openInterviews: { id: string; interviewId: string; status: string }[]) {
    super('the candidate has interviews that have not ended');
    this.name = 'ErasureRefused';
  }
}

export interface ErasureCounts {
  candidates: number;
  interviews: number;
  evidenceRedacted: number;
}

/**
 * Erases a person's personal data across a group, found by their phone or
 * e-mail (the identity hashes). Interviews, records and their classification
 * stay, attached to the emptied candidate row, so counts and reports do not
 * change; nothing can find them by the person any more. Refused while an
 * interview of theirs is still running (its workflow would message them):
 * the platform cancels it first.
 */
export async function eraseCandidate(
  prisma: PrismaClient,
  identityKey: Buffer,
  input: { groupId: string; phone?: string; email?: string; at?: Date },
): Promise<ErasureCounts> {
  const at = input.at ?? new Date();
  const match: Prisma.CandidateWhereInput =
    input.phone !== undefined ? { phoneHash: phoneHash(identityKey, input.phone) ?? '-' } : { emailHash: emailHash(identityKey, input.email ?? '') ?? '-' };
  return prisma.$transaction(
    async (tx) => {
      const candidates = await tx.candidate.findMany({
        where: { ...match, subsidiary: { groupId: input.groupId } },
        include: { interviews: { select: { id: true, externalId: true, subsidiaryId: true, status: true } } },
      });
      const open = candidates.flatMap((c) => c.interviews.filter((i) => (OPEN_STATUSES as readonly string[]).includes(i.status)));
      if (open.length) throw new ErasureRefused(open.map((i) => ({ id: i.id, interviewId: i.externalId, status: i.status })));

      let interviews = 0;
      let evidenceRedacted = 0;
      for (const c of candidates) {
        for (const iv of c.interviews) {
          const counts = await scrubInterview(tx, iv, at);
          interviews += 1;
          evidenceRedacted += counts.evidenceRedacted;
        }
        await tx.candidate.update({
          where: { id: c.id },
          data: { name: '', phone: '', email: '', phoneHash: null, emailHash: null, timezone: null, locale: null, erasedAt: at },
        });
      }
      return { candidates: candidates.length, interviews, evidenceRedacted };
    },
    { timeout: 60_000 },
  );
}

// --- expiry sweep ----------------------------------------------------------------

export interface SweepCounts {
  records: number;
  interviews: number;
  evidenceRedacted: number;
  candidatesDeleted: number;
  identitiesBackfilled: number;
}

/**
 * Records whose time is up: NO_REASON, UNREACHABLE and UNANNOTATED at their
 * expiresAt; FORCE_MAJEURE (never shown, but its note may say why someone was
 * ill) after the snapshot's UNREACHABLE retention from its classification.
 */
async function expiredRecords(prisma: PrismaClient, asOf: Date, limit: number) {
  return prisma.$queryRaw<{ interviewId: string }[]>`
    SELECT DISTINCT r."interviewId"
    FROM "NoShowRecord" r JOIN "Interview" i ON i.id = r."interviewId"
    WHERE r."sweptAt" IS NULL
      AND r.classification IS NOT NULL
      AND (r."expiresAt" <= ${asOf}
        OR (r.classification = 'FORCE_MAJEURE'
            AND r."classifiedAt" + COALESCE((i.policy->'retention'->>'UNREACHABLE')::interval, interval '90 days') <= ${asOf}))
    LIMIT ${limit}`;
}

/**
 * One pass of the daily sweep. A classified record exists only once its
 * interview has closed (annotation and the annotation deadline both close
 * it), so every interview touched here has ended and its workflow writes no
 * more. For each: all its records are marked swept (they stay for anonymous
 * counts), personal data copied into its rows is scrubbed, and the interview
 * is detached from the person (moved to the subsidiary's anonymous candidate).
 * A candidate left with no interview is deleted. Safe to run twice: a swept
 * record is not selected again, and scrubbing what is scrubbed changes nothing.
 */
export async function sweepExpiredRecords(
  prisma: PrismaClient,
  identityKey: Buffer,
  opts: { asOf?: Date; batchSize?: number; progress?: (counts: SweepCounts) => void } = {},
): Promise<SweepCounts> {
  const asOf = opts.asOf ?? new Date();
  const batchSize = opts.batchSize ?? 200;
  const counts: SweepCounts = { records: 0, interviews: 0, evidenceRedacted: 0, candidatesDeleted: 0, identitiesBackfilled: 0 };

  for (;;) {
    const batch = await expiredRecords(prisma, asOf, batchSize);
    if (batch.length === 0) break;
    for (const { interviewId } of batch) {
      await prisma.$transaction(async (tx) => {
        const iv = await tx.interview.findUniqueOrThrow({ where: { id: interviewId } });
        const swept = await tx.noShowRecord.updateMany({ where: { interviewId, sweptAt: null }, data: { sweptAt: asOf } });
        const scrub = await scrubInterview(tx, iv, asOf);
        const anonymous = await tx.candidate.upsert({
          where: { subsidiaryId_externalId: { subsidiaryId: iv.subsidiaryId, externalId: ANONYMOUS_EXTERNAL_ID } },
          create: { subsidiaryId: iv.subsidiaryId, externalId: ANONYMOUS_EXTERNAL_ID, name: '', phone: '', email: '' },
          update: {},
        });
        if (iv.candidateId !== anonymous.id) {
          await tx.interview.update({ where: { id: iv.id }, data: { candidateId: anonymous.id } });
          counts.candidatesDeleted += await tx.$executeRaw`
            DELETE FROM "Candidate" c
            WHERE c.id = ${iv.candidateId}::uuid AND NOT EXISTS (SELECT 1 FROM "Interview" i WHERE i."candidateId" = c.id)`;
        }
        counts.records += swept.count;
        counts.interviews += 1;
        counts.evidenceRedacted += scrub.evidenceRedacted;
      });
    }
    opts.progress?.(counts);
  }
  counts.identitiesBackfilled = await backfillIdentityHashes(prisma, identityKey);
  return counts;
}

/** Candidates confirmed before identity hashes existed get them (a no-op once all have them). */
export async function backfillIdentityHashes(prisma: PrismaClient, identityKey: Buffer, batchSize = 500): Promise<number> {
  let done = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await prisma.candidate.findMany({
      where: { id: { gt: after }, phoneHash: null, emailHash: null, erasedAt: null, externalId: { not: ANONYMOUS_EXTERNAL_ID } },
      select: { id: true, phone: true, email: true },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    if (rows.length === 0) return done;
    for (const r of rows) {
      const identity = candidateIdentity(identityKey, r);
      if (identity.phoneHash === null && identity.emailHash === null) continue;
      await prisma.candidate.update({ where: { id: r.id }, data: identity });
      done += 1;
    }
    after = rows[rows.length - 1]!.id;
  }
}

// --- monthly reports -------------------------------------------------------------

/** The stored monthly report: by subsidiary and classification, the view group HR starts from. */
export const MONTHLY_GROUP_BY: ReportDimension[] = ['subsidiary', 'reason'];

/** Computes and stores (or replaces) the month's report of every group; idempotent per group and month. */
export async function storeMonthlyReports(prisma: PrismaClient, month: string, progress?: () => void): Promise<{ month: string; groups: number }> {
  monthRange(month); // validates
  const groupBy = REPORT_DIMENSIONS.filter((d) => MONTHLY_GROUP_BY.includes(d));
  const groups = await prisma.group.findMany({ select: { id: true, subsidiaries: { select: { id: true } } } });
  for (const g of groups) {
    const report = await computeNoShowReport(prisma, { subsidiaryIds: g.subsidiaries.map((s) => s.id), month, groupBy });
    const key = { groupId: g.id, month, groupBy: groupBy.join(',') };
    const data = { rows: report.rows as unknown as Prisma.InputJsonValue, totals: report.totals as unknown as Prisma.InputJsonValue, generatedAt: new Date() };
    await prisma.monthlyReport.upsert({ where: { groupId_month_groupBy: key }, create: { ...key, ...data }, update: data });
    progress?.();
  }
  return { month, groups: groups.length };
}

// --- the activities ----------------------------------------------------------------

export function createRecordsActivities(prisma: PrismaClient, identityKey: Buffer) {
  return {
    /** The daily sweep (workflows/maintenance.ts); logs its counts, ids only. */
    async sweepExpiredRecords(input: { asOf?: string } = {}): Promise<SweepCounts> {
      const ctx = Context.current();
      const counts = await sweepExpiredRecords(prisma, identityKey, {
        asOf: input.asOf ? new Date(input.asOf) : undefined,
        progress: (c) => ctx.heartbeat(c),
      });
      ctx.log.info('records sweep done', { ...counts });
      return counts;
    },

    async storeMonthlyReports(input: { month: string }): Promise<{ month: string; groups: number }> {
      const ctx = Context.current();
      const result = await storeMonthlyReports(prisma, input.month, () => ctx.heartbeat());
      ctx.log.info('monthly reports stored', result);
      return result;
    },
  };
}
