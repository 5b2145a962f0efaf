/**
 * Disputes, HR's side: HR lists open disputes, reviews the evidence, and
 * upholds the record or reclassifies it (a candidate opens one through the
 * self-service link: routes/self-service-disputes.ts). Each step is an audit
 * entry (with the free text) and an evidence row (ids and classifications only).
 *
 * Reclassification writes the record here, outside the interview's workflow.
 * That does not break "the workflow is the single writer of an interview's
 * lifecycle": a record has a classification only once its interview is
 * CLOSED (HR's annotation and the annotation deadline both close it, and the
 * workflow then completes), so no workflow is left to write it, and the
 * interview's status does not change. The workflow's NoShowClassification
 * search attribute keeps the first classification (a completed workflow's
 * attributes cannot change); the database and the evidence trail have the
 * current one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Prisma } from '../../lib/database';
import { durationMs, resolvePolicy } from '../../domain/policy';
import { appendEvidence } from '../../domain/evidence';
import { enqueueInterviewEvent } from '../../lib/outbound-events';
import { auditEntry } from '../audit';
import { ApiError } from '../errors';
import { HR_READ_ROLES, HR_WRITE_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import { DisputeList, DisputeListQuery, DisputeParams, DisputeView, ResolveBody } from '../schemas/records';
import { visibleInterviews } from '../visibility';

const disputeInclude = {
  record: {
    include: {
      interview: {
        select: {
          id: true,
          externalId: true,
          subsidiaryId: true,
          candidate: { select: { externalId: true, name: true } },
          position: { select: { externalId: true, title: true } },
        },
      },
    },
  },
} as const;
type DisputeRow = Prisma.DisputeGetPayload<{ include: typeof disputeInclude }>;

function view(d: DisputeRow) {
  const r = d.record;
  return {
    id: d.id,
    status: d.status,
    statement: d.statement,
    openedAt: d.openedAt.toISOString(),
    fromClassification: d.fromClassification,
    toClassification: d.toClassification,
    resolvedAt: d.resolvedAt?.toISOString() ?? null,
    resolvedBy: d.resolvedBy,
    note: d.note,
    record: {
      id: r.id,
      attempt: r.attempt,
      kind: r.kind,
      classification: r.classification,
      scheduledStart: r.scheduledStart.toISOString(),
      expiresAt: r.expiresAt?.toISOString() ?? null,
    },
    interview: { id: r.interview.id, interviewId: r.interview.externalId, subsidiaryId: r.interview.subsidiaryId },
    candidate: { id: r.interview.candidate.externalId, name: r.interview.candidate.name },
    position: { id: r.interview.position.externalId, title: r.interview.position.title },
  };
}

const disputesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma } = app.turnout;

  app.get(
    '/disputes',
    {
      schema: { tags: ['hr'], summary: 'Disputes in scope (open ones by default), oldest first', querystring: DisputeListQuery, response: { 200: DisputeList, '4xx': ErrorBody } },
      config: { hrRoles: HR_READ_ROLES },
    },
    async (req) => {
      const rows = await prisma.dispute.findMany({
        where: { status: req.query.status ?? 'OPEN', record: { interview: visibleInterviews(req.hr!) } },
        include: disputeInclude,
        orderBy: { openedAt: 'asc' },
        take: req.query.limit ?? 100,
      });
      return { items: rows.map(view) };
    },
  );

  app.post(
    '/disputes/:id/resolve',
    {
      schema: {
        tags: ['hr'],
        summary: 'Uphold the record, or reclassify it (e.g. to FORCE_MAJEURE)',
        params: DisputeParams,
        body: ResolveBody,
        response: { 200: DisputeView, '4xx': ErrorBody },
      },
      config: { hrRoles: HR_WRITE_ROLES },
    },
    async (req) => {
      const hr = req.hr!;
      const { decision, note } = req.body;
      const classification = req.body.decision === 'reclassify' ? req.body.classification : undefined;
      const notFound = new ApiError(404, 'dispute_not_found', 'no dispute with this id is visible to you');

      const resolved = await prisma.$transaction(async (tx) => {
        const found = await tx.dispute.findFirst({ where: { id: req.params.id, record: { interview: visibleInterviews(hr) } }, include: disputeInclude });
        if (!found) throw notFound;
        // The row lock makes two HR decisions at once resolve it once.
        await tx.$queryRaw`SELECT id FROM "Dispute" WHERE id = ${found.id}::uuid FOR UPDATE`;
        const current = await tx.dispute.findUniqueOrThrow({ where: { id: found.id } });
        if (current.status !== 'OPEN') {
          throw new ApiError(409, 'dispute_resolved', `this dispute was already decided (${current.status.toLowerCase()})`, { status: current.status });
        }
        const record = found.record;
        const interview = await tx.interview.findUniqueOrThrow({ where: { id: record.interviewId } });
        if (interview.status !== 'CLOSED') {
          throw new ApiError(409, 'interview_not_closed', 'the interview has not closed yet; classify it on the interview instead');
        }
        const from = record.classification!;
        const to = decision === 'reclassify' ? classification! : from;
        if (decision === 'reclassify') {
          // Retention still counts from the first classification: contesting does not lengthen a record's life.
          const policy = resolvePolicy(interview.policy);
          const anchor = record.classifiedAt ?? record.detectedAt;
          const expiresAt = to === 'UNREACHABLE' ? new Date(anchor.getTime() + durationMs(policy.retention.UNREACHABLE, 'retention.UNREACHABLE')) : null;
          await tx.noShowRecord.update({ where: { id: record.id }, data: { classification: to, expiresAt } });
          await tx.interview.update({ where: { id: interview.id }, data: { outcome: to } });
        }
        const at = new Date();
        await tx.dispute.update({
          where: { id: found.id },
          data: { status: decision === 'reclassify' ? 'RECLASSIFIED' : 'UPHELD', toClassification: to, resolvedAt: at, resolvedBy: hr.sub, note },
        });
        const ref = await auditEntry(tx, req, {
          actorType: 'hr',
          actorId: hr.sub,
          action: 'dispute.resolve',
          groupId: hr.groupId,
          subsidiaryId: interview.subsidiaryId,
          interviewId: interview.id,
          payload: { disputeId: found.id, decision, from, to, note },
        });
        await appendEvidence(tx, interview.id, [
          {
            key: `dispute:${found.id}:resolved`,
            kind: 'DISPUTE_RESOLVED',
            at,
            data: { disputeId: found.id, attempt: record.attempt, decision, from, to, hrUserId: hr.sub, ref },
          },
        ]);
        await enqueueInterviewEvent(tx, {
          type: 'dispute.resolved',
          interviewId: interview.id,
          key: `dispute:${found.id}:resolved`,
          by: 'hr',
          at,
          classification: to,
          disputeId: found.id,
        });
        return tx.dispute.findUniqueOrThrow({ where: { id: found.id }, include: disputeInclude });
      });
      return view(resolved);
    },
  );
};

export default disputesRoutes;
