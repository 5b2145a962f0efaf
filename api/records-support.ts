/**
 * What the records routes (policy, attendance, disputes, erasure, reports)
 * share: the audit entry of a call that need not concern one interview, and
 * the subsidiaries a caller's scope covers.
 */
import type { FastifyRequest } from 'fastify';
import type { Prisma, PrismaClient } from '../lib/database';
import type { HrClaims } from '../lib/hr-token';

type Db = PrismaClient | Prisma.TransactionClient;

/** One audit row: who (HR user or candidate), what, in which group/subsidiary, from where. */
export async function auditEntry(
  db: Db,
  req: FastifyRequest,
  entry: {
    actorType: 'hr' | 'candidate';
    actorId: string;
    action: string;
    groupId?: string | null;
    subsidiaryId?: string | null;
    interviewId?: string | null;
    payload: Record<string, unknown>;
  },
): Promise<string> {
  const row = await db.auditEntry.create({
    data: {
      actorType: entry.actorType,
      actorId: entry.actorId,
      action: entry.action,
      groupId: entry.groupId ?? null,
      subsidiaryId: entry.subsidiaryId ?? null,
      interviewId: entry.interviewId ?? null,
      payload: entry.payload as Prisma.InputJsonValue,
      ip: req.ip,
    },
  });
  return row.id;
}

/**
 * The subsidiaries whose interviews the caller reads in full: an hr token (or
 * an auditor bound to a subsidiary) its own; group_hr and a group auditor all
 * of the group's. The same rule as interviewScope, as a list of ids for SQL.
 */
export async function scopeSubsidiaryIds(prisma: PrismaClient, claims: HrClaims): Promise<string[]> {
  const rows = await prisma.subsidiary.findMany({
    where: { groupId: claims.groupId, ...(claims.role === 'hr' || claims.subsidiaryId ? { id: claims.subsidiaryId } : {}) },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}
