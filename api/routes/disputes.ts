/**
 * Disputes: a candidate contests a NO_REASON record through the self-service
 * link of its interview; HR lists open disputes, reviews the evidence, and
 * upholds the record or reclassifies it. Each step is an audit entry (with
 * the free text) and an evidence row (ids and classifications only).
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
import { Prisma } from '../../lib/database';
import type { HrRole } from '../../lib/hr-token';
import { durationMs, resolvePolicy } from '../../domain/policy';
import { verifySelfServiceToken } from '../../lib/self-service-token';
import { appendEvidence } from '../../domain/evidence';
import { ApiError } from '../errors';
import { authenticateHr, interviewScope } from '../hr-auth';
import { auditEntry } from '../records-support';
import { ErrorBody, TokenParams } from '../schemas/common';
import {
  DisputeBody,
  DisputeList,
  DisputeListQuery,
  DisputeOpened,
  DisputeParams,
  DisputeView,
  ResolveBody,
  SelfServiceDisputeView,
} from '../schemas/records';

const READERS: readonly HrRole[] = ['hr', 'group_hr', 'auditor'];
const DECIDERS: readonly HrRole[] = ['hr', 'group_hr'];

const disputeInclude = { record: { include: { interview: { select: { id: true, externalId: true, subsidiaryId: true } } } } } as const;
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
  };
}

const disputesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, secrets } = app.turnout;
  const security = [{ hrBearer: [] }];

  async function interviewFor(token: string) {
    const check = verifySelfServiceToken(secrets.masterKey, token);
    if (!check.ok) {
      throw check.reason === 'expired'
        ? new ApiError(401, 'link_expired', 'this link has expired; ask the recruiter for a new one')
        : new ApiError(401, 'invalid_link', 'this link is not valid');
    }
    const iv = await prisma.interview.findUnique({ where: { id: check.claims.iid } });
    if (!iv) throw new ApiError(404, 'interview_not_found', 'this interview no longer exists');
    return iv;
  }

  /** The record a candidate may contest: the interview's live NO_REASON record (at most one: it closed the interview). */
  function contestable(interviewId: string) {
    return prisma.noShowRecord.findFirst({
      where: { interviewId, sweptAt: null, OR: [{ classification: 'NO_REASON', expiresAt: { gt: new Date() } }, { dispute: { isNot: null } }] },
      include: { dispute: true },
      orderBy: { attempt: 'desc' },
    });
  }

  app.get(
    '/v1/self-service/:token/disputes',
    { schema: { tags: ['candidates'], summary: 'Whether this interview has a record the candidate may contest, and its dispute', params: TokenParams, response: { 200: SelfServiceDisputeView, '4xx': ErrorBody } } },
    async (req) => {
      const iv = await interviewFor(req.params.token);
      const record = await contestable(iv.id);
      const d = record?.dispute ?? null;
      return {
        canDispute: record !== null && record.classification === 'NO_REASON' && d === null,
        record: record
          ? { date: record.scheduledStart.toISOString(), classification: record.classification!, expiresAt: record.expiresAt?.toISOString() ?? null }
          : null,
        dispute: d
          ? { id: d.id, status: d.status, openedAt: d.openedAt.toISOString(), resolvedAt: d.resolvedAt?.toISOString() ?? null, outcome: d.toClassification ?? (d.status === 'UPHELD' ? 'NO_REASON' : null) }
          : null,
      };
    },
  );

  app.post(
    '/v1/self-service/:token/disputes',
    {
      schema: {
        tags: ['candidates'],
        summary: 'Contest the no-show record of this interview, with a statement',
        params: TokenParams,
        body: DisputeBody,
        response: { 201: DisputeOpened, '4xx': ErrorBody },
      },
    },
    async (req, reply) => {
      const iv = await interviewFor(req.params.token);
      const record = await contestable(iv.id);
      if (!record || record.classification !== 'NO_REASON') {
        throw new ApiError(409, 'nothing_to_dispute', 'this interview has no record against you that can be contested');
      }
      if (record.dispute) {
        throw new ApiError(409, 'already_disputed', `this record has been contested already (${record.dispute.status.toLowerCase()})`, { status: record.dispute.status });
      }
      try {
        const dispute = await prisma.$transaction(async (tx) => {
          const d = await tx.dispute.create({ data: { recordId: record.id, statement: req.body.statement, fromClassification: 'NO_REASON' } });
          const ref = await auditEntry(tx, req, {
            actorType: 'candidate',
            actorId: iv.candidateId,
            action: 'dispute.open',
            subsidiaryId: iv.subsidiaryId,
            interviewId: iv.id,
            payload: { disputeId: d.id, recordId: record.id, statement: req.body.statement },
          });
          await appendEvidence(tx, iv.id, [
            { key: `dispute:${d.id}:opened`, kind: 'DISPUTE_OPENED', at: d.openedAt, data: { disputeId: d.id, attempt: record.attempt, ref } },
          ]);
          return d;
        });
        return reply.status(201).send({ disputeId: dispute.id, status: dispute.status, openedAt: dispute.openedAt.toISOString() });
      } catch (err) {
        // Two submissions at once: the record's unique dispute lets one through.
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          throw new ApiError(409, 'already_disputed', 'this record has been contested already', { status: 'OPEN' });
        }
        throw err;
      }
    },
  );

  app.get(
    '/v1/disputes',
    {
      schema: { tags: ['hr'], summary: 'Disputes in scope (open ones by default), oldest first', security, querystring: DisputeListQuery, response: { 200: DisputeList, '4xx': ErrorBody } },
      preValidation: async (req) => {
        req.hr = await authenticateHr(req, secrets, READERS);
      },
    },
    async (req) => {
      const rows = await prisma.dispute.findMany({
        where: { status: req.query.status ?? 'OPEN', record: { interview: interviewScope(req.hr!) } },
        include: disputeInclude,
        orderBy: { openedAt: 'asc' },
        take: req.query.limit ?? 100,
      });
      return { items: rows.map(view) };
    },
  );

  app.post(
    '/v1/disputes/:id/resolve',
    {
      schema: {
        tags: ['hr'],
        summary: 'Uphold the record, or reclassify it (e.g. to FORCE_MAJEURE)',
        security,
        params: DisputeParams,
        body: ResolveBody,
        response: { 200: DisputeView, '4xx': ErrorBody },
      },
      preValidation: async (req) => {
        req.hr = await authenticateHr(req, secrets, DECIDERS);
      },
    },
    async (req) => {
      const hr = req.hr!;
      const { decision, classification, note } = req.body;
      if (decision === 'reclassify' && !classification) {
        throw new ApiError(400, 'invalid_request', 'classification is required to reclassify', [{ field: 'classification', message: 'is required when decision is reclassify' }]);
      }
      if (decision === 'uphold' && classification) {
        throw new ApiError(400, 'invalid_request', 'classification is only for reclassify', [{ field: 'classification', message: 'must be left out when upholding' }]);
      }
      const notFound = new ApiError(404, 'dispute_not_found', 'no dispute with this id is visible to you');

      const resolved = await prisma.$transaction(async (tx) => {
        const found = await tx.dispute.findFirst({ where: { id: req.params.id, record: { interview: interviewScope(hr) } }, include: disputeInclude });
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
        return tx.dispute.findUniqueOrThrow({ where: { id: found.id }, include: disputeInclude });
      });
      return view(resolved);
    },
  );
};

export default disputesRoutes;
