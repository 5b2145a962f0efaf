/**
 * The no-show report, computed in SQL. The unit is an attempt: an interview
 * counts once at its (last) scheduled start, plus once for every earlier
 * attempt that ended in a record (a no-show HR then rescheduled). An attempt
 * belongs to the month (UTC) of its scheduled start.
 *
 *   scheduled   every attempt of the month
 *   attended    the candidate logged in
 *   noShow      a NO_SHOW record
 *   cancelled   cancelled 24 h or more ahead (no record)
 *   lateCancel  a LATE_CANCEL record
 *   open        not decided yet (still scheduled or in its window)
 *   noShowRate  noShow / (attended + noShow): of the interviews that were due
 *               to happen and not cancelled, the share the candidate missed;
 *               null when there were none
 *
 * The dimensions that look for causes: `hour` and `weekday` (ISO, 1 =
 * Monday) of the attempt's start in the candidate's time zone (UTC when the
 * platform gave none, or one PostgreSQL does not know), `remindersReached`
 * (how many reminder points had a delivered message: 0, 1, 2, 3+) and
 * `leadTime` (confirmation to the attempt's start: <1d, 1-3d, 3-7d, 7d+).
 *
 * Group-by columns come from a fixed whitelist; their SQL is written here,
 * never taken from the request.
 */
import { Prisma, type PrismaClient } from '../lib/database';
import { RECORDED_STATUSES, STATUSES } from './interview';

export const REPORT_DIMENSIONS = ['subsidiary', 'position', 'region', 'reason', 'channel', 'delivered', 'hour', 'weekday', 'remindersReached', 'leadTime'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** The stored monthly report: by subsidiary and classification, the view group HR starts from. */
export const MONTHLY_GROUP_BY: ReportDimension[] = ['subsidiary', 'reason'];

export class ReportError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReportError';
  }
}

export interface ReportCounts {
  scheduled: number;
  attended: number;
  noShow: number;
  cancelled: number;
  lateCancel: number;
  open: number;
  noShowRate: number | null;
}

export type ReportRow = Partial<{
  subsidiaryId: string;
  subsidiaryName: string;
  positionId: string;
  positionTitle: string;
  region: string | null;
  reason: string | null;
  channel: string;
  delivered: string;
  /** 0–23: the hour of the attempt's start in the candidate's time zone (UTC when unknown). */
  hour: number;
  /** 1 (Monday) – 7 (Sunday), ISO, in the same zone. */
  weekday: number;
  /** How many reminder points of the attempt had a delivered message: 0, 1, 2, 3+. */
  remindersReached: string;
  /** From confirmation to the attempt's start: <1d, 1-3d, 3-7d, 7d+. */
  leadTime: string;
}> &
  ReportCounts;

export interface NoShowReport {
  month: string;
  groupBy: ReportDimension[];
  rows: ReportRow[];
  totals: ReportCounts;
}

/** "subsidiary, reason" → ['subsidiary', 'reason'] in canonical order, each once; unknown names are refused. */
export function parseGroupBy(raw: string | undefined): ReportDimension[] {
  if (raw === undefined || raw.trim() === '') return [];
  const asked = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of asked) {
    if (!(REPORT_DIMENSIONS as readonly string[]).includes(name)) {
      throw new ReportError('groupBy', `unknown column "${name}"; use any of ${REPORT_DIMENSIONS.join(', ')}`);
    }
  }
  return REPORT_DIMENSIONS.filter((d) => asked.includes(d));
}

/** The month's bounds in UTC: [from, to). */
export function monthRange(month: string): { from: Date; to: Date } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new ReportError('month', 'must be YYYY-MM');
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { from: new Date(Date.UTC(y, mo - 1, 1)), to: new Date(Date.UTC(y, mo, 1)) };
}

type Join = 'subsidiary' | 'position' | 'delivery' | 'localStart' | 'reached';

/**
 * An interview row stands for its current attempt unless that attempt left a
 * record, which stands for it instead (the second half of the query): so each
 * attempt counts once. Literal SQL, from the status sets of interview.ts.
 */
const WITHOUT_RECORD_SQL = STATUSES.filter((s) => !RECORDED_STATUSES.includes(s))
  .map((s) => `'${s}'`)
  .join(', ');

/** Confirmation to the attempt's start, in days: the bucket's label and its rank (the rows' order). */
const LEAD_DAYS = `extract(epoch FROM a."startsAt" - a."confirmedAt") / 86400`;
const LEAD_TIME_LABEL = `CASE WHEN ${LEAD_DAYS} < 1 THEN '<1d' WHEN ${LEAD_DAYS} < 3 THEN '1-3d' WHEN ${LEAD_DAYS} < 7 THEN '3-7d' ELSE '7d+' END`;
const LEAD_TIME_RANK = `CASE WHEN ${LEAD_DAYS} < 1 THEN 0 WHEN ${LEAD_DAYS} < 3 THEN 1 WHEN ${LEAD_DAYS} < 7 THEN 2 ELSE 3 END`;

/**
 * Each dimension: its output columns (name and SQL expression), what it groups
 * by (the first expression also marks the totals row), the join it needs. All SQL is literal.
 * Positions are per subsidiary: the same platform position id in two subsidiaries is two rows.
 */
const DIMENSION_SQL: Record<ReportDimension, { columns: [string, string][]; groupBy: string[]; join?: Join }> = {
  subsidiary: { columns: [['subsidiaryId', 'a."subsidiaryId"::text'], ['subsidiaryName', 's.name']], groupBy: ['s.name', 'a."subsidiaryId"'], join: 'subsidiary' },
  position: { columns: [['positionId', 'p."externalId"'], ['positionTitle', 'p.title']], groupBy: ['p."externalId"', 'p.title', 'p.id'], join: 'position' },
  region: { columns: [['region', 'p.region']], groupBy: ['p.region'], join: 'position' },
  reason: { columns: [['reason', 'a.reason']], groupBy: ['a.reason'] },
  // The channel set of the interview ("email", "sms", "email+sms"): one value per attempt, so rows add up.
  channel: { columns: [['channel', 'a.channel']], groupBy: ['a.channel'] },
  delivered: { columns: [['delivered', 'd.delivered']], groupBy: ['d.delivered'], join: 'delivery' },
  hour: { columns: [['hour', 'lt.hour']], groupBy: ['lt.hour'], join: 'localStart' },
  weekday: { columns: [['weekday', 'lt.weekday']], groupBy: ['lt.weekday'], join: 'localStart' },
  // The bucket's rank orders the rows (0, 1, 2, 3+) whatever the labels sort as.
  remindersReached: {
    columns: [['remindersReached', "CASE WHEN rr.points >= 3 THEN '3+' ELSE rr.points::text END"]],
    groupBy: ['least(rr.points, 3)', "CASE WHEN rr.points >= 3 THEN '3+' ELSE rr.points::text END"],
    join: 'reached',
  },
  leadTime: { columns: [['leadTime', LEAD_TIME_LABEL]], groupBy: [LEAD_TIME_RANK, LEAD_TIME_LABEL] },
};

const JOIN_SQL: Record<Join, string> = {
  subsidiary: 'JOIN "Subsidiary" s ON s.id = a."subsidiaryId"',
  position: 'JOIN "Position" p ON p.id = a."positionId"',
  // delivered: a provider receipt says a message of the attempt arrived; sent: handed over, no receipt; none: nothing sent.
  delivery: `LEFT JOIN LATERAL (
      SELECT CASE WHEN bool_or(n."deliveredAt" IS NOT NULL OR n."deliveryStatus" = 'delivered') THEN 'delivered'
                  WHEN bool_or(n.status = 'SENT') THEN 'sent'
                  ELSE 'none' END AS delivered
      FROM "Notification" n
      WHERE n."interviewId" = a."interviewId" AND n.attempt = a.attempt) d ON true`,
  // The start in the candidate's zone; a zone PostgreSQL does not know (the platform's free text) counts as UTC.
  localStart: `JOIN "Candidate" c ON c.id = a."candidateId"
    LEFT JOIN pg_timezone_names tz ON tz.name = c.timezone
    CROSS JOIN LATERAL (
      SELECT extract(hour FROM a."startsAt" AT TIME ZONE coalesce(tz.name, 'UTC'))::int AS hour,
             extract(isodow FROM a."startsAt" AT TIME ZONE coalesce(tz.name, 'UTC'))::int AS weekday) lt`,
  // Reminder points (not the confirmation) of the attempt with a message a provider receipt says arrived.
  reached: `LEFT JOIN LATERAL (
      SELECT count(DISTINCT n.point) FILTER (WHERE n.point <> 'confirmation' AND (n."deliveredAt" IS NOT NULL OR n."deliveryStatus" = 'delivered'))::int AS points
      FROM "Notification" n
      WHERE n."interviewId" = a."interviewId" AND n.attempt = a.attempt) rr ON true`,
};

/** The report's SQL for a scope and month; exported so the benchmark can EXPLAIN exactly this query. */
export function noShowReportSql(input: { subsidiaryIds: string[]; month: string; groupBy: ReportDimension[] }): Prisma.Sql {
  const { from, to } = monthRange(input.month);
  const dims = input.groupBy.map((d) => DIMENSION_SQL[d]);
  const joins = [...new Set(dims.map((d) => d.join).filter((j): j is Join => j !== undefined))]
    .sort((x, y) => Object.keys(JOIN_SQL).indexOf(x) - Object.keys(JOIN_SQL).indexOf(y))
    .map((j) => JOIN_SQL[j]);
  const columns = dims.flatMap((d) => d.columns.map(([name, expr]) => `${expr} AS "${name}"`));
  const groupExprs = dims.flatMap((d) => d.groupBy);
  // The channel set in a fixed order whatever order the platform gave; the two known channels without a sort per row.
  const channel = input.groupBy.includes('channel')
    ? `CASE WHEN i.channels @> ARRAY['email', 'sms'] AND cardinality(i.channels) = 2 THEN 'email+sms'
            WHEN cardinality(i.channels) = 1 THEN i.channels[1]
            ELSE array_to_string(ARRAY(SELECT c FROM unnest(i.channels) c ORDER BY c), '+') END`
    : 'NULL::text';
  const ids = input.subsidiaryIds;

  // Grouping sets add the totals row (GROUPING(...) = 1 marks it) in the same scan.
  const grouping = groupExprs.length
    ? `GROUP BY GROUPING SETS ((${groupExprs.join(', ')}), ()) ORDER BY GROUPING(${groupExprs[0]}), ${groupExprs.map((e) => `${e} NULLS LAST`).join(', ')}`
    : '';
  const totalFlag = groupExprs.length ? `GROUPING(${groupExprs[0]}) = 1` : 'true';

  return Prisma.sql`
    WITH attempts AS (
      SELECT i.id AS "interviewId", i.attempt, i."subsidiaryId", i."positionId", i."candidateId", i."startsAt", i."confirmedAt", ${Prisma.raw(channel)} AS channel,
             CASE i.status WHEN 'ATTENDED' THEN 'attended' WHEN 'CANCELLED' THEN 'cancelled' ELSE 'open' END AS result,
             NULL::text AS reason
      FROM "Interview" i
      WHERE i."subsidiaryId" = ANY(${ids}::uuid[]) AND i."startsAt" >= ${from} AND i."startsAt" < ${to}
        AND i.status IN (${Prisma.raw(WITHOUT_RECORD_SQL)})
      UNION ALL
      SELECT r."interviewId", r.attempt, i."subsidiaryId", i."positionId", i."candidateId", r."scheduledStart", i."confirmedAt", ${Prisma.raw(channel)},
             CASE r.kind WHEN 'NO_SHOW' THEN 'no_show' ELSE 'late_cancel' END,
             COALESCE(r.classification::text, 'UNCLASSIFIED')
      FROM "NoShowRecord" r JOIN "Interview" i ON i.id = r."interviewId"
      WHERE i."subsidiaryId" = ANY(${ids}::uuid[]) AND r."scheduledStart" >= ${from} AND r."scheduledStart" < ${to}
        AND r."withdrawnAt" IS NULL
    )
    SELECT ${Prisma.raw(columns.length ? `${columns.join(', ')},` : '')}
           ${Prisma.raw(totalFlag)} AS "isTotal",
           count(*)::int AS scheduled,
           (count(*) FILTER (WHERE a.result = 'attended'))::int AS attended,
           (count(*) FILTER (WHERE a.result = 'no_show'))::int AS "noShow",
           (count(*) FILTER (WHERE a.result = 'cancelled'))::int AS cancelled,
           (count(*) FILTER (WHERE a.result = 'late_cancel'))::int AS "lateCancel",
           (count(*) FILTER (WHERE a.result = 'open'))::int AS open,
           round((count(*) FILTER (WHERE a.result = 'no_show'))::numeric
                 / nullif(count(*) FILTER (WHERE a.result IN ('attended', 'no_show')), 0), 4)::float8 AS "noShowRate"
    FROM attempts a
    ${Prisma.raw(joins.join('\n    '))}
    ${Prisma.raw(grouping)}`;
}

type SqlRow = Record<string, unknown> & ReportCounts & { isTotal: boolean };

function counts(r: SqlRow): ReportCounts {
  return {
    scheduled: r.scheduled,
    attended: r.attended,
    noShow: r.noShow,
    cancelled: r.cancelled,
    lateCancel: r.lateCancel,
    open: r.open,
    noShowRate: r.noShowRate,
  };
}

export async function computeNoShowReport(
  prisma: PrismaClient | Prisma.TransactionClient,
  input: { subsidiaryIds: string[]; month: string; groupBy: ReportDimension[] },
): Promise<NoShowReport> {
  const rows = await prisma.$queryRaw<SqlRow[]>(noShowReportSql(input));
  const total = rows.find((r) => r.isTotal);
  const names = input.groupBy.flatMap((d) => DIMENSION_SQL[d].columns.map(([name]) => name));
  return {
    month: input.month,
    groupBy: input.groupBy,
    rows: input.groupBy.length
      ? rows.filter((r) => !r.isTotal).map((r) => ({ ...Object.fromEntries(names.map((n) => [n, r[n] ?? null])), ...counts(r) }) as ReportRow)
      : [],
    totals: total ? counts(total) : { scheduled: 0, attended: 0, noShow: 0, cancelled: 0, lateCancel: 0, open: 0, noShowRate: null },
  };
}

/** The header and cells of the CSV form: the group-by columns, then the counts. */
export function reportCsv(report: NoShowReport): string {
  const names = report.groupBy.flatMap((d) => DIMENSION_SQL[d].columns.map(([name]) => name));
  const countNames = ['scheduled', 'attended', 'noShow', 'cancelled', 'lateCancel', 'open', 'noShowRate'] as const;
  const lines = [[...names, ...countNames].join(',')];
  const rows = report.groupBy.length ? report.rows : [report.totals];
  for (const r of rows) {
    const rec = r as unknown as Record<string, unknown>;
    lines.push([...names.map((n) => csvCell(rec[n])), ...countNames.map((n) => csvCell(rec[n]))].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * RFC 4180 quoting; a text cell starting with = + - @ (or a tab/CR) is
 * prefixed with ' so a spreadsheet does not run a position title as a formula.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
