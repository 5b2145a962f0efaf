import type { FastifyRequest } from 'fastify';
import type { Prisma, PrismaClient } from '../lib/database';
import { ApiError } from './errors';

export interface AuditEntryInput {
  actorType: 'hr' | 'candidate';
  actorId: string;
  action: string;
  interviewId: string;
  subsidiaryId: string;
  groupId?: string;
  payload: Record<string, unknown>;
}

/**
 * Every HR write and candidate self-service action: who, what, when and from
 * where. Free text (notes, reasons) is kept here; the workflow gets the id.
 */
export async function recordAudit(prisma: PrismaClient, req: FastifyRequest, entry: AuditEntryInput): Promise<string> {
  const row = await prisma.auditEntry.create({
    data: { ...entry, payload: entry.payload as Prisma.InputJsonValue, ip: req.ip },
  });
  return row.id;
}

/** Keeps the outcome next to the attempt, so the log shows refused changes too. */
async function recordAuditOutcome(prisma: PrismaClient, id: string, outcome: Record<string, unknown>): Promise<void> {
  const row = await prisma.auditEntry.findUniqueOrThrow({ where: { id } });
  await prisma.auditEntry.update({
    where: { id },
    data: { payload: { ...(row.payload as Record<string, unknown>), outcome } as Prisma.InputJsonValue },
  });
}

/**
 * An audited change to an interview: the attempt is logged first (its id is
 * what the workflow carries, the free text stays here), then the change runs,
 * then its outcome — applied, or refused and why — joins the entry.
 */
export async function auditedChange<T>(
  prisma: PrismaClient,
  req: FastifyRequest,
  entry: AuditEntryInput,
  run: (ref: string) => Promise<T>,
): Promise<T> {
  const ref = await recordAudit(prisma, req, entry);
  try {
    const result = await run(ref);
    await recordAuditOutcome(prisma, ref, { applied: true });
    return result;
  } catch (err) {
    await recordAuditOutcome(prisma, ref, { applied: false, error: err instanceof ApiError ? err.code : 'internal' });
    throw err;
  }
}
