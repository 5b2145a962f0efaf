/**
 * POST /v1/events: signed platform events become workflow starts, signals and
 * updates. The inbox row (unique per subsidiary and event id) makes a retry of
 * an event already processed return the first result with no second effect.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { canonicalJson } from '../../domain/canonical-json';
import { interviewWorkflowId } from '../../domain/interview';
import { eventTimeProblem, recordLoginAfterDecision } from '../../domain/logins';
import { outboundUrlProblem } from '../../lib/outbound-url';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';
import { EventAccepted, EventEnvelope } from '../schemas/events';
import type { PlatformCaller } from '../scopes/platform';

const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, gateway, api } = app.turnout;
  /**
   * How long a RECEIVED inbox row counts as being processed by another request;
   * older, its request died mid-way (a crash) and a retry takes the row over.
   * Longer than a request's Temporal calls (at most two, each under the deadline).
   */
  const inProgressMs = Math.max(60_000, 3 * api.temporalTimeoutMs);

  app.post(
    '/events',
    {
      schema: {
        summary: 'Receive a signed platform event',
        tags: ['platform'],
        headers: {
          type: 'object',
          properties: { 'x-api-key': { type: 'string' }, 'x-signature': { type: 'string' } },
        },
        body: EventEnvelope,
        response: { 200: EventAccepted, 202: EventAccepted, '4xx': ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const caller = req.platform!;
      const event = req.body;
      const payloadHash = createHash('sha256').update(canonicalJson(event)).digest('hex');
      const row = await claimInboxRow(caller, event, payloadHash);
      if (row.status === 'PROCESSED') return reply.status(200).send(row.result as EventAccepted);

      try {
        const result = await dispatch(caller, event, row.id);
        await prisma.$executeRaw`
          UPDATE "InboundEvent" SET status = 'PROCESSED', result = ${JSON.stringify(result)}::jsonb WHERE id = ${row.id}::uuid`;
        return reply.status(202).send(result);
      } catch (err) {
        // A clean rejection of a new event leaves no trace, so the platform can
        // send it again once it applies. An ambiguous failure (Temporal
        // unreachable, a crash) keeps the row as FAILED so the retry reuses it
        // and any workflow that did start still finds its event; so does a
        // clean rejection of a retry, whose row an earlier request created and
        // a workflow that request started may still read.
        // Never a row another request has meanwhile processed: its answer stays.
        const unprocessed = { id: row.id, status: { not: 'PROCESSED' as const } };
        if (err instanceof ApiError && err.statusCode < 500 && row.created) {
          await prisma.inboundEvent.deleteMany({ where: unprocessed });
        } else {
          await prisma.inboundEvent.updateMany({ where: unprocessed, data: { status: 'FAILED' } });
        }
        throw err;
      }
    },
  );

  /**
   * Inserts first: a new event (nearly all of them) costs one statement, in
   * plain SQL since every platform event passes here. An
   * event id already there is a retry: its first answer if it was processed,
   * the same row again if its processing failed or was cut off long ago, and
   * 409 while another request may still be working on it. `created` says
   * whether this request inserted the row.
   */
  async function claimInboxRow(caller: PlatformCaller, event: EventEnvelope, payloadHash: string) {
    const [created] = await prisma.$queryRaw<Array<{ id: string }>>`
      INSERT INTO "InboundEvent" (id, "subsidiaryId", "eventId", type, "occurredAt", payload, "payloadHash", "apiClientId")
      VALUES (gen_random_uuid(), ${caller.subsidiaryId}::uuid, ${event.id}, ${event.type}, ${new Date(event.occurredAt)},
              ${JSON.stringify(event)}::jsonb, ${payloadHash}, ${caller.apiClientId})
      ON CONFLICT ("subsidiaryId", "eventId") DO NOTHING
      RETURNING id`;
    if (created) return { id: created.id, status: 'RECEIVED' as const, result: null, created: true };
    const key = { subsidiaryId_eventId: { subsidiaryId: caller.subsidiaryId, eventId: event.id } };
    const row = checkSame(await prisma.inboundEvent.findUniqueOrThrow({ where: key }), payloadHash);
    if (row.status === 'PROCESSED') return { ...row, created: false };
    const inProgress = () => new ApiError(409, 'event_in_progress', 'this event id is being processed; retry shortly');
    if (row.status === 'RECEIVED' && Date.now() - row.receivedAt.getTime() < inProgressMs) throw inProgress();
    // Taken over by exactly one request: of two retries arriving together, the other gets 409.
    const receivedAt = new Date();
    const taken = await prisma.inboundEvent.updateMany({
      where: { id: row.id, status: row.status, receivedAt: row.receivedAt },
      data: { status: 'RECEIVED', receivedAt },
    });
    if (taken.count === 0) throw inProgress();
    return { ...row, status: 'RECEIVED' as const, receivedAt, created: false };
  }

  function checkSame<T extends { payloadHash: string }>(row: T, payloadHash: string): T {
    if (row.payloadHash !== payloadHash) {
      throw new ApiError(409, 'event_id_reused', 'this event id was already used for a different event', { field: 'id' });
    }
    return row;
  }

  /**
   * The interview's state as the workflow last recorded it: the effect of a
   * signal just sent (a login making it ATTENDED) shows a moment later. The
   * row is written by the workflow's first step, so a brand-new one has none.
   */
  async function recordedStatus(workflowId: string): Promise<string> {
    const [row] = await prisma.$queryRaw<Array<{ status: string }>>`SELECT status::text AS status FROM "Interview" WHERE "workflowId" = ${workflowId}`;
    return row?.status ?? 'SCHEDULED';
  }

  /** What happened is judged by its own time, so that time must be believable (domain/logins.ts). */
  function checkEventTime(at: string): void {
    const problem = eventTimeProblem(at, Date.now());
    if (problem) throw new ApiError(400, 'invalid_request', `data.at ${problem}`, [{ field: 'data.at', message: problem }]);
  }

  /**
   * A login for an interview whose workflow has completed after HR decided
   * its record: when its `at` lay inside that attempt's window it is evidence
   * HR is alerted to, written here since no workflow is left to write it (and
   * none decides anything on it). False for anything else (the 409 stands).
   */
  async function loginAfterClose(workflowId: string, inboxId: string): Promise<boolean> {
    const iv = await prisma.interview.findUnique({ where: { workflowId }, select: { id: true, status: true, attempt: true } });
    if (iv?.status !== 'CLOSED') return false;
    return (await recordLoginAfterDecision(prisma, { interviewId: iv.id, attempt: iv.attempt, eventId: inboxId, at: new Date().toISOString() })) !== null;
  }

  async function dispatch(caller: PlatformCaller, event: EventEnvelope, inboxId: string): Promise<EventAccepted> {
    const { interviewId } = event.data;
    const workflowId = interviewWorkflowId(caller.subsidiaryId, interviewId);
    const answer = (status: string): EventAccepted => ({ interviewId, workflowId, status });
    switch (event.type) {
      case 'interview.confirmed': {
        const { data } = event;
        // Candidates open it from their reminders: the schema's pattern, plus what it cannot say (production, credentials).
        const joinUrlProblem = outboundUrlProblem(data.joinUrl, { production: api.production });
        if (joinUrlProblem) {
          throw new ApiError(400, 'invalid_request', `data.joinUrl ${joinUrlProblem}`, [{ field: 'data.joinUrl', message: joinUrlProblem }]);
        }
        if (Date.parse(data.startsAt) <= Date.now()) {
          throw new ApiError(400, 'invalid_request', 'data.startsAt must be in the future', [{ field: 'data.startsAt', message: 'must be in the future' }]);
        }
        const started = await gateway.start({
          subsidiaryId: caller.subsidiaryId,
          groupId: caller.groupId,
          externalInterviewId: interviewId,
          externalCandidateId: data.candidate.id,
          positionTitle: data.position.title,
          startsAt: data.startsAt,
          confirmationEventId: inboxId,
        });
        return answer(started.status);
      }
      case 'candidate.logged_in':
        checkEventTime(event.data.at);
        try {
          await gateway.loggedIn(workflowId, { eventId: inboxId, at: event.data.at });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 'interview_closed') || !(await loginAfterClose(workflowId, inboxId))) throw err;
          return answer('CLOSED');
        }
        return answer(await recordedStatus(workflowId));
      case 'candidate.link_clicked':
        checkEventTime(event.data.at);
        await gateway.linkClicked(workflowId, { eventId: inboxId, at: event.data.at });
        return answer(await recordedStatus(workflowId));
      case 'interview.rescheduled': {
        const state = await gateway.reschedule(workflowId, { startsAt: event.data.startsAt, by: 'platform', ref: inboxId });
        return answer(state.status);
      }
      case 'interview.cancelled': {
        const state = await gateway.cancel(workflowId, { by: 'platform', ref: inboxId });
        return answer(state.status);
      }
    }
  }
};

export default eventsRoutes;
