/**
 * Records over time: the expiry sweep and the stored monthly reports, and the
 * activities that run them. Neither changes an interview's lifecycle state
 * (the workflows have ended for every interview they touch); the sweep removes
 * personal data (domain/personal-data.ts) and keeps what anonymous counts need.
 */
import { Context } from '@temporalio/activity';
import type { Prisma, PrismaClient } from '../lib/database';
import { candidateIdentity } from '../domain/identity';
import { DURATION_PATTERN } from '../domain/policy';
import { scrubInterview } from '../domain/personal-data';
import { computeNoShowReport, monthRange, MONTHLY_GROUP_BY, REPORT_DIMENSIONS } from '../domain/reports';

/**
 * The placeholder candidate of a subsidiary that anonymised interviews point
 * to. Its external id is the empty string, which the events API never accepts
 * (ids have at least one character), so no platform candidate can become it.
 */
const ANONYMOUS_EXTERNAL_ID = '';

// --- expiry sweep ----------------------------------------------------------------

export interface SweepCounts {
  records: number;
  interviews: number;
  evidenceRedacted: number;
  candidatesDeleted: number;
  identitiesBackfilled: number;
  /** Interviews left for an operator: a policy snapshot the sweep cannot read, or a sweep step that failed (ids only). */
  skipped: { interviewId: string; reason: string }[];
}

/**
 * Records whose time is up: NO_REASON, UNREACHABLE and UNANNOTATED at their
 * expiresAt; FORCE_MAJEURE (never shown, but its note may say why someone was
 * ill) after the snapshot's UNREACHABLE retention from its classification.
 * The snapshot's duration is cast only when it is of the policy grammar
 * (domain/policy.ts): one row that ::interval cannot read must not fail the
 * query, and with it the sweep of every group. Interviews in `skip` (failed
 * in this run) are not selected again.
 */
async function expiredRecords(prisma: PrismaClient, asOf: Date, limit: number, skip: string[]) {
  return prisma.$queryRaw<{ interviewId: string }[]>`
    SELECT DISTINCT r."interviewId"
    FROM "NoShowRecord" r JOIN "Interview" i ON i.id = r."interviewId"
    WHERE r."sweptAt" IS NULL
      AND r.classification IS NOT NULL
      AND NOT (r."interviewId" = ANY(${skip}::uuid[]))
      AND (r."expiresAt" <= ${asOf}
        OR (r.classification = 'FORCE_MAJEURE'
            AND r."classifiedAt" + CASE
              WHEN i.policy->'retention'->>'UNREACHABLE' IS NULL THEN interval '90 days'
              WHEN i.policy->'retention'->>'UNREACHABLE' ~ ${DURATION_PATTERN} THEN (i.policy->'retention'->>'UNREACHABLE')::interval
            END <= ${asOf}))
    LIMIT ${limit}`;
}

/** Force-majeure records whose snapshot names an UNREACHABLE retention the sweep cannot read: reported, never guessed. */
async function unreadableRetentions(prisma: PrismaClient) {
  return prisma.$queryRaw<{ interviewId: string }[]>`
    SELECT DISTINCT r."interviewId"
    FROM "NoShowRecord" r JOIN "Interview" i ON i.id = r."interviewId"
    WHERE r."sweptAt" IS NULL
      AND r.classification = 'FORCE_MAJEURE'
      AND i.policy->'retention'->>'UNREACHABLE' IS NOT NULL
      AND NOT (i.policy->'retention'->>'UNREACHABLE' ~ ${DURATION_PATTERN})`;
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
 * An interview that cannot be swept (a snapshot the sweep cannot read, a step
 * that fails) is skipped and reported in `skipped`, and the sweep goes on.
 */
export async function sweepExpiredRecords(
  prisma: PrismaClient,
  identityKey: Buffer,
  opts: { asOf?: Date; batchSize?: number; progress?: (counts: SweepCounts) => void; onSkip?: (skipped: SweepCounts['skipped'][number], err?: unknown) => void } = {},
): Promise<SweepCounts> {
  const asOf = opts.asOf ?? new Date();
  const batchSize = opts.batchSize ?? 200;
  const counts: SweepCounts = { records: 0, interviews: 0, evidenceRedacted: 0, candidatesDeleted: 0, identitiesBackfilled: 0, skipped: [] };
  const skip = (interviewId: string, reason: string, err?: unknown) => {
    const entry = { interviewId, reason };
    counts.skipped.push(entry);
    opts.onSkip?.(entry, err);
  };
  for (const { interviewId } of await unreadableRetentions(prisma)) skip(interviewId, 'policy snapshot: retention.UNREACHABLE is not a duration of the policy grammar');

  for (;;) {
    const batch = await expiredRecords(prisma, asOf, batchSize, counts.skipped.map((s) => s.interviewId));
    if (batch.length === 0) break;
    for (const { interviewId } of batch) {
      try {
        await sweepInterview(interviewId);
      } catch (err) {
        skip(interviewId, `sweep failed: ${err instanceof Error ? err.name : 'error'}`, err);
      }
    }
    opts.progress?.(counts);
  }
  counts.identitiesBackfilled = await backfillIdentityHashes(prisma, identityKey);
  return counts;

  /** One interview in one transaction; the counts change only once it has committed. */
  async function sweepInterview(interviewId: string): Promise<void> {
    const done = await prisma.$transaction(async (tx) => {
      const iv = await tx.interview.findUniqueOrThrow({ where: { id: interviewId } });
      const swept = await tx.noShowRecord.updateMany({ where: { interviewId, sweptAt: null }, data: { sweptAt: asOf } });
      const scrub = await scrubInterview(tx, iv, asOf);
      const anonymous = await tx.candidate.upsert({
        where: { subsidiaryId_externalId: { subsidiaryId: iv.subsidiaryId, externalId: ANONYMOUS_EXTERNAL_ID } },
        create: { subsidiaryId: iv.subsidiaryId, externalId: ANONYMOUS_EXTERNAL_ID, name: '', phone: '', email: '' },
        update: {},
      });
      let candidatesDeleted = 0;
      if (iv.candidateId !== anonymous.id) {
        await tx.interview.update({ where: { id: iv.id }, data: { candidateId: anonymous.id } });
        candidatesDeleted = await tx.$executeRaw`
          DELETE FROM "Candidate" c
          WHERE c.id = ${iv.candidateId}::uuid AND NOT EXISTS (SELECT 1 FROM "Interview" i WHERE i."candidateId" = c.id)`;
      }
      return { records: swept.count, evidenceRedacted: scrub.evidenceRedacted, candidatesDeleted };
    });
    counts.records += done.records;
    counts.interviews += 1;
    counts.evidenceRedacted += done.evidenceRedacted;
    counts.candidatesDeleted += done.candidatesDeleted;
  }
}

/**
 * Candidates with neither identity hash whose phone or e-mail normalises (a row
 * written without them) get them; a no-op once every such row has them.
 */
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
        // Ids and the kind of failure only: an error's message may quote the row.
        onSkip: (s) => ctx.log.warn('records sweep skipped an interview', s),
      });
      ctx.log.info('records sweep done', { ...counts, skipped: counts.skipped.length });
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
