/**
 * What HR sees of one interview: the database projection (kept by the
 * workflow's activities) plus, while it runs, the workflow's own next step.
 */
import { isEnded } from '../domain/interview';
import type { Prisma, PrismaClient } from '../lib/database';
import type { InterviewGateway } from './interview-gateway';
import { ApiError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `:id` is Turnout's id or the platform's interview id, looked up within the caller's scope only. */
export async function findInterview(prisma: PrismaClient, scope: Prisma.InterviewWhereInput, id: string) {
  const byId: Prisma.InterviewWhereInput[] = [{ externalId: id }];
  if (UUID.test(id)) byId.push({ id });
  const rows = await prisma.interview.findMany({ where: { AND: [scope, { OR: byId }] }, take: 2 });
  if (rows.length === 0) throw new ApiError(404, 'interview_not_found', 'no interview with this id is visible to you');
  if (rows.length > 1) throw new ApiError(409, 'ambiguous_id', 'several subsidiaries use this interview id; use the Turnout id');
  return rows[0]!;
}

export async function interviewDetail(prisma: PrismaClient, gateway: InterviewGateway, interviewId: string) {
  const iv = await prisma.interview.findUniqueOrThrow({
    where: { id: interviewId },
    include: {
      candidate: { select: { externalId: true, name: true } },
      position: { select: { externalId: true, title: true, region: true } },
      notifications: { orderBy: [{ attempt: 'asc' }, { dueAt: 'asc' }, { channel: 'asc' }] },
      noShowRecords: { orderBy: { attempt: 'asc' } },
      evidence: { where: { kind: { in: ['CONFIRMED', 'RESCHEDULED'] } }, orderBy: { seq: 'asc' } },
    },
  });
  const state = !isEnded(iv.status) ? await gateway.state(iv.workflowId).catch(() => null) : null;
  return {
    id: iv.id,
    interviewId: iv.externalId,
    workflowId: iv.workflowId,
    subsidiaryId: iv.subsidiaryId,
    status: iv.status,
    attempt: iv.attempt,
    startsAt: iv.startsAt.toISOString(),
    confirmedAt: iv.confirmedAt.toISOString(),
    attendedAt: iv.attendedAt?.toISOString() ?? null,
    closedAt: iv.closedAt?.toISOString() ?? null,
    outcome: iv.outcome,
    candidate: { id: iv.candidate.externalId, name: iv.candidate.name },
    position: { id: iv.position.externalId, title: iv.position.title, region: iv.position.region },
    channels: iv.channels,
    schedule: iv.evidence.map((e) => {
      const d = e.data as { startsAt?: string; from?: string; to?: string; by?: string; attempt?: number };
      return e.kind === 'CONFIRMED'
        ? { at: e.at.toISOString(), change: 'confirmed', startsAt: d.startsAt }
        : { at: e.at.toISOString(), change: 'rescheduled', from: d.from, startsAt: d.to, by: d.by, attempt: d.attempt };
    }),
    reminders: iv.notifications.map((n) => ({
      attempt: n.attempt,
      point: n.point,
      channel: n.channel,
      dueAt: n.dueAt.toISOString(),
      status: n.status,
      sentAt: n.sentAt?.toISOString() ?? null,
      delivery: n.deliveryStatus,
    })),
    records: iv.noShowRecords.map((r) => ({
      attempt: r.attempt,
      kind: r.kind,
      scheduledStart: r.scheduledStart.toISOString(),
      detectedAt: r.detectedAt.toISOString(),
      classification: r.classification,
      classifiedAt: r.classifiedAt?.toISOString() ?? null,
      classifiedBy: r.classifiedBy,
      note: r.note,
      expiresAt: r.expiresAt?.toISOString() ?? null,
      nextAttempt: r.nextAttempt,
      lateInWindowLogin: r.loginAt ? { at: r.loginAt.toISOString(), receivedAt: r.loginReceivedAt?.toISOString() ?? null } : null,
      withdrawnAt: r.withdrawnAt?.toISOString() ?? null,
    })),
    next: state?.next ?? null,
  };
}

/** An interview that has ended takes no more changes: 409 with its final state, without asking Temporal. */
export function ensureNotEnded(iv: { status: string; attempt: number; startsAt: Date }): void {
  if (isEnded(iv.status)) {
    throw new ApiError(409, 'interview_closed', `this interview is ${iv.status} and accepts no more changes`, {
      state: { status: iv.status, attempt: iv.attempt, startsAt: iv.startsAt.toISOString() },
    });
  }
}

/** The answer to an accepted change: the interview as the workflow now sees it. */
export function changeAccepted(iv: { externalId: string }, state: { status: string; startsAt: string; attempt: number }) {
  return { interviewId: iv.externalId, status: state.status, startsAt: state.startsAt, attempt: state.attempt };
}
