/**
 * "Needs a decision": the interviews awaiting classification, oldest first,
 * with the time left before each annotation window ends.
 *
 * New no-shows arrive by polling GET /v1/awaiting-classification every few
 * seconds while the page is visible (and at once when it becomes visible
 * again). Polling rather than a server push: the no-show is written by a
 * worker process, not by the API, so a push would need the API to watch the
 * database anyway; a short poll of one indexed query works through every
 * proxy, survives an API restart without reconnect logic, and stays well
 * inside the per-user rate limit (12 of the default 600 calls a minute).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { awaiting, type AwaitingItem } from '../api';
import { useConsole } from '../context';
import { ScrollRegion } from '../scroll-region';
import { span, when } from '../format';
import { known } from '../i18n';

export const POLL_MS = 4000;

export function QueuePage() {
  const { t, locale } = useConsole();
  const [items, setItems] = useState<AwaitingItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [now, setNow] = useState(Date.now());
  const seen = useRef<Set<string> | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());

  useEffect(() => {
    document.title = `${t('queueTitle')} · ${t('appName')}`;
  }, [locale]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      clearTimeout(timer);
      if (document.visibilityState === 'visible') {
        try {
          const { items: next } = await awaiting();
          if (stopped) return;
          if (seen.current === null) seen.current = new Set(next.map((i) => i.id));
          else {
            const added = next.filter((i) => !seen.current!.has(i.id)).map((i) => i.id);
            if (added.length) {
              added.forEach((id) => seen.current!.add(id));
              setFresh((f) => new Set([...f, ...added]));
            }
          }
          setItems(next);
          setError(null);
          setUpdatedAt(new Date());
        } catch (err) {
          if (!stopped) setError((err as Error).message);
        }
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') void poll();
    };
    void poll();
    document.addEventListener('visibilitychange', onVisible);
    const clock = setInterval(() => setNow(Date.now()), 30_000);
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(clock);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);

  const freshVisible = items ? items.filter((i) => fresh.has(i.id)).length : 0;

  return (
    <main id="main">
      <h1>{t('queueTitle')}</h1>
      <p>{t('queueIntro')}</p>
      <p class="status-line">
        {/* Announced to screen readers when it changes: a new no-show is news. */}
        <span role="status" aria-live="polite" data-testid="queue-count">
          {items ? t('queueCount', { n: items.length }) : t('loading')}
          {freshVisible > 0 ? ` · ${t('queueNew', { n: freshVisible })}` : ''}
        </span>
        {updatedAt ? <span class="muted"> · {t('queueUpdated', { time: updatedAt.toLocaleTimeString(locale) })}</span> : null}
      </p>
      {error ? (
        <p role="alert" class="problem">
          {error}
        </p>
      ) : null}
      {items && items.length === 0 ? <p class="empty">{t('queueEmpty')}</p> : null}
      {items && items.length > 0 ? (
        <ScrollRegion label={t('queueTitle')}>
          <table class="queue">
            <caption class="sr-only">{t('queueTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('colCandidate')}</th>
                <th scope="col">{t('colPosition')}</th>
                <th scope="col">{t('colKind')}</th>
                <th scope="col">{t('colScheduled')}</th>
                <th scope="col">{t('colDetected')}</th>
                <th scope="col">{t('colTimeLeft')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => {
                const left = new Date(i.annotateBy).getTime() - now;
                return (
                  <tr key={i.id} class={fresh.has(i.id) ? 'fresh' : undefined} data-interview={i.interviewId}>
                    <th scope="row">
                      <a href={`/console/interviews/${encodeURIComponent(i.interviewId)}`} aria-label={t('openInterview', { name: i.candidate.name })}>
                        {i.candidate.name}
                      </a>
                      <div class="muted small">{i.interviewId}</div>
                    </th>
                    <td>{i.position.title}</td>
                    <td>
                      <span class={`badge ${i.kind === 'NO_SHOW' ? 'bad' : 'warn'}`}>{known(t, `kind${i.kind}`, i.kind)}</span>
                    </td>
                    <td>{when(locale, i.scheduledStart)}</td>
                    <td>{when(locale, i.detectedAt)}</td>
                    <td class={left < 24 * 3600_000 ? 'urgent' : undefined}>
                      {left > 0 ? t('timeLeft', { t: span(t, left) }) : t('overdue', { t: span(t, -left) })}
                      <div class="muted small">{when(locale, i.annotateBy)}</div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </main>
  );
}
