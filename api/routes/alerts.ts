/**
 * HR alerts: where a subsidiary's alerts go (GET|PUT
 * /v1/subsidiaries/:subsidiaryId/alerting), and the alerts feed with each
 * alert's deliveries (e-mails and webhooks). Alerts are raised by the
 * interview workflow's activities; marking one read is the only write here,
 * audited.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HrClaims } from '../../lib/hr-token';
import type { Prisma } from '../../lib/database';
import { classificationDeadline } from '../../lib/outbound-events';
import { DEFAULT_ALERT_LOCALE, setAlerting } from '../../lib/alerting';
import type { AlertKind } from '../../domain/outbound-events';
import { auditEntry } from '../audit';
import { ApiError } from '../errors';
import { HR_READ_ROLES, HR_WRITE_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import { AlertList, AlertListQuery, AlertParams, AlertView, AlertingBody, AlertingView, SubsidiaryParams } from '../schemas/alerts';
import { visibleInterviews } from '../visibility';


const alertInclude = {
  interview: { select: { id: true, externalId: true, subsidiaryId: true, status: true, policy: true, noShowRecords: { select: { attempt: true, detectedAt: true } } } },
  emails: true,
} as const;
type AlertRow = Prisma.HrAlertGetPayload<{ include: typeof alertInclude }>;

const alertsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, api } = app.turnout;

  /** HR of the subsidiary, or group HR of its group; anyone else gets 404. */
  async function ensureSubsidiary(claims: HrClaims, subsidiaryId: string): Promise<void> {
    const sub = await prisma.subsidiary.findUnique({ where: { id: subsidiaryId } });
    const visible = sub && sub.groupId === claims.groupId && (claims.role === 'group_hr' || claims.subsidiaryId === subsidiaryId);
    if (!visible) throw new ApiError(404, 'subsidiary_not_found', 'no subsidiary with this id is visible to you');
  }

  const alertingView = (subsidiaryId: string, row: { emails: string[]; locale: string; updatedAt: Date; updatedBy: string } | null) => ({
    subsidiaryId,
    emails: row?.emails ?? [],
    locale: (row?.locale ?? DEFAULT_ALERT_LOCALE) as 'en' | 'zh-CN',
    updatedAt: row?.updatedAt.toISOString() ?? null,
    updatedBy: row?.updatedBy ?? null,
  });

  app.get(
    '/subsidiaries/:subsidiaryId/alerting',
    {
      schema: { tags: ['alerts'], summary: "Where the subsidiary's HR alerts are e-mailed, and in which language", params: SubsidiaryParams, response: { 200: AlertingView, '4xx': ErrorBody } },
      config: { hrRoles: HR_WRITE_ROLES },
    },
    async (req) => {
      await ensureSubsidiary(req.hr!, req.params.subsidiaryId);
      return alertingView(req.params.subsidiaryId, await prisma.alertingConfig.findUnique({ where: { subsidiaryId: req.params.subsidiaryId } }));
    },
  );

  app.put(
    '/subsidiaries/:subsidiaryId/alerting',
    {
      schema: {
        tags: ['alerts'],
        summary: "Set where the subsidiary's HR alerts are e-mailed; applies to alerts raised afterwards",
        params: SubsidiaryParams,
        body: AlertingBody,
        response: { 200: AlertingView, '4xx': ErrorBody },
      },
      config: { hrRoles: HR_WRITE_ROLES },
    },
    async (req) => {
      const hr = req.hr!;
      const { subsidiaryId } = req.params;
      await ensureSubsidiary(hr, subsidiaryId);
      const row = await prisma.$transaction(async (tx) => {
        const saved = await setAlerting(tx, subsidiaryId, req.body, hr.sub);
        await auditEntry(tx, req, {
          actorType: 'hr',
          actorId: hr.sub,
          action: 'alerting.update',
          groupId: hr.groupId,
          subsidiaryId,
          payload: { recipients: saved.emails.length, locale: saved.locale },
        });
        return saved;
      });
      return alertingView(subsidiaryId, row);
    },
  );

  async function endpointLabels(rows: AlertRow[]) {
    const events = await prisma.outboundEvent.findMany({
      where: { alertId: { in: rows.map((r) => r.id) } },
      include: { deliveries: { include: { endpoint: { select: { urlMasked: true, format: true } } } } },
    });
    return events;
  }

  async function views(rows: AlertRow[]) {
    const events = await endpointLabels(rows);
    return rows.map((a) => {
      const record = a.interview.noShowRecords.find((r) => r.attempt === a.attempt);
      const webhooks = events.filter((e) => e.alertId === a.id).flatMap((e) => e.deliveries);
      return {
        id: a.id,
        kind: a.kind as AlertKind,
        interview: { id: a.interview.id, interviewId: a.interview.externalId, subsidiaryId: a.interview.subsidiaryId, status: a.interview.status },
        attempt: a.attempt,
        createdAt: a.createdAt.toISOString(),
        classificationDeadline: record ? classificationDeadline(record.detectedAt, a.interview.policy).toISOString() : null,
        link: `${api.publicUrl}/console/interviews/${encodeURIComponent(a.interview.externalId)}`,
        readAt: a.readAt?.toISOString() ?? null,
        resolvedAt: a.resolvedAt?.toISOString() ?? null,
        readBy: a.readBy,
        deliveries: [
          ...a.emails.map((m) => ({
            id: m.id,
            channel: 'email',
            destination: m.email,
            status: m.status,
            at: (m.sentAt ?? null)?.toISOString() ?? null,
            attempts: m.attempts,
            error: m.error,
          })),
          ...webhooks.map((d) => ({
            id: d.id,
            channel: d.endpoint.format === 'standard' ? 'webhook' : d.endpoint.format,
            destination: d.endpoint.urlMasked,
            status: d.status,
            at: d.deliveredAt?.toISOString() ?? null,
            attempts: d.attempts,
            error: d.lastError,
          })),
        ],
      };
    });
  }

  app.get(
    '/alerts',
    {
      schema: { tags: ['alerts'], summary: 'HR alerts in scope with their deliveries, newest first', querystring: AlertListQuery, response: { 200: AlertList, '4xx': ErrorBody } },
      config: { hrRoles: HR_READ_ROLES },
    },
    async (req) => {
      const rows = await prisma.hrAlert.findMany({
        where: { interview: visibleInterviews(req.hr!), ...(req.query.unread ? { readAt: null, resolvedAt: null } : {}) },
        include: alertInclude,
        orderBy: { createdAt: 'desc' },
        take: req.query.limit ?? 100,
      });
      return { items: await views(rows) };
    },
  );

  app.post(
    '/alerts/:id/read',
    {
      schema: { tags: ['alerts'], summary: 'Mark an alert read (the first reader and time are kept)', params: AlertParams, response: { 200: AlertView, '4xx': ErrorBody } },
      config: { hrRoles: HR_WRITE_ROLES },
    },
    async (req) => {
      const hr = req.hr!;
      const row = await prisma.$transaction(async (tx) => {
        const found = await tx.hrAlert.findFirst({ where: { id: req.params.id, interview: visibleInterviews(hr) }, include: alertInclude });
        if (!found) throw new ApiError(404, 'alert_not_found', 'no alert with this id is visible to you');
        await tx.hrAlert.updateMany({ where: { id: found.id, readAt: null }, data: { readAt: new Date(), readBy: hr.sub } });
        await auditEntry(tx, req, {
          actorType: 'hr',
          actorId: hr.sub,
          action: 'alert.read',
          groupId: hr.groupId,
          subsidiaryId: found.interview.subsidiaryId,
          interviewId: found.interview.id,
          payload: { alertId: found.id, kind: found.kind, alreadyRead: found.readAt !== null },
        });
        return tx.hrAlert.findUniqueOrThrow({ where: { id: found.id }, include: alertInclude });
      });
      return (await views([row]))[0]!;
    },
  );
};

export default alertsRoutes;
