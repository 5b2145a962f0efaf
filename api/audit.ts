/**
 * The audit log: every HR write, every look at a person's records and every
 * candidate self-service action, with who, what, when and from where. Free
 * text (notes, reasons, statements) is kept here; a workflow gets the entry's id.
 */
import type { FastifyRequest } from 'fastify';
import type { Prisma, PrismaClient } from '../lib/database';
import { ApiError } from './errors';
import { changeRef } from './idempotency';

type Db = PrismaClient | Prisma.TransactionClient;

export interface AuditEntryInput {
  actorType: 'hr' | 'candidate';
  actorId: string;
  action: string;
  groupId?: string | null;
  subsidiaryId?: string | null;
  interviewId?: string | null;
  payload: Record<string, unknown>;
}

/** One audit row; its id is the ref the change carries. */
export async function auditEntry(db: Db, req: FastifyRequest, entry: AuditEntryInput): Promise<string> {
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
  entry: AuditEntryInput & { interviewId: string; subsidiaryId: string },
  run: (ref: string) => Promise<T>,
): Promise<T> {
  // A retry under the same Idempotency-Key carries the first attempt's entry (and so its update id).
  const ref = await changeRef(prisma, req, () => auditEntry(prisma, req, entry));
  try {
    const result = await run(ref);
    await recordAuditOutcome(prisma, ref, { applied: true });
    return result;
  } catch (err) {
    await recordAuditOutcome(prisma, ref, { applied: false, error: err instanceof ApiError ? err.code : 'internal' });
    throw err;
  }
}
