/**
 * HR's calls: list, detail, evidence, annotate, reschedule. Reads come from
 * the database projection; changes go to the interview's workflow as updates,
 * so the workflow (the single writer) decides whether they apply.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HrClaims } from '../../lib/hr-token';
import type { Prisma } from '../../lib/database';
import { verifyChain } from '../../domain/evidence';
import { AWAITING_CLASSIFICATION } from '../../domain/interview';
import { durationMs, resolvePolicy } from '../../domain/policy';
import { auditedChange } from '../audit';
import { changeAccepted, ensureNotEnded, findInterview, interviewDetail } from '../interview-view';
import { HR_READ_ROLES, HR_WRITE_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import {
  AnnotationBody,
  AwaitingList,
  AwaitingQuery,
  ChangeAccepted,
  EvidenceTrail,
  InterviewDetail,
  InterviewList,
  InterviewParams,
  ListQuery,
  RescheduleBody,
} from '../schemas/interviews';
import { visibleInterviews } from '../visibility';

const interviewsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, gateway } = app.turnout;
  const readers = { hrRoles: HR_READ_ROLES };
  const writers = { hrRoles: HR_WRITE_ROLES };

  app.get(
    '/interviews',
    { schema: { tags: ['hr'], summary: 'List interviews in scope', querystring: ListQuery, response: { 200: InterviewList, '4xx': ErrorBody } }, config: readers },
    async (req) => {
      const q = req.query;
      const where: Prisma.InterviewWhereInput = {
        AND: [
          visibleInterviews(req.hr!),
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

  // The HR console's "needs a decision" queue: the oldest record first, since its window ends first.
  app.get(
    '/awaiting-classification',
    {
      schema: {
        tags: ['hr'],
        summary: 'Interviews awaiting classification (no-shows and late cancels), oldest first, with the end of each annotation window',
        querystring: AwaitingQuery,
        response: { 200: AwaitingList, '4xx': ErrorBody },
      },
      config: readers,
    },
    async (req) => {
      const rows = await prisma.interview.findMany({
        where: { AND: [visibleInterviews(req.hr!), { status: { in: [...AWAITING_CLASSIFICATION] } }] },
        include: {
          position: { select: { externalId: true, title: true } },
          candidate: { select: { externalId: true, name: true } },
          noShowRecords: { orderBy: { attempt: 'desc' }, take: 1 },
        },
        take: req.query.limit ?? 200,
        orderBy: { startsAt: 'asc' },
      });
      const items = rows.flatMap((iv) => {
        const record = iv.noShowRecords[0];
        if (!record || record.attempt !== iv.attempt) return [];
        // The window starts when the workflow recorded the no-show or late cancel (detectedAt), as the policy snapshot says.
        const windowMs = durationMs(resolvePolicy(iv.policy).annotationWindow, 'annotationWindow');
        return [
          {
            id: iv.id,
            interviewId: iv.externalId,
            subsidiaryId: iv.subsidiaryId,
            status: iv.status,
            attempt: iv.attempt,
            kind: record.kind,
            scheduledStart: record.scheduledStart.toISOString(),
            detectedAt: record.detectedAt.toISOString(),
            annotateBy: new Date(record.detectedAt.getTime() + windowMs).toISOString(),
            candidate: { id: iv.candidate.externalId, name: iv.candidate.name },
            position: { id: iv.position.externalId, title: iv.position.title },
          },
        ];
      });
      return { items: items.sort((x, y) => x.detectedAt.localeCompare(y.detectedAt)) };
    },
  );

  app.get(
    '/interviews/:id',
    { schema: { tags: ['hr'], summary: 'State, schedule, reminders and next step', params: InterviewParams, response: { 200: InterviewDetail, '4xx': ErrorBody } }, config: readers },
    async (req) => {
      const iv = await findInterview(prisma, visibleInterviews(req.hr!), req.params.id);
      return interviewDetail(prisma, gateway, iv.id);
    },
  );

  app.get(
    '/interviews/:id/evidence',
    { schema: { tags: ['hr'], summary: 'The append-only, hash-chained evidence trail', params: InterviewParams, response: { 200: EvidenceTrail, '4xx': ErrorBody } }, config: readers },
    async (req) => {
      const iv = await findInterview(prisma, visibleInterviews(req.hr!), req.params.id);
      const rows = await prisma.evidence.findMany({ where: { interviewId: iv.id }, orderBy: { seq: 'asc' } });
      return {
        interviewId: iv.externalId,
        chain: verifyChain(rows),
        items: rows.map((r) => ({ seq: r.seq, kind: r.kind, at: r.at.toISOString(), data: r.data, prevHash: r.prevHash, hash: r.hash })),
      };
    },
  );

  app.post(
    '/interviews/:id/annotations',
    {
      schema: { tags: ['hr'], summary: 'Classify a no-show or late cancellation', params: InterviewParams, body: AnnotationBody, response: { 202: ChangeAccepted, '4xx': ErrorBody, 503: ErrorBody } },
      config: writers,
    },
    async (req, reply) => {
      const hr = req.hr!;
      const iv = await findInterview(prisma, visibleInterviews(hr), req.params.id);
      const { classification, note } = req.body;
      const state = await auditedChange(prisma, req, hrEntry(hr, iv, 'annotate', { classification, note }), (ref) => {
        ensureNotEnded(iv);
        return gateway.annotate(iv.workflowId, { classification, hrUserId: hr.sub, ref });
      });
      return reply.status(202).send(changeAccepted(iv, state));
    },
  );

  app.post(
    '/interviews/:id/reschedule',
    {
      schema: { tags: ['hr'], summary: 'Move the interview (before the start or after a no-show)', params: InterviewParams, body: RescheduleBody, response: { 202: ChangeAccepted, '4xx': ErrorBody, 503: ErrorBody } },
      config: writers,
    },
    async (req, reply) => {
      const hr = req.hr!;
      const iv = await findInterview(prisma, visibleInterviews(hr), req.params.id);
      const { startsAt, reason } = req.body;
      const state = await auditedChange(prisma, req, hrEntry(hr, iv, 'reschedule', { startsAt, reason: reason ?? null }), (ref) => {
        ensureNotEnded(iv);
        return gateway.reschedule(iv.workflowId, { startsAt, by: 'hr', ref });
      });
      return reply.status(202).send(changeAccepted(iv, state));
    },
  );

};

function hrEntry(hr: HrClaims, iv: { id: string; subsidiaryId: string }, action: string, payload: Record<string, unknown>) {
  return { actorType: 'hr' as const, actorId: hr.sub, groupId: hr.groupId, subsidiaryId: iv.subsidiaryId, interviewId: iv.id, action, payload };
}

export default interviewsRoutes;
