import type { FastifyRequest } from 'fastify';
import type { Prisma, PrismaClient } from '../lib/database';

/**
 * Every HR write and candidate self-service action: who, what, when and from
 * where. Free text (notes, reasons) is kept here; the workflow gets the id.
 */
export async function recordAudit(
  prisma: PrismaClient,
  req: FastifyRequest,
  entry: {
    actorType: 'hr' | 'candidate';
    actorId: string;
    action: string;
    interviewId: string;
    subsidiaryId: string;
    groupId?: string;
    payload: Record<string, unknown>;
  },
): Promise<string> {
  const row = await prisma.auditEntry.create({
    data: { ...entry, payload: entry.payload as Prisma.InputJsonValue, ip: req.ip },
  });
  return row.id;
}

/** Keeps the outcome next to the attempt, so the log shows refused changes too. */
export async function recordAuditOutcome(prisma: PrismaClient, id: string, outcome: Record<string, unknown>): Promise<void> {
  const row = await prisma.auditEntry.findUniqueOrThrow({ where: { id } });
  await prisma.auditEntry.update({
    where: { id },
    data: { payload: { ...(row.payload as Record<string, unknown>), outcome } as Prisma.InputJsonValue },
  });
}
