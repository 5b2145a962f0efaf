/**
 * Reports: one month's no-show rate by a chosen dimension, as a bar chart
 * with the table beside it and a CSV download, and the rate's trend over the
 * last 12 months. Everything comes from GET /v1/reports/no-shows; the chart
 * library loads with this page only. Each chart is an image named by what it
 * shows; the table holds the same numbers for a screen reader and the keyboard.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReportDimension } from '../../../domain/reports';
import * as api from '../api';
import { drawBars, drawTrend } from '../charts';
import { useConsole } from '../context';
import { ScrollRegion } from '../scroll-region';
import { percent } from '../format';
import { known, type MessageKey, type T } from '../i18n';

type Dimension = ReportDimension;
/** The choices of "grouped by", in the API's order (REPORT_DIMENSIONS, which is server code and stays out of the bundle). */
export const DIMENSIONS: readonly Dimension[] = ['subsidiary', 'position', 'region', 'reason', 'channel', 'delivered', 'hour', 'weekday', 'remindersReached', 'leadTime'];

/** The column(s) of a report row that name its group. */
function rowLabel(t: T, dim: Dimension, row: api.ReportRow): string {
  const v = (k: keyof api.ReportRow) => (row[k] === null || row[k] === undefined ? t('unknown') : String(row[k]));
  switch (dim) {
    case 'subsidiary':
      return v('subsidiaryName');
    case 'position':
      return v('positionTitle');
    case 'reason':
      return row.reason ? known(t, String(row.reason), String(row.reason)) : t('unknown');
    case 'delivered':
      return row.delivered ? known(t, `delivered_${row.delivered}`, String(row.delivered)) : t('unknown');
    case 'weekday':
      return row.weekday ? known(t, `weekday${row.weekday}`, String(row.weekday)) : t('unknown');
    case 'hour':
      return row.hour === null || row.hour === undefined ? t('unknown') : `${String(row.hour).padStart(2, '0')}:00`;
    default:
      return v(dim);
  }
}

function monthOf(d: Date): string {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function lastMonths(end: string, n: number): string[] {
  const [y, m] = end.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => monthOf(new Date(Date.UTC(y, m - 1 - (n - 1 - i), 1))));
}

export function ReportsPage() {
  const { t, locale } = useConsole();
  const initial = new URLSearchParams(location.search);
  const [month, setMonth] = useState(initial.get('month') ?? monthOf(new Date()));
  const [dim, setDim] = useState<Dimension>((DIMENSIONS as readonly string[]).includes(initial.get('groupBy') ?? '') ? (initial.get('groupBy') as Dimension) : 'subsidiary');
  const [report, setReport] = useState<api.Report | null>(null);
  const [trend, setTrend] = useState<{ month: string; rate: number | null }[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const bars = useRef<HTMLDivElement>(null);
  const line = useRef<HTMLDivElement>(null);

  useEffect(() => {
    document.title = `${t('reportsTitle')} · ${t('appName')}`;
  }, [locale]);

  useEffect(() => {
    setProblem(null);
    history.replaceState(null, '', `/console/reports?month=${month}&groupBy=${dim}`);
    api.report(month, dim).then(setReport, (e: Error) => setProblem(e.message));
  }, [month, dim]);

  useEffect(() => {
    const months = lastMonths(month, 12);
    Promise.all(months.map((m) => api.report(m, ''))).then(
      (rs) => setTrend(rs.map((r, i) => ({ month: months[i]!, rate: r.totals.noShowRate }))),
      (e: Error) => setProblem(e.message),
    );
  }, [month]);

  const dimName = t(`dim_${dim}` as MessageKey);
  useEffect(() => {
    if (!report || !bars.current) return;
    const chart = drawBars(bars.current, report.rows.map((r) => rowLabel(t, dim, r)), report.rows.map((r) => r.noShowRate), t('colRate'));
    const resize = () => chart.resize();
    addEventListener('resize', resize);
    return () => removeEventListener('resize', resize);
  }, [report, locale]);
  useEffect(() => {
    if (!trend || !line.current) return;
    const chart = drawTrend(line.current, trend.map((p) => p.month), trend.map((p) => p.rate), t('colRate'));
    const resize = () => chart.resize();
    addEventListener('resize', resize);
    return () => removeEventListener('resize', resize);
  }, [trend, locale]);

  async function downloadCsv() {
    const text = await api.reportCsv(month, dim);
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `no-shows-${month}-${dim}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const summary = (r: api.Report) =>
    r.rows.map((row) => `${rowLabel(t, dim, row)} ${percent(locale, row.noShowRate)}`).join('; ');

  return (
    <main id="main">
      <h1>{t('reportsTitle')}</h1>
      <p>{t('reportsIntro')}</p>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('month')}{' '}
          <input type="month" value={month} required onChange={(e) => (e.currentTarget as HTMLInputElement).value && setMonth((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('dimension')}{' '}
          <select value={dim} onChange={(e) => setDim((e.currentTarget as HTMLSelectElement).value as Dimension)}>
            {DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {t(`dim_${d}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void downloadCsv()}>
          {t('downloadCsv')}
        </button>
      </form>
      {problem ? (
        <p role="alert" class="problem">
          {problem}
        </p>
      ) : null}
      <div class="report-grid">
        <section aria-labelledby="h-bars">
          <h2 id="h-bars">{t('chartRate', { dim: dimName, month })}</h2>
          <div
            ref={bars}
            class="chart"
            role="img"
            data-testid="chart-bars"
            aria-label={report ? `${t('chartRate', { dim: dimName, month })}: ${summary(report) || t('noData')}` : t('loading')}
          />
        </section>
        <section aria-labelledby="h-table">
          <h2 id="h-table" class="sr-only">
            {t('tableCaption', { dim: dimName, month })}
          </h2>
          {report ? (
            <ScrollRegion label={t('tableCaption', { dim: dimName, month })}>
              <table data-testid="report-table">
                <caption>{t('tableCaption', { dim: dimName, month })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{dimName}</th>
                    <th scope="col">{t('colScheduledN')}</th>
                    <th scope="col">{t('colAttended')}</th>
                    <th scope="col">{t('colNoShow')}</th>
                    <th scope="col">{t('colLateCancel')}</th>
                    <th scope="col">{t('colCancelled')}</th>
                    <th scope="col">{t('colOpen')}</th>
                    <th scope="col">{t('colRate')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.rows.map((r, i) => (
                    <tr key={i}>
                      <th scope="row">{rowLabel(t, dim, r)}</th>
                      <td>{r.scheduled}</td>
                      <td>{r.attended}</td>
                      <td>{r.noShow}</td>
                      <td>{r.lateCancel}</td>
                      <td>{r.cancelled}</td>
                      <td>{r.open}</td>
                      <td>{percent(locale, r.noShowRate)}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">{t('total')}</th>
                    <td>{report.totals.scheduled}</td>
                    <td>{report.totals.attended}</td>
                    <td>{report.totals.noShow}</td>
                    <td>{report.totals.lateCancel}</td>
                    <td>{report.totals.cancelled}</td>
                    <td>{report.totals.open}</td>
                    <td>{percent(locale, report.totals.noShowRate)}</td>
                  </tr>
                </tfoot>
              </table>
            </ScrollRegion>
          ) : (
            <p aria-busy="true">{t('loading')}</p>
          )}
        </section>
      </div>
      <section aria-labelledby="h-trend">
        <h2 id="h-trend">{t('chartTrend')}</h2>
        <div
          ref={line}
          class="chart wide"
          role="img"
          data-testid="chart-trend"
          aria-label={trend ? `${t('chartTrend')}: ${trend.map((p) => `${p.month} ${percent(locale, p.rate)}`).join('; ')}` : t('loading')}
        />
      </section>
    </main>
  );
}
