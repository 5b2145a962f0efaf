/**
 * What an HR caller may see: hr its subsidiary, group_hr and auditors their
 * group (an auditor token bound to a subsidiary sees only that one).
 * Out-of-scope rows are simply not found, so they answer 404, never leak.
 */
import type { Prisma, PrismaClient } from '../lib/database';
import type { HrClaims } from '../lib/hr-token';

/** The interviews the caller reads in full, as a Prisma condition. */
export function visibleInterviews(claims: HrClaims): Prisma.InterviewWhereInput {
  if (claims.role === 'hr' || claims.subsidiaryId) return { subsidiaryId: claims.subsidiaryId };
  return { subsidiary: { groupId: claims.groupId } };
}

/** The same rule as visibleInterviews, as the list of subsidiary ids (for SQL). */
export async function visibleSubsidiaryIds(prisma: PrismaClient, claims: HrClaims): Promise<string[]> {
  const rows = await prisma.subsidiary.findMany({
    where: { groupId: claims.groupId, ...(claims.role === 'hr' || claims.subsidiaryId ? { id: claims.subsidiaryId } : {}) },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}
