/**
 * Candidates' self-service links: the link's interview (request.link, opened
 * by the link scope) can be seen, cancelled (with a reason) or moved within
 * the group policy's limits, which the workflow enforces.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { resolvePolicy } from '../../domain/policy';
import { auditedChange } from '../audit';
import { changeAccepted } from '../interview-view';
import { ApiError } from '../errors';
import type { LinkCaller } from '../scopes/link';
import { ErrorBody, TokenParams } from '../schemas/common';
import { CancelBody, ChangeAccepted, SelfServiceRescheduleBody, SelfServiceView } from '../schemas/interviews';

const selfServiceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, gateway } = app.turnout;

  /** A token opens the interview as it is now; a short link only the attempt it was sent for. */
  function ensureOpen(link: LinkCaller) {
    if (!link.canChange) {
      const status = link.interview.status;
      throw new ApiError(409, 'interview_closed', `this interview can no longer be changed here (it is ${status.toLowerCase().replace('_', ' ')})`);
    }
  }

  app.get(
    '/self-service/:token',
    { schema: { tags: ['candidates'], summary: 'What the candidate may do with this interview', params: TokenParams, response: { 200: SelfServiceView, '4xx': ErrorBody } } },
    async (req) => {
      const iv = req.link!.interview;
      const policy = resolvePolicy(iv.policy);
      const open = req.link!.canChange;
      const state = open ? await gateway.state(iv.workflowId).catch(() => null) : null;
      return {
        interviewId: iv.externalId,
        position: iv.position.title,
        startsAt: iv.startsAt.toISOString(),
        status: iv.status,
        open,
        message: open ? null : 'This interview has ended and can no longer be changed here.',
        canCancel: open,
        reschedulesLeft: open ? Math.max(0, policy.selfService.maxReschedules - (state?.selfReschedules ?? 0)) : 0,
        rescheduleCutoff: policy.selfService.cutoff,
      };
    },
  );

  app.post(
    '/self-service/:token/cancel',
    { schema: { tags: ['candidates'], summary: 'Cancel, with a reason', params: TokenParams, body: CancelBody, response: { 202: ChangeAccepted, '4xx': ErrorBody, 503: ErrorBody } } },
    async (req, reply) => {
      const iv = req.link!.interview;
      ensureOpen(req.link!);
      const state = await auditedChange(prisma, req, candidateEntry(iv, 'cancel', { reason: req.body.reason }), (ref) =>
        gateway.cancel(iv.workflowId, { by: 'candidate', ref }),
      );
      return reply.status(202).send(changeAccepted(iv, state));
    },
  );

  app.post(
    '/self-service/:token/reschedule',
    { schema: { tags: ['candidates'], summary: 'Move the interview within the policy', params: TokenParams, body: SelfServiceRescheduleBody, response: { 202: ChangeAccepted, '4xx': ErrorBody, 503: ErrorBody } } },
    async (req, reply) => {
      const iv = req.link!.interview;
      ensureOpen(req.link!);
      const { startsAt } = req.body;
      const state = await auditedChange(prisma, req, candidateEntry(iv, 'reschedule', { startsAt }), (ref) =>
        gateway.reschedule(iv.workflowId, { startsAt, by: 'candidate', ref }),
      );
      return reply.status(202).send(changeAccepted(iv, state));
    },
  );
};

function candidateEntry(iv: { id: string; candidateId: string; subsidiaryId: string }, action: string, payload: Record<string, unknown>) {
  return { actorType: 'candidate' as const, actorId: iv.candidateId, subsidiaryId: iv.subsidiaryId, interviewId: iv.id, action, payload };
}

export default selfServiceRoutes;
