/**
 * HR alerts: where a subsidiary's alerts are e-mailed (set by HR over the
 * API, PUT /v1/subsidiaries/:id/alerting, and by operators, `turnout tenant
 * create --hr-email`), and raising one.
 */
import type { Prisma, PrismaClient } from './database';
import { appendEvidence } from '../domain/evidence';
import type { AlertKind } from '../domain/outbound-events';
import { classificationDeadline, enqueueInterviewEvent } from './outbound-events';

/** Alerts go out in this language until HR chooses another: Turnout's HR users are mostly in mainland China. */
export const DEFAULT_ALERT_LOCALE = 'zh-CN';
export const ALERT_LOCALES = ['en', 'zh-CN'] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isAlertEmail(value: string): boolean {
  return EMAIL.test(value) && value.length <= 254;
}

/** Replaces the list of addresses (deduplicated, in the order given) and the locale. */
export async function setAlerting(
  db: PrismaClient | Prisma.TransactionClient,
  subsidiaryId: string,
  input: { emails: string[]; locale?: string },
  updatedBy: string,
) {
  const emails = [...new Set(input.emails.map((e) => e.trim()))];
  const existing = await db.alertingConfig.findUnique({ where: { subsidiaryId } });
  const locale = input.locale ?? existing?.locale ?? DEFAULT_ALERT_LOCALE;
  return db.alertingConfig.upsert({
    where: { subsidiaryId },
    create: { subsidiaryId, emails, locale, updatedBy },
    update: { emails, locale, updatedBy },
  });
}

/**
 * Raises one alert per interview, attempt and kind, inside the caller's
 * transaction: the alert row, one e-mail row per address the subsidiary's
 * alerting names, its evidence row and the `hr.alert` event for webhook
 * subscribers. The workers' dispatcher sends them within a poll interval.
 * A second call for the same alert adds nothing; returns whether it raised one.
 */
export async function raiseHrAlert(
  t: Prisma.TransactionClient,
  input: { interviewId: string; attempt: number; kind: AlertKind; at: Date },
): Promise<boolean> {
  const { interviewId, attempt, kind, at } = input;
  // One statement: every no-show raises one, inside the workflow's transaction.
  const [alert] = await t.$queryRaw<Array<{ id: string; emails: number; policy: Prisma.JsonValue; detectedAt: Date | null }>>`
    WITH alert AS (
      INSERT INTO "HrAlert" (id, "interviewId", attempt, kind, "createdAt")
      VALUES (gen_random_uuid(), ${interviewId}::uuid, ${attempt}, ${kind}, ${at})
      ON CONFLICT ("interviewId", attempt, kind) DO NOTHING
      RETURNING id
    ), config AS (
      SELECT c.emails, c.locale FROM "AlertingConfig" c JOIN "Interview" i ON i."subsidiaryId" = c."subsidiaryId"
       WHERE i.id = ${interviewId}::uuid
    ), mail AS (
      INSERT INTO "AlertEmail" (id, "alertId", email, locale)
      SELECT gen_random_uuid(), alert.id, email, config.locale FROM alert, config, unnest(config.emails) AS email
    )
    SELECT alert.id, COALESCE((SELECT cardinality(emails) FROM config), 0)::int AS emails, i.policy, r."detectedAt"
      FROM alert
      JOIN "Interview" i ON i.id = ${interviewId}::uuid
      LEFT JOIN "NoShowRecord" r ON r."interviewId" = i.id AND r.attempt = ${attempt}`;
  if (!alert) return false;
  await appendEvidence(t, interviewId, [
    { key: `${attempt}:HR_ALERTED:${kind}`, kind: 'HR_ALERTED', at, data: { attempt, alert: kind, alertId: alert.id, emails: alert.emails } },
  ]);
  const deadline = alert.detectedAt === null ? null : classificationDeadline(alert.detectedAt, alert.policy);
  await enqueueInterviewEvent(t, {
    type: 'hr.alert',
    interviewId,
    key: `${attempt}:hr_alert:${kind}`,
    by: 'system',
    at,
    alert: { id: alert.id, kind, classificationDeadline: deadline },
  });
  return true;
}
