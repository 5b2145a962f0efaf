/**
 * A candidate's erasure on their request: their personal data goes in every
 * subsidiary of the group, their interviews and records stay, anonymous.
 * Called by the API (POST /v1/candidates/erasure) directly: it changes no
 * interview's lifecycle, and it is refused while a workflow of theirs runs.
 */
import type { Prisma, PrismaClient } from '../lib/database';
import { emailHash, phoneHash } from './identity';
import { isOpen } from './interview';
import { scrubInterview } from './personal-data';

export class ErasureRefused extends Error {
  constructor(readonly openInterviews: { id: string; interviewId: string; status: string }[]) {
    super('the candidate has interviews that have not ended');
    this.name = 'ErasureRefused';
  }
}

export interface ErasureCounts {
  candidates: number;
  interviews: number;
  evidenceRedacted: number;
}

/**
 * Erases a person's personal data across a group, found by their phone or
 * e-mail (the identity hashes). Interviews, records and their classification
 * stay, attached to the emptied candidate row, so counts and reports do not
 * change; nothing can find them by the person any more. Refused while an
 * interview of theirs is still running (its workflow would message them):
 * the platform cancels it first.
 */
export async function eraseCandidate(
  prisma: PrismaClient,
  identityKey: Buffer,
  input: { groupId: string; phone?: string; email?: string; at?: Date },
): Promise<ErasureCounts> {
  const at = input.at ?? new Date();
  const match: Prisma.CandidateWhereInput =
    input.phone !== undefined ? { phoneHash: phoneHash(identityKey, input.phone) ?? '-' } : { emailHash: emailHash(identityKey, input.email ?? '') ?? '-' };
  return prisma.$transaction(
    async (tx) => {
      const candidates = await tx.candidate.findMany({
        where: { ...match, subsidiary: { groupId: input.groupId } },
        include: { interviews: { select: { id: true, externalId: true, subsidiaryId: true, status: true } } },
      });
      const open = candidates.flatMap((c) => c.interviews.filter((i) => isOpen(i.status)));
      if (open.length) throw new ErasureRefused(open.map((i) => ({ id: i.id, interviewId: i.externalId, status: i.status })));

      let interviews = 0;
      let evidenceRedacted = 0;
      for (const c of candidates) {
        for (const iv of c.interviews) {
          const counts = await scrubInterview(tx, iv, at);
          interviews += 1;
          evidenceRedacted += counts.evidenceRedacted;
        }
        await tx.candidate.update({
          where: { id: c.id },
          data: { name: '', phone: '', email: '', phoneHash: null, emailHash: null, timezone: null, locale: null, erasedAt: at },
        });
      }
      return { candidates: candidates.length, interviews, evidenceRedacted };
    },
    { timeout: 60_000 },
  );
}
