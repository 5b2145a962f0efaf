import type { Attendance } from './api';
import { useConsole } from './context';
import { when } from './format';
import { known } from './i18n';
import { ScrollRegion } from './scroll-region';

/**
 * A person's records across the group (GET /v1/candidates/attendance or
 * /v1/interviews/:id/attendance), as the policy lets this HR see them. The
 * API names an interview only in the caller's own scope: those link to
 * their page, another subsidiary's stay a name.
 */
export function RecordTable(props: { records: Attendance['records']; label: string }) {
  const { t, locale } = useConsole();
  return (
    <ScrollRegion label={props.label}>
      <table data-testid="record-table">
        <thead>
          <tr>
            <th scope="col">{t('colDate')}</th>
            <th scope="col">{t('colClassification')}</th>
            <th scope="col">{t('colKindRecord')}</th>
            <th scope="col">{t('colSubsidiary')}</th>
            <th scope="col">{t('colPosition')}</th>
            <th scope="col">{t('colReminders')}</th>
            <th scope="col">{t('colDispute')}</th>
            <th scope="col">{t('colExpires')}</th>
            <th scope="col">{t('colInterview')}</th>
          </tr>
        </thead>
        <tbody>
          {props.records.map((r) => (
            <tr key={r.recordId} data-record={r.recordId}>
              <td>{when(locale, r.date)}</td>
              <td>{known(t, r.classification, r.classification)}</td>
              <td>{known(t, `kind${r.kind}`, r.kind)}</td>
              <td>{r.subsidiary.name}</td>
              <td>{r.position.title}</td>
              <td>{t('remindersSummary', { sent: r.reminders.sent, delivered: r.reminders.delivered })}</td>
              <td>{r.dispute ? `${known(t, `disputes_${r.dispute.status}`, r.dispute.status)} · ${when(locale, r.dispute.openedAt)}` : '—'}</td>
              <td>{when(locale, r.expiresAt)}</td>
              <td>
                {r.interviewId ? (
                  <a href={`/console/interviews/${encodeURIComponent(r.interviewId)}`}>{r.interviewId}</a>
                ) : (
                  <span class="muted">{t('otherSubsidiary')}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
