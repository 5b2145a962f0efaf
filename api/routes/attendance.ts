/**
 * GET /v1/candidates/attendance?phone=…|email=…: a person's records across the
 * group, as far as the caller may see them. The person is found by the keyed
 * hash of the normalised phone or e-mail (domain/identity.ts), so no subsidiary's
 * contact details are shown to another.
 *
 * What is shown (docs/classification.md):
 * - NO_REASON (negative): to every HR of the group while the group's current
 *   policy shares records across subsidiaries; otherwise only within the
 *   caller's own scope. Turning sharing off hides other subsidiaries' records at once.
 * - UNREACHABLE and UNANNOTATED (neutral): only within the caller's own scope.
 * - FORCE_MAJEURE: never. It is not a mark against anyone, and its reason
 *   (often health) is nobody else's business; the subsidiary that recorded it
 *   still sees it on the interview itself.
 * - Records not yet classified: not here (HR sees them on the interview).
 * - Nothing expired, nothing swept.
 * "Own scope" is the interviews the caller reads in full (api/visibility.ts): an
 * hr token its subsidiary; group_hr and a group-wide auditor the whole group.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Prisma, PrismaClient } from '../../lib/database';
import type { HrClaims } from '../../lib/hr-token';
import { emailHash, identityKey, phoneHash } from '../../domain/identity';
import { resolvePolicy } from '../../domain/policy';
import { auditEntry } from '../audit';
import { ApiError } from '../errors';
import { HR_READ_ROLES } from '../roles';
import { findInterview } from '../interview-view';
import { ErrorBody } from '../schemas/common';
import { InterviewParams } from '../schemas/interviews';
import { AttendanceView, ContactQuery } from '../schemas/records';
import { visibleInterviews, visibleSubsidiaryIds } from '../visibility';

/**
 * The identity-hash condition for exactly one of phone or e-mail; 400 naming
 * the field otherwise. Shared with the erasure call.
 */
export function contactMatch(key: Buffer, q: { phone?: string; email?: string }, where: 'querystring' | 'body'): Prisma.CandidateWhereInput {
  const prefix = where === 'body' ? '' : 'querystring.';
  if ((q.phone === undefined) === (q.email === undefined)) {
    throw new ApiError(400, 'invalid_request', 'give exactly one of phone or email', [{ field: `${prefix}phone`, message: 'or email, not both' }]);
  }
  if (q.phone !== undefined) {
    const h = phoneHash(key, q.phone);
    if (h === null) throw new ApiError(400, 'invalid_request', `${prefix}phone must be an E.164 number (+ and country code)`, [{ field: `${prefix}phone`, message: 'must be E.164' }]);
    return { phoneHash: h };
  }
  const h = emailHash(key, q.email!);
  if (h === null) throw new ApiError(400, 'invalid_request', `${prefix}email must be an e-mail address`, [{ field: `${prefix}email`, message: 'must be an e-mail address' }]);
  return { emailHash: h };
}

/**
 * The records of the person `match` finds in the caller's group, as far as
 * the caller may see them (the rules above). Every look is audited with what
 * it was by (`lookedUpBy`) and how many records it showed.
 */
export async function candidateRecords(
  prisma: PrismaClient,
  req: FastifyRequest,
  hr: HrClaims,
  match: Prisma.CandidateWhereInput,
  lookedUpBy: 'phone' | 'email' | 'interview',
): Promise<Static<typeof AttendanceView>> {
  const now = new Date();
  const [group, own, candidates] = await Promise.all([
    prisma.group.findUnique({ where: { id: hr.groupId }, select: { policy: true } }),
    visibleSubsidiaryIds(prisma, hr),
    prisma.candidate.findMany({ where: { ...match, subsidiary: { groupId: hr.groupId } }, select: { id: true, subsidiaryId: true } }),
  ]);
  // That another subsidiary knows the person is itself something the caller may not see: a match
  // counts in the caller's own scope, or where a record of it is shown.
  const matchedIn = (shown: { interview: { subsidiaryId: string } }[]) =>
    new Set([...candidates.map((c) => c.subsidiaryId).filter((s) => own.includes(s)), ...shown.map((r) => r.interview.subsidiaryId)]).size;
  // A look at a person's record is itself recorded: who looked, by which kind of contact, what they saw.
  const audit = (matched: number, shown: number) =>
    auditEntry(prisma, req, {
      actorType: 'hr',
      actorId: hr.sub,
      action: 'candidate.attendance.lookup',
      groupId: hr.groupId,
      subsidiaryId: hr.subsidiaryId ?? null,
      payload: { by: lookedUpBy, matched, shown },
    });
  if (!group || candidates.length === 0) {
    await audit(0, 0);
    return { matchedSubsidiaries: 0, records: [] };
  }
  const shared = resolvePolicy(group.policy).shareAcrossSubsidiaries;

  const visible: Prisma.NoShowRecordWhereInput[] = [
    { classification: { in: ['NO_REASON', 'UNREACHABLE', 'UNANNOTATED'] }, interview: { subsidiaryId: { in: own } } },
  ];
  if (shared) visible.push({ classification: 'NO_REASON' });
  const records = await prisma.noShowRecord.findMany({
    where: {
      interview: { candidateId: { in: candidates.map((c) => c.id) } },
      sweptAt: null,
      withdrawnAt: null,
      expiresAt: { gt: now },
      OR: visible,
    },
    include: {
      interview: {
        select: {
          externalId: true,
          subsidiaryId: true,
          subsidiary: { select: { id: true, name: true } },
          position: { select: { externalId: true, title: true, region: true } },
        },
      },
      dispute: { select: { status: true, openedAt: true } },
    },
    orderBy: { scheduledStart: 'desc' },
  });

  const messages = records.length
    ? await prisma.notification.findMany({
        where: { OR: records.map((r) => ({ interviewId: r.interviewId, attempt: r.attempt })) },
        select: { interviewId: true, attempt: true, status: true, deliveryStatus: true, deliveredAt: true },
      })
    : [];
  const reminders = (r: { interviewId: string; attempt: number }) => {
    const mine = messages.filter((m) => m.interviewId === r.interviewId && m.attempt === r.attempt);
    const sent = mine.filter((m) => m.status === 'SENT').length;
    const delivered = mine.filter((m) => m.deliveredAt !== null || m.deliveryStatus === 'delivered').length;
    return { sent, delivered, summary: delivered > 0 ? ('delivered' as const) : sent > 0 ? ('sent' as const) : ('none' as const) };
  };

  const matchedSubsidiaries = matchedIn(records);
  await audit(matchedSubsidiaries, records.length);
  return {
    matchedSubsidiaries,
    records: records.map((r) => ({
      recordId: r.id,
      classification: r.classification!,
      kind: r.kind,
      date: r.scheduledStart.toISOString(),
      classifiedAt: r.classifiedAt?.toISOString() ?? null,
      expiresAt: r.expiresAt!.toISOString(),
      subsidiary: r.interview.subsidiary,
      position: { id: r.interview.position.externalId, title: r.interview.position.title, region: r.interview.position.region },
      interviewId: own.includes(r.interview.subsidiaryId) ? r.interview.externalId : null,
      reminders: reminders(r),
      dispute: r.dispute ? { status: r.dispute.status, openedAt: r.dispute.openedAt.toISOString() } : null,
      lateInWindowLogin: r.loginAt ? { at: r.loginAt.toISOString(), receivedAt: r.loginReceivedAt?.toISOString() ?? null } : null,
    })),
  };
}

const attendanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, secrets } = app.turnout;
  const key = identityKey(secrets.masterKey);

  app.get(
    '/candidates/attendance',
    {
      schema: {
        tags: ['hr'],
        summary: "A candidate's records across the group that the caller may see",
        querystring: ContactQuery,
        response: { 200: AttendanceView, '4xx': ErrorBody },
      },
      config: { hrRoles: HR_READ_ROLES },
    },
    async (req) => {
      const match = contactMatch(key, req.query, 'querystring');
      return candidateRecords(prisma, req, req.hr!, match, req.query.phone !== undefined ? 'phone' : 'email');
    },
  );

  app.get(
    '/interviews/:id/attendance',
    {
      schema: {
        tags: ['hr'],
        summary: "The interview's candidate's records across the group that the caller may see (the same rules as /candidates/attendance)",
        description: 'The person is recognised by the keyed hashes of their phone and e-mail, as the look-up by contact does; the HR console shows this beside the evidence.',
        params: InterviewParams,
        response: { 200: AttendanceView, '4xx': ErrorBody },
      },
      config: { hrRoles: HR_READ_ROLES },
    },
    async (req) => {
      const hr = req.hr!;
      const iv = await findInterview(prisma, visibleInterviews(hr), req.params.id);
      const person = await prisma.candidate.findUniqueOrThrow({ where: { id: iv.candidateId }, select: { id: true, phoneHash: true, emailHash: true } });
      const same: Prisma.CandidateWhereInput[] = [{ id: person.id }];
      if (person.phoneHash) same.push({ phoneHash: person.phoneHash });
      if (person.emailHash) same.push({ emailHash: person.emailHash });
      return candidateRecords(prisma, req, hr, { OR: same }, 'interview');
    },
  );
};

export default attendanceRoutes;
