/**
 * `npm run bench:report`: seeds a scratch database with one group's year of
 * interviews (1,000,000 by default) and times the no-show report
 * (domain/reports.ts) on one month, printing the median of several runs per
 * group-by and a summary of the EXPLAIN ANALYZE plan.
 *
 * Uses the PostgreSQL server of DATABASE_URL and a database of its own
 * (BENCH_DATABASE, default turnout_bench_report), created and migrated when
 * missing and seeded once; `--reseed` drops and seeds it again. BENCH_INTERVIEWS
 * sets the size. Not part of `npm test`.
 */
import { Client } from 'pg';
import { createFreshDatabase, dropDatabase, migrateDatabase } from '../dev/database';
import { createPrisma } from '../lib/database';
import { poolConfigFromUrl, withDatabase } from '../lib/database-url';
import { DEFAULT_POLICY } from '../domain/policy';
import { computeNoShowReport, noShowReportSql, type ReportDimension } from '../domain/reports';

const GROUP = 'bench-group';
const SUBSIDIARIES = 10;
const POSITIONS_PER_SUBSIDIARY = 20;
const CANDIDATES_PER_SUBSIDIARY = 50_000;
const MONTH = '2025-06';
const RUNS = 5;

const log = (msg: string) => process.stdout.write(`${msg}\n`);

async function ensureDatabase(serverUrl: string, name: string, reseed: boolean): Promise<string> {
  const admin = new Client(poolConfigFromUrl(serverUrl));
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  await admin.end();
  if (exists && reseed) await dropDatabase(serverUrl, name);
  const url = exists && !reseed ? withDatabase(serverUrl, name) : await createFreshDatabase(serverUrl, name);
  await migrateDatabase(url);
  return url;
}

/** The whole year in SQL (generate_series): statuses, records and messages in fixed proportions, deterministic. */
async function seed(db: Client, interviews: number): Promise<void> {
  const step = async (label: string, sql: string) => {
    const t = Date.now();
    const r = await db.query(sql);
    log(`  ${label}: ${r.rowCount ?? 0} rows in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  await db.query('BEGIN');
  await step('group', `INSERT INTO "Group" (id, name, policy, "policyVersion", "createdAt", "updatedAt")
    VALUES (gen_random_uuid(), '${GROUP}', '${JSON.stringify({ ...DEFAULT_POLICY })}'::jsonb, 1, now(), now())`);
  await step('subsidiaries', `INSERT INTO "Subsidiary" (id, "groupId", name)
    SELECT gen_random_uuid(), g.id, 'bench-sub-' || lpad(s::text, 2, '0') FROM "Group" g, generate_series(0, ${SUBSIDIARIES - 1}) s WHERE g.name = '${GROUP}'`);
  await db.query(`CREATE TEMP TABLE subs AS SELECT s.id, (row_number() OVER (ORDER BY s.name) - 1)::int AS n
    FROM "Subsidiary" s JOIN "Group" g ON g.id = s."groupId" WHERE g.name = '${GROUP}'`);
  await step('positions', `INSERT INTO "Position" (id, "subsidiaryId", "externalId", title, region)
    SELECT gen_random_uuid(), s.id, 'pos-' || p, 'Position ' || p, (ARRAY['East', 'West', 'North', 'South', NULL])[1 + p % 5]
    FROM subs s, generate_series(0, ${POSITIONS_PER_SUBSIDIARY - 1}) p`);
  await db.query(`CREATE TEMP TABLE pos AS SELECT p.id, s.n AS sn, substring(p."externalId" from 5)::int AS pn
    FROM "Position" p JOIN subs s ON s.id = p."subsidiaryId"; CREATE INDEX ON pos (sn, pn)`);
  await step('candidates', `INSERT INTO "Candidate" (id, "subsidiaryId", "externalId", name, phone, email, "createdAt", "updatedAt")
    SELECT gen_random_uuid(), s.id, 'c-' || c, 'Bench Candidate', '+1555' || lpad(c::text, 7, '0'), 'c' || c || '@bench.invalid', now(), now()
    FROM subs s, generate_series(0, ${CANDIDATES_PER_SUBSIDIARY - 1}) c`);
  await db.query(`CREATE TEMP TABLE cand AS SELECT c.id, s.n AS sn, substring(c."externalId" from 3)::int AS cn
    FROM "Candidate" c JOIN subs s ON s.id = c."subsidiaryId"; CREATE INDEX ON cand (sn, cn)`);
  // r (0..99) decides the outcome: 78 % attended, 8 % no-show, 5 % cancelled, 2 % late cancel,
  // 3 % a no-show rescheduled and then attended (two attempts), 4 % still scheduled.
  await db.query(`CREATE TEMP TABLE ivs AS
    SELECT i, gen_random_uuid() AS id, i % ${SUBSIDIARIES} AS sn, (i / ${SUBSIDIARIES}) % ${CANDIDATES_PER_SUBSIDIARY} AS cn,
           (i * 7) % ${POSITIONS_PER_SUBSIDIARY} AS pn, ((i::bigint * 2654435761) % 100)::int AS r,
           timestamptz '2025-01-01 00:00:00+00' + (i::double precision / ${interviews}) * interval '365 days' AS starts
    FROM generate_series(0, ${interviews - 1}) i`);
  await step('interviews', `INSERT INTO "Interview" (id, "subsidiaryId", "externalId", "workflowId", "candidateId", "positionId", status, attempt,
      "startsAt", "joinUrl", channels, policy, "attendedAt", "closedAt", outcome, "confirmedAt", "updatedAt")
    SELECT v.id, s.id, 'b' || v.i, 'bench:' || v.i, c.id, p.id,
      (CASE WHEN v.r < 78 THEN 'ATTENDED' WHEN v.r < 86 THEN 'CLOSED' WHEN v.r < 91 THEN 'CANCELLED' WHEN v.r < 93 THEN 'CLOSED'
            WHEN v.r < 96 THEN 'ATTENDED' ELSE 'SCHEDULED' END)::"InterviewStatus",
      CASE WHEN v.r BETWEEN 93 AND 95 THEN 2 ELSE 1 END,
      CASE WHEN v.r BETWEEN 93 AND 95 THEN v.starts + interval '2 days' ELSE v.starts END,
      'https://interview.bench.invalid/' || v.i,
      CASE v.i % 3 WHEN 0 THEN ARRAY['sms', 'email'] WHEN 1 THEN ARRAY['sms'] ELSE ARRAY['email'] END,
      '${JSON.stringify({ ...DEFAULT_POLICY, policyVersion: 1 })}'::jsonb,
      CASE WHEN v.r < 78 OR v.r BETWEEN 93 AND 95 THEN v.starts + interval '2 minutes' END,
      CASE WHEN v.r < 96 THEN v.starts + interval '1 hour' END,
      CASE WHEN v.r < 78 OR v.r BETWEEN 93 AND 95 THEN 'ATTENDED' WHEN v.r BETWEEN 86 AND 90 THEN 'CANCELLED'
           WHEN v.r < 86 THEN (ARRAY['NO_REASON', 'UNREACHABLE', 'FORCE_MAJEURE', 'UNANNOTATED'])[1 + v.i % 4]
           WHEN v.r < 93 THEN (ARRAY['NO_REASON', 'FORCE_MAJEURE'])[1 + v.i % 2] END,
      v.starts - interval '3 days', now()
    FROM ivs v JOIN subs s ON s.n = v.sn JOIN cand c ON c.sn = v.sn AND c.cn = v.cn JOIN pos p ON p.sn = v.sn AND p.pn = v.pn`);
  await step('records', `INSERT INTO "NoShowRecord" (id, "interviewId", attempt, kind, "scheduledStart", "detectedAt", classification, "classifiedAt", "expiresAt", "nextAttempt")
    SELECT gen_random_uuid(), v.id, 1,
      (CASE WHEN v.r BETWEEN 91 AND 92 THEN 'LATE_CANCEL' ELSE 'NO_SHOW' END)::"RecordKind", v.starts, v.starts + interval '15 minutes',
      (CASE WHEN v.r < 86 THEN (ARRAY['NO_REASON', 'UNREACHABLE', 'FORCE_MAJEURE', 'UNANNOTATED'])[1 + v.i % 4]
            WHEN v.r < 93 THEN (ARRAY['NO_REASON', 'FORCE_MAJEURE'])[1 + v.i % 2] END)::"Classification",
      CASE WHEN v.r < 93 THEN v.starts + interval '1 day' END,
      CASE WHEN v.r < 93 THEN v.starts + interval '1 year' END,
      CASE WHEN v.r BETWEEN 93 AND 95 THEN 2 END
    FROM ivs v WHERE v.r BETWEEN 78 AND 85 OR v.r BETWEEN 91 AND 95`);
  // Three messages per attempt (confirmation and two reminders) on the first channel: 70 % delivered, 25 % only sent, 5 % failed.
  await step('notifications', `INSERT INTO "Notification" (id, "interviewId", attempt, point, channel, "dueAt", status, "sentAt", "deliveryStatus", "deliveredAt")
    SELECT gen_random_uuid(), v.id, a.attempt, pt.point,
      CASE v.i % 3 WHEN 2 THEN 'email' ELSE 'sms' END, v.starts - pt.ahead,
      (CASE WHEN (v.i * 31 + pt.k) % 20 = 0 THEN 'FAILED' ELSE 'SENT' END)::"NotificationStatus",
      CASE WHEN (v.i * 31 + pt.k) % 20 <> 0 THEN v.starts - pt.ahead END,
      CASE WHEN (v.i * 31 + pt.k) % 20 = 0 THEN NULL WHEN (v.i * 31 + pt.k) % 20 <= 5 THEN 'sent' ELSE 'delivered' END,
      CASE WHEN (v.i * 31 + pt.k) % 20 > 5 THEN v.starts - pt.ahead + interval '5 seconds' END
    FROM ivs v
    JOIN LATERAL (SELECT 1 AS attempt UNION ALL SELECT 2 WHERE v.r BETWEEN 93 AND 95) a ON true
    CROSS JOIN (VALUES ('confirmation', 0, interval '3 days'), ('PT24H', 1, interval '24 hours'), ('PT1H', 2, interval '1 hour')) pt(point, k, ahead)`);
  await db.query('COMMIT');
  const t = Date.now();
  await db.query('VACUUM ANALYZE');
  log(`  vacuum analyze: ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/** The plan's shape in a few lines: total time, and each scan with the relation, index and rows it read. */
function planSummary(plan: PlanNode, depth = 0, out: string[] = []): string[] {
  const what = [plan['Node Type'], plan['Index Name'] ? `using ${plan['Index Name']}` : '', plan['Relation Name'] ? `on ${plan['Relation Name']}` : '']
    .filter(Boolean)
    .join(' ');
  const loops = plan['Actual Loops'] ?? 1;
  out.push(`${'  '.repeat(depth)}${what}  rows=${plan['Actual Rows']}${loops > 1 ? ` x${loops} loops` : ''}  ${plan['Actual Total Time']?.toFixed(1)} ms`);
  for (const child of plan.Plans ?? []) planSummary(child, depth + 1, out);
  return out;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  Plans?: PlanNode[];
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL must name a PostgreSQL server (the bench creates its own database there)');
  const name = process.env.BENCH_DATABASE ?? 'turnout_bench_report';
  const interviews = Number(process.env.BENCH_INTERVIEWS ?? 1_000_000);
  const url = await ensureDatabase(serverUrl, name, process.argv.includes('--reseed'));

  const db = new Client(poolConfigFromUrl(url));
  await db.connect();
  const seeded = await db.query(`SELECT count(*)::int AS n FROM "Interview" i JOIN "Subsidiary" s ON s.id = i."subsidiaryId"
    JOIN "Group" g ON g.id = s."groupId" WHERE g.name = '${GROUP}'`);
  if (seeded.rows[0].n === 0) {
    log(`seeding ${interviews.toLocaleString('en')} interviews for one group into ${name} …`);
    await seed(db, interviews);
  } else {
    log(`${name} already holds ${seeded.rows[0].n.toLocaleString('en')} interviews for ${GROUP} (--reseed to start over)`);
  }
  const counts = await db.query(`SELECT (SELECT count(*) FROM "Interview")::int AS interviews, (SELECT count(*) FROM "NoShowRecord")::int AS records,
    (SELECT count(*) FROM "Notification")::int AS notifications`);
  log(`rows: ${JSON.stringify(counts.rows[0])}`);
  const subsidiaryIds = (await db.query(`SELECT s.id FROM "Subsidiary" s JOIN "Group" g ON g.id = s."groupId" WHERE g.name = '${GROUP}'`)).rows.map(
    (r: { id: string }) => r.id,
  );

  const prisma = createPrisma({ url, poolSize: 2 });
  const cases: ReportDimension[][] = [[], ['subsidiary'], ['subsidiary', 'reason'], ['position', 'region'], ['channel'], ['delivered'], ['subsidiary', 'position', 'region', 'reason', 'channel', 'delivered']];
  log(`\nreport for ${MONTH}, whole group (${subsidiaryIds.length} subsidiaries), median of ${RUNS} runs after one warm-up, through Prisma:`);
  for (const groupBy of cases) {
    await computeNoShowReport(prisma, { subsidiaryIds, month: MONTH, groupBy });
    const times: number[] = [];
    let rows = 0;
    let scheduled = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      const r = await computeNoShowReport(prisma, { subsidiaryIds, month: MONTH, groupBy });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      rows = r.rows.length;
      scheduled = r.totals.scheduled;
    }
    times.sort((a, b) => a - b);
    log(`  groupBy=${groupBy.join(',') || '(none)'}: ${times[Math.floor(RUNS / 2)]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[RUNS - 1]!.toFixed(0)}), ${rows} rows, ${scheduled.toLocaleString('en')} attempts`);
  }

  for (const groupBy of [['subsidiary', 'reason'], ['delivered']] as ReportDimension[][]) {
    const sql = noShowReportSql({ subsidiaryIds, month: MONTH, groupBy });
    const explained = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql.text}`, sql.values as unknown[]);
    const doc = explained.rows[0]['QUERY PLAN'][0] as { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number };
    log(`\nEXPLAIN ANALYZE, groupBy=${groupBy.join(',')}: planning ${doc['Planning Time'].toFixed(1)} ms, execution ${doc['Execution Time'].toFixed(1)} ms`);
    for (const line of planSummary(doc.Plan)) log(`  ${line}`);
  }
  await prisma.$disconnect();
  await db.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
