/**
 * GET /v1/reports/no-shows?month=YYYY-MM&groupBy=…: counts and the no-show
 * rate over the caller's scope (an hr token its subsidiary; group_hr and
 * group auditors the group), computed in SQL (domain/reports.ts). JSON by
 * default; `Accept: text/csv` gives CSV.
 * GET /v1/reports/monthly?month=YYYY-MM: the group's report as the monthly
 * schedule stored it (by subsidiary and reason), for group-wide callers.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { computeNoShowReport, monthRange, MONTHLY_GROUP_BY, parseGroupBy, ReportError, reportCsv, type NoShowReport } from '../../domain/reports';
import { ApiError } from '../errors';
import { HR_READ_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import { ReportQuery, ReportView } from '../schemas/records';
import { visibleSubsidiaryIds } from '../visibility';

/** True when the client asks for CSV (and does not prefer JSON to it). */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => {
    const [type, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type!.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
  });
  const csv = types.find((t) => t.type === 'text/csv');
  const json = types.find((t) => t.type === 'application/json');
  return csv !== undefined && csv.q > 0 && (json === undefined || csv.q >= json.q);
}

const reportsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma } = app.turnout;
  const config = { hrRoles: HR_READ_ROLES };

  /** The CSV body, with its headers set on the reply. */
  function csv(report: NoShowReport, reply: { header(name: string, value: string): unknown }): string {
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="no-shows-${report.month}.csv"`);
    return reportCsv(report);
  }

  app.get(
    '/reports/no-shows',
    {
      schema: {
        tags: ['reports'],
        summary: 'No-show counts and rate for a month, grouped by subsidiary, position, region, reason, channel, delivered, hour, weekday, remindersReached, leadTime',
        description:
          'The unit is an attempt, in the UTC month of its scheduled start. noShowRate = noShow / (attended + noShow). ' +
          '`reason` is the record classification (null for attempts without a record, UNCLASSIFIED while HR has not classified). ' +
          '`channel` is the interview’s channel set ("email+sms"). `delivered` says whether a message of the attempt was delivered (receipt), only sent, or none. ' +
          '`hour` (0-23) and `weekday` (1 = Monday … 7) are of the start in the candidate’s time zone (UTC when unknown); `remindersReached` counts the reminder points with a delivered message (0, 1, 2, 3+); `leadTime` is confirmation to start (<1d, 1-3d, 3-7d, 7d+).',
        querystring: ReportQuery,
        response: {
          200: { content: { 'application/json': { schema: ReportView }, 'text/csv': { schema: Type.String() } } },
          '4xx': ErrorBody,
        },
      },
      config,
    },
    async (req, reply) => {
      let groupBy;
      try {
        groupBy = parseGroupBy(req.query.groupBy);
        monthRange(req.query.month);
      } catch (err) {
        if (err instanceof ReportError) throw new ApiError(400, 'invalid_request', `${err.field} ${err.message}`, [{ field: `querystring.${err.field}`, message: err.message }]);
        throw err;
      }
      const subsidiaryIds = await visibleSubsidiaryIds(prisma, req.hr!);
      const report = await computeNoShowReport(prisma, { subsidiaryIds, month: req.query.month, groupBy });
      return wantsCsv(req.headers.accept) ? csv(report, reply) : report;
    },
  );

  app.get(
    '/reports/monthly',
    {
      schema: {
        tags: ['reports'],
        summary: "The group's stored monthly report (by subsidiary and reason), as the monthly schedule produced it",
        querystring: Type.Object({ month: ReportQuery.properties.month }, { additionalProperties: false }),
        response: {
          200: { content: { 'application/json': { schema: Type.Intersect([ReportView, Type.Object({ generatedAt: Type.String() })]) }, 'text/csv': { schema: Type.String() } } },
          '4xx': ErrorBody,
        },
      },
      config,
    },
    async (req, reply) => {
      const hr = req.hr!;
      if (hr.role === 'hr' || hr.subsidiaryId) throw new ApiError(403, 'forbidden', 'the stored report covers the whole group; ask for /v1/reports/no-shows instead');
      const stored = await prisma.monthlyReport.findUnique({
        where: { groupId_month_groupBy: { groupId: hr.groupId, month: req.query.month, groupBy: MONTHLY_GROUP_BY.join(',') } },
      });
      if (!stored) throw new ApiError(404, 'report_not_found', `no stored report for ${req.query.month} yet`);
      const report = { month: stored.month, groupBy: MONTHLY_GROUP_BY, rows: stored.rows, totals: stored.totals } as unknown as NoShowReport;
      return wantsCsv(req.headers.accept) ? csv(report, reply) : { ...report, generatedAt: stored.generatedAt.toISOString() };
    },
  );
};

export default reportsRoutes;
