/**
 * HR alerts (GET /v1/alerts): what Turnout told HR about and whether it
 * reached them (each delivery), newest first; unread only or all; marking
 * one read keeps who read it first.
 */
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import { ApiProblem } from '../api';
import { useConsole } from '../context';
import { when } from '../format';
import { known } from '../i18n';
import { ScrollRegion } from '../scroll-region';

export function AlertsPage() {
  const { t, locale, session } = useConsole();
  const [unread, setUnread] = useState(true);
  const [items, setItems] = useState<api.Alert[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = () =>
    api.alerts(unread).then(
      (r) => {
        setItems(r.items);
        setProblem(null);
      },
      (e: Error) => setProblem(e.message),
    );

  useEffect(() => {
    document.title = `${t('alertsTitle')} · ${t('appName')}`;
  }, [locale]);
  useEffect(() => {
    void load();
  }, [unread]);

  async function markRead(id: string) {
    try {
      const updated = await api.markAlertRead(id);
      setItems((list) => (list ?? []).map((a) => (a.id === id ? updated : a)));
    } catch (err) {
      setProblem(err instanceof ApiProblem ? err.message : String(err));
    }
  }

  return (
    <main id="main">
      <h1>{t('alertsTitle')}</h1>
      <label class="toggle">
        <input type="checkbox" checked={unread} onChange={(e) => setUnread((e.currentTarget as HTMLInputElement).checked)} /> {t('alertsUnreadOnly')}
      </label>
      {problem ? (
        <p role="alert" class="problem">
          {problem}
        </p>
      ) : null}
      {items && items.length === 0 ? <p>{t('alertsNone')}</p> : null}
      {items && items.length > 0 ? (
        <ScrollRegion label={t('alertsTitle')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colKind')}</th>
                <th scope="col">{t('colInterview')}</th>
                <th scope="col">{t('colRaised')}</th>
                <th scope="col">{t('colDeadline')}</th>
                <th scope="col">{t('colDeliveries')}</th>
                <th scope="col">{t('colRead')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id} data-alert={a.id} data-interview={a.interview.interviewId}>
                  <td>{known(t, `alert_${a.kind}`, a.kind)}</td>
                  <td>
                    <a href={`/console/interviews/${encodeURIComponent(a.interview.interviewId)}`}>{a.interview.interviewId}</a>
                    <div class="muted small">{known(t, a.interview.status, a.interview.status)}</div>
                  </td>
                  <td>{when(locale, a.createdAt)}</td>
                  <td>{when(locale, a.classificationDeadline)}</td>
                  <td>
                    {a.deliveries.length === 0
                      ? '—'
                      : a.deliveries.map((d) => (
                          <div key={d.id} class="small">
                            {d.channel} → {d.destination}: {d.status}
                          </div>
                        ))}
                  </td>
                  <td>
                    {a.readAt ? (
                      <span>{t('alertReadBy', { who: a.readBy ?? '—', at: when(locale, a.readAt) })}</span>
                    ) : !session.may.write ? (
                      t('alertUnread')
                    ) : (
                      <button type="button" onClick={() => void markRead(a.id)} aria-label={t('alertMarkReadOf', { id: a.interview.interviewId })}>
                        {t('alertMarkRead')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </main>
  );
}
