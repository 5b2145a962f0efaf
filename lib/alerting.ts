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
  const existing = await t.hrAlert.findUnique({ where: { interviewId_attempt_kind: { interviewId, attempt, kind } } });
  if (existing) return false;
  const alert = await t.hrAlert.create({ data: { interviewId, attempt, kind, createdAt: at } });
  const interview = await t.interview.findUniqueOrThrow({ where: { id: interviewId }, select: { subsidiaryId: true, policy: true } });
  const config = await t.alertingConfig.findUnique({ where: { subsidiaryId: interview.subsidiaryId } });
  if (config && config.emails.length > 0) {
    await t.alertEmail.createMany({ data: config.emails.map((email) => ({ alertId: alert.id, email, locale: config.locale })) });
  }
  const record = await t.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId, attempt } }, select: { detectedAt: true } });
  await appendEvidence(t, interviewId, [
    { key: `${attempt}:HR_ALERTED:${kind}`, kind: 'HR_ALERTED', at, data: { attempt, alert: kind, alertId: alert.id, emails: config?.emails.length ?? 0 } },
  ]);
  await enqueueInterviewEvent(t, {
    type: 'hr.alert',
    interviewId,
    key: `${attempt}:hr_alert:${kind}`,
    by: 'system',
    at,
    alert: { id: alert.id, kind, classificationDeadline: record ? classificationDeadline(record.detectedAt, interview.policy) : null },
  });
  return true;
}
