/**
 * HR's calls: list, detail, evidence, annotate, reschedule. Reads come from
 * the database projection; changes go to the interview's workflow as updates,
 * so the workflow (the single writer) decides whether they apply.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HrRole } from '../../lib/hr-token';
import type { Prisma } from '../../lib/database';
import { verifyChain } from '../../activities/evidence';
import { recordAudit, recordAuditOutcome } from '../audit';
import { ApiError } from '../errors';
import { authenticateHr, interviewScope } from '../hr-auth';
import { ensureNotEnded, findInterview, interviewDetail } from '../interview-view';
import { ErrorBody } from '../schemas/events';
import {
  AnnotationBody,
  ChangeAccepted,
  EvidenceTrail,
  InterviewDetail,
  InterviewList,
  InterviewParams,
  ListQuery,
  RescheduleBody,
} from '../schemas/interviews';

const READERS: readonly HrRole[] = ['hr', 'group_hr', 'auditor'];
const WRITERS: readonly HrRole[] = ['hr', 'group_hr'];

const interviewsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, gateway, secrets } = app.turnout;
  const security = [{ hrBearer: [] }];
  const readers = async (req: Parameters<typeof authenticateHr>[0]) => {
    req.hr = await authenticateHr(req, secrets, READERS);
  };
  const writers = async (req: Parameters<typeof authenticateHr>[0]) => {
    req.hr = await authenticateHr(req, secrets, WRITERS);
  };

  app.get(
    '/v1/interviews',
    { schema: { tags: ['hr'], summary: 'List interviews in scope', security, querystring: ListQuery, response: { 200: InterviewList, '4xx': ErrorBody } }, preValidation: readers },
    async (req) => {
      const q = req.query;
      const where: Prisma.InterviewWhereInput = {
        AND: [
          interviewScope(req.hr!),
          q.status ? { status: q.status } : {},
          q.from || q.to ? { startsAt: { ...(q.from ? { gte: new Date(q.from) } : {}), ...(q.to ? { lt: new Date(q.to) } : {}) } } : {},
          q.positionId ? { position: { externalId: q.positionId } } : {},
        ],
      };
      const rows = await prisma.interview.findMany({
        where,
        orderBy: { startsAt: 'asc' },
        take: q.limit ?? 100,
        include: { position: { select: { externalId: true, title: true } }, candidate: { select: { externalId: true } } },
      });
      return {
        items: rows.map((iv) => ({
          id: iv.id,
          interviewId: iv.externalId,
          subsidiaryId: iv.subsidiaryId,
          status: iv.status,
          attempt: iv.attempt,
          startsAt: iv.startsAt.toISOString(),
          candidateId: iv.candidate.externalId,
          position: { id: iv.position.externalId, title: iv.position.title },
          outcome: iv.outcome,
        })),
      };
    },
  );

  app.get(
    '/v1/interviews/:id',
    { schema: { tags: ['hr'], summary: 'State, schedule, reminders and next step', security, params: InterviewParams, response: { 200: InterviewDetail, '4xx': ErrorBody } }, preValidation: readers },
    async (req) => {
      const iv = await findInterview(prisma, interviewScope(req.hr!), req.params.id);
      return interviewDetail(prisma, gateway, iv.id);
    },
  );

  app.get(
    '/v1/interviews/:id/evidence',
    { schema: { tags: ['hr'], summary: 'The append-only, hash-chained evidence trail', security, params: InterviewParams, response: { 200: EvidenceTrail, '4xx': ErrorBody } }, preValidation: readers },
    async (req) => {
      const iv = await findInterview(prisma, interviewScope(req.hr!), req.params.id);
      const rows = await prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
      return {
        interviewId: iv.externalId,
        chain: verifyChain(rows),
        items: rows.map((r) => ({ seq: r.seq, kind: r.kind, at: r.at.toISOString(), data: r.data, prevHash: r.prevHash, hash: r.hash })),
      };
    },
  );

  app.post(
    '/v1/interviews/:id/annotations',
    {
      schema: { tags: ['hr'], summary: 'Classify a no-show or late cancellation', security, params: InterviewParams, body: AnnotationBody, response: { 202: ChangeAccepted, '4xx': ErrorBody, 503: ErrorBody } },
      preValidation: writers,
    },
    async (req, reply) => {
      const hr = req.hr!;
      const iv = await findInterview(prisma, interviewScope(hr), req.params.id);
      const ref = await recordAudit(prisma, req, {
        actorType: 'hr',
        actorId: hr.sub,
        groupId: hr.groupId,
        subsidiaryId: iv.subsidiaryId,
        interviewId: iv.id,
        action: 'annotate',
        payload: { classification: req.body.classification, note: req.body.note },
      });
      const state = await withOutcome(ref, () => {
        ensureNotEnded(iv);
        return gateway.annotate(iv.workflowId, { classification: req.body.classification, hrUserId: hr.sub, ref });
      });
      return reply.status(202).send({ interviewId: iv.externalId, status: state.status, startsAt: state.startsAt, attempt: state.attempt });
    },
  );

  app.post(
    '/v1/interviews/:id/reschedule',
    {
      schema: { tags: ['hr'], summary: 'Move the interview (before the start or after a no-show)', security, params: InterviewParams, body: RescheduleBody, response: { 202: ChangeAccepted, '4xx': ErrorBody, 503: ErrorBody } },
      preValidation: writers,
    },
    async (req, reply) => {
      const hr = req.hr!;
      const iv = await findInterview(prisma, interviewScope(hr), req.params.id);
      const ref = await recordAudit(prisma, req, {
        actorType: 'hr',
        actorId: hr.sub,
        groupId: hr.groupId,
        subsidiaryId: iv.subsidiaryId,
        interviewId: iv.id,
        action: 'reschedule',
        payload: { startsAt: req.body.startsAt, reason: req.body.reason ?? null },
      });
      const state = await withOutcome(ref, () => {
        ensureNotEnded(iv);
        return gateway.reschedule(iv.workflowId, { startsAt: req.body.startsAt, by: 'hr', ref });
      });
      return reply.status(202).send({ interviewId: iv.externalId, status: state.status, startsAt: state.startsAt, attempt: state.attempt });
    },
  );

  /** Runs a change and writes its outcome (applied or refused, and why) to the audit entry. */
  async function withOutcome<T>(ref: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      await recordAuditOutcome(prisma, ref, { applied: true });
      return result;
    } catch (err) {
      await recordAuditOutcome(prisma, ref, { applied: false, error: err instanceof ApiError ? err.code : 'internal' });
      throw err;
    }
  }
};

export default interviewsRoutes;
