/**
 * Personal data in Turnout's rows, and how it is removed: by the expiry sweep
 * (activities/records.ts) and by a candidate's erasure (erasure.ts).
 *
 * What counts as personal data: the candidate row's name, phone, e-mail and
 * identity hashes; contact details and free text anywhere they were copied
 * (inbox payloads, evidence rows, audit payloads, message and alert e-mail bodies, record notes,
 * dispute statements). What stays: ids, times, states, classifications.
 */
import { createHash } from 'node:crypto';
import type { Prisma } from '../lib/database';
import { canonicalJson } from './canonical-json';

/** Keys whose values identify or describe the person, wherever they appear in stored JSON. */
const PERSONAL_KEYS = new Set(['name', 'phone', 'email', 'to', 'ip', 'userAgent', 'note', 'reason', 'statement']);
export const ERASED = '[erased]';

/** Replaces the values of personal keys (at any depth) with ERASED; says whether anything changed. */
export function redactPersonal(value: unknown): { value: unknown; changed: boolean } {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redactPersonal(v);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (value === null || typeof value !== 'object') return { value, changed: false };
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (PERSONAL_KEYS.has(k) && v !== null && v !== undefined && v !== ERASED && typeof v !== 'object') {
      out[k] = ERASED;
      changed = true;
    } else {
      const r = redactPersonal(v);
      out[k] = r.value;
      changed ||= r.changed;
    }
  }
  return { value: out, changed };
}

export interface ScrubCounts {
  evidenceRedacted: number;
  auditRedacted: number;
  inboxRedacted: number;
}

/**
 * Removes the personal data copied into an interview's rows, inside the
 * caller's transaction. Idempotent: what is already erased is left alone.
 *
 * Evidence rows keep their hashes (redactedAt marks them; verifyChain then
 * checks only that they link), so the trail still shows it was not reordered
 * or cut, and every row without personal data still verifies in full.
 */
export async function scrubInterview(
  tx: Prisma.TransactionClient,
  interview: { id: string; subsidiaryId: string; externalId: string },
  at: Date,
): Promise<ScrubCounts> {
  // The same lock appendEvidence takes: a late provider receipt waits for us.
  await tx.$queryRaw`SELECT id FROM "Interview" WHERE id = ${interview.id}::uuid FOR UPDATE`;
  let evidenceRedacted = 0;
  for (const row of await tx.evidence.findMany({ where: { interviewId: interview.id }, select: { id: true, data: true } })) {
    const r = redactPersonal(row.data);
    if (!r.changed) continue;
    await tx.evidence.update({ where: { id: row.id }, data: { data: r.value as Prisma.InputJsonValue, redactedAt: at } });
    evidenceRedacted += 1;
  }

  await tx.notification.updateMany({ where: { interviewId: interview.id, body: { not: null } }, data: { body: null } });
  // HR alert e-mails name the candidate in their subject and body.
  await tx.alertEmail.updateMany({ where: { alert: { interviewId: interview.id }, body: { not: null } }, data: { body: null, subject: null } });
  await tx.noShowRecord.updateMany({ where: { interviewId: interview.id, note: { not: null } }, data: { note: null } });
  await tx.dispute.updateMany({
    where: { record: { interviewId: interview.id }, OR: [{ statement: { not: null } }, { note: { not: null } }] },
    data: { statement: null, note: null },
  });

  let auditRedacted = 0;
  for (const row of await tx.auditEntry.findMany({ where: { interviewId: interview.id } })) {
    const r = redactPersonal(row.payload);
    const dropIp = row.actorType === 'candidate' && row.ip !== null;
    if (!r.changed && !dropIp) continue;
    await tx.auditEntry.update({
      where: { id: row.id },
      data: { payload: r.value as Prisma.InputJsonValue, ...(dropIp ? { ip: null } : {}) },
    });
    auditRedacted += 1;
  }

  // The inbox rows of this interview's platform events: the confirmation carries the contact details.
  let inboxRedacted = 0;
  const events = await tx.inboundEvent.findMany({
    where: { subsidiaryId: interview.subsidiaryId, payload: { path: ['data', 'interviewId'], equals: interview.externalId } },
    select: { id: true, payload: true },
  });
  for (const row of events) {
    const r = redactPersonal(row.payload);
    if (!r.changed) continue;
    // The hash follows the stored payload: an unkeyed hash of the original would let a guessed phone number be confirmed.
    const payloadHash = createHash('sha256').update(canonicalJson(r.value)).digest('hex');
    await tx.inboundEvent.update({ where: { id: row.id }, data: { payload: r.value as Prisma.InputJsonValue, payloadHash } });
    inboxRedacted += 1;
  }
  return { evidenceRedacted, auditRedacted, inboxRedacted };
}
