/**
 * Disputes, the candidate's side: through the self-service link of its
 * interview, a candidate sees whether there is a NO_REASON record to contest
 * and contests it with a statement (HR decides: routes/disputes.ts). Opening
 * one is an audit entry (with the statement) and an evidence row (ids only).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Prisma } from '../../lib/database';
import { appendEvidence } from '../../domain/evidence';
import { enqueueInterviewEvent } from '../../lib/outbound-events';
import { auditEntry } from '../audit';
import { ApiError } from '../errors';
import type { LinkCaller } from '../scopes/link';
import { ErrorBody, TokenParams } from '../schemas/common';
import { DisputeBody, DisputeOpened, SelfServiceDisputeView } from '../schemas/records';

/** A short link contests only within the policy's disputeWindow after the classification. */
function withinWindow(link: LinkCaller): boolean {
  return link.via === 'token' || (link.contestUntil !== null && Date.now() < link.contestUntil.getTime());
}

const selfServiceDisputesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma } = app.turnout;

  /**
   * The record a candidate may contest: the interview's live NO_REASON record
   * (at most one: it closed the interview); a short link's, only its own attempt's.
   */
  function contestable(link: LinkCaller) {
    return prisma.noShowRecord.findFirst({
      where: {
        interviewId: link.interview.id,
        ...(link.via === 'code' ? { attempt: link.attempt } : {}),
        sweptAt: null,
        OR: [{ classification: 'NO_REASON', expiresAt: { gt: new Date() } }, { dispute: { isNot: null } }],
      },
      include: { dispute: true },
      orderBy: { attempt: 'desc' },
    });
  }

  app.get(
    '/self-service/:token/disputes',
    { schema: { tags: ['candidates'], summary: 'Whether this interview has a record the candidate may contest, and its dispute', params: TokenParams, response: { 200: SelfServiceDisputeView, '4xx': ErrorBody } } },
    async (req) => {
      const record = await contestable(req.link!);
      const d = record?.dispute ?? null;
      return {
        canDispute: record !== null && record.classification === 'NO_REASON' && d === null && withinWindow(req.link!),
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
    '/self-service/:token/disputes',
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
      const iv = req.link!.interview;
      const record = await contestable(req.link!);
      if (!record || record.classification !== 'NO_REASON') {
        throw new ApiError(409, 'nothing_to_dispute', 'this interview has no record against you that can be contested');
      }
      if (!withinWindow(req.link!)) {
        throw new ApiError(409, 'dispute_window_over', 'the time to contest this record through this link has passed');
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
          await enqueueInterviewEvent(tx, {
            type: 'dispute.opened',
            interviewId: iv.id,
            key: `dispute:${d.id}:opened`,
            by: 'candidate',
            at: d.openedAt,
            classification: 'NO_REASON',
            disputeId: d.id,
          });
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
};

export default selfServiceDisputesRoutes;
