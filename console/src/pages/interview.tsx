/**
 * One interview, everything HR weighs before deciding: its schedule and
 * state, every reminder with its delivery receipt, the evidence trail as a
 * timeline with the chain's verification, the candidate's record across the
 * group as the policy lets this HR see it; and the two decisions, classify
 * (with a note) and reschedule. A refusal by the API or the workflow is shown
 * in words, in the reader's language, next to the form.
 */
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import * as api from '../api';
import { ApiProblem } from '../api';
import { useConsole } from '../context';
import { RecordTable } from '../record-table';
import { Refusal } from '../refusal';
import { ScrollRegion } from '../scroll-region';
import { when } from '../format';
import { known, type MessageKey } from '../i18n';

const CLASSIFICATIONS = ['FORCE_MAJEURE', 'UNREACHABLE', 'NO_REASON'] as const;
const AWAITING = ['NO_SHOW', 'LATE_CANCELLED'];

interface Loaded {
  detail: api.InterviewDetail;
  evidence: api.Evidence;
  attendance: api.Attendance | null;
}

/** The few facts of an evidence row worth a glance; the rest stays in the hash. */
function details(data: Record<string, unknown>): string {
  const keys = ['channel', 'point', 'status', 'outcome', 'classification', 'from', 'to', 'startsAt', 'ip', 'by', 'reason', 'error'];
  return keys
    .filter((k) => data[k] !== undefined && data[k] !== null && typeof data[k] !== 'object')
    .map((k) => `${k}: ${String(data[k])}`)
    .join(' · ');
}

/** A datetime-local value for now + 2 days, in the reader's zone. */
function defaultNewStart(): string {
  const d = new Date(Date.now() + 2 * 86400_000);
  d.setMinutes(0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function InterviewPage() {
  const { t, locale, session } = useConsole();
  const { params } = useRoute();
  const id = params.id ?? '';
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [missing, setMissing] = useState<ApiProblem | null>(null);
  const [classification, setClassification] = useState<string>('');
  const [note, setNote] = useState('');
  const [classifyProblem, setClassifyProblem] = useState<ApiProblem | null>(null);
  const [classifyState, setClassifyState] = useState<'idle' | 'sending' | 'pending' | 'done'>('idle');
  const [newStart, setNewStart] = useState(defaultNewStart());
  const [reason, setReason] = useState('');
  const [rescheduleProblem, setRescheduleProblem] = useState<ApiProblem | null>(null);
  const [rescheduled, setRescheduled] = useState<string | null>(null);
  const canWrite = session.may.write;

  async function load(): Promise<api.InterviewDetail | null> {
    try {
      const [detail, trail] = await Promise.all([api.interview(id), api.evidence(id)]);
      const attendance = await api.attendance(id).catch(() => null);
      setLoaded({ detail, evidence: trail, attendance });
      return detail;
    } catch (err) {
      if (err instanceof ApiProblem) setMissing(err);
      return null;
    }
  }

  useEffect(() => {
    setLoaded(null);
    setMissing(null);
    void load();
  }, [id]);

  useEffect(() => {
    document.title = `${t('interviewTitle', { id })} · ${t('appName')}`;
  }, [id, locale]);

  /** The API accepts at once (202); the projection follows when the workflow has recorded the change. */
  async function until(done: (d: api.InterviewDetail) => boolean): Promise<void> {
    for (let i = 0; i < 30; i++) {
      const d = await load();
      if (d && done(d)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async function submitClassification(e: Event) {
    e.preventDefault();
    setClassifyProblem(null);
    setClassifyState('sending');
    try {
      await api.classify(id, classification, note.trim());
      setClassifyState('pending');
      await until((d) => !AWAITING.includes(d.status));
      setClassifyState('done');
    } catch (err) {
      setClassifyState('idle');
      if (err instanceof ApiProblem) setClassifyProblem(err);
      else throw err;
    }
  }

  async function submitReschedule(e: Event) {
    e.preventDefault();
    setRescheduleProblem(null);
    setRescheduled(null);
    const at = new Date(newStart);
    if (Number.isNaN(at.getTime())) {
      setRescheduleProblem(new ApiProblem(400, 'invalid_request', 'startsAt is not a valid time'));
      return;
    }
    try {
      const res = await api.reschedule(id, at.toISOString(), reason.trim() || undefined);
      setRescheduled(res.startsAt);
      await until((d) => d.startsAt === res.startsAt);
    } catch (err) {
      if (err instanceof ApiProblem) setRescheduleProblem(err);
      else throw err;
    }
  }

  if (missing)
    return (
      <main id="main">
        <p>
          <a href="/console">← {t('backToQueue')}</a>
        </p>
        <h1>{t('interviewTitle', { id })}</h1>
        <p role="alert" class="problem">
          {missing.status === 404 ? t('notFound') : missing.message}
        </p>
      </main>
    );
  if (!loaded)
    return (
      <main id="main" aria-busy="true">
        <p>{t('loading')}</p>
      </main>
    );

  const { detail: d, evidence: ev, attendance } = loaded;
  const awaiting = AWAITING.includes(d.status);
  const status = (s: string) => known(t, s, s);
  const classLabel = (c: string | null) => (c ? known(t, c, c) : '—');

  return (
    <main id="main">
      <p>
        <a href="/console">← {t('backToQueue')}</a>
      </p>
      <h1>
        {d.candidate.name} · {d.position.title}
      </h1>
      <p class="muted">{t('interviewTitle', { id: d.interviewId })}</p>

      <section aria-labelledby="h-schedule">
        <h2 id="h-schedule">{t('sectionSchedule')}</h2>
        <dl class="facts">
          <dt>{t('status')}</dt>
          <dd>
            <span class={`badge ${awaiting ? 'bad' : ''}`} data-testid="status">
              {status(d.status)}
            </span>
          </dd>
          <dt>{t('startsAt')}</dt>
          <dd>{when(locale, d.startsAt)}</dd>
          <dt>{t('confirmedAt')}</dt>
          <dd>{when(locale, d.confirmedAt)}</dd>
          {d.attendedAt ? (
            <>
              <dt>{t('attendedAt')}</dt>
              <dd>{when(locale, d.attendedAt)}</dd>
            </>
          ) : null}
          {d.closedAt ? (
            <>
              <dt>{t('closedAt')}</dt>
              <dd>{when(locale, d.closedAt)}</dd>
            </>
          ) : null}
          {d.outcome ? (
            <>
              <dt>{t('outcome')}</dt>
              <dd data-testid="outcome">{classLabel(d.outcome)}</dd>
            </>
          ) : null}
          <dt>{t('attempt')}</dt>
          <dd>{d.attempt}</dd>
          <dt>{t('channels')}</dt>
          <dd>{d.channels.join(', ')}</dd>
          {d.next ? (
            <>
              <dt>{t('nextStep')}</dt>
              <dd>
                {d.next.step}
                {d.next.at ? ` · ${when(locale, d.next.at)}` : ''}
              </dd>
            </>
          ) : null}
        </dl>
        {d.schedule.length > 0 ? (
          <>
            <h3>{t('scheduleChanges')}</h3>
            <ul>
              {d.schedule.map((c) => (
                <li key={c.at}>
                  {when(locale, c.at)}:{' '}
                  {c.change === 'confirmed'
                    ? t('changeConfirmed', { to: when(locale, c.startsAt) })
                    : t('changeRescheduled', { from: when(locale, c.from), to: when(locale, c.startsAt), by: c.by ?? '—' })}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>

      {awaiting || rescheduled || classifyState !== 'idle' ? (
        <section aria-labelledby="h-actions" class="actions">
          <h2 id="h-actions">{t('sectionActions')}</h2>
          {!canWrite ? <p>{t('readOnly')}</p> : null}
          {canWrite ? (
            <div class="forms">
              <form onSubmit={submitClassification} aria-labelledby="h-classify">
                <fieldset>
                  <legend id="h-classify">{t('classifyLegend')}</legend>
                  {CLASSIFICATIONS.map((c) => (
                    <div class="choice" key={c}>
                      <input
                        type="radio"
                        id={`c-${c}`}
                        name="classification"
                        value={c}
                        required
                        checked={classification === c}
                        onChange={() => setClassification(c)}
                        aria-describedby={`c-${c}-help`}
                      />
                      <label for={`c-${c}`}>{t(c)}</label>
                      <div id={`c-${c}-help`} class="muted small">
                        {t(`${c}_help` as MessageKey)}
                      </div>
                    </div>
                  ))}
                </fieldset>
                <label for="note">{t('classifyNote')}</label>
                <textarea id="note" required maxLength={4000} rows={3} value={note} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
                <button type="submit" disabled={classifyState === 'sending' || classifyState === 'pending' || !awaiting}>
                  {t('classifySubmit')}
                </button>
                <p role="status" aria-live="polite">
                  {classifyState === 'pending' ? t('classifyPending') : classifyState === 'done' ? t('classifyDone') : ''}
                </p>
                <Refusal problem={classifyProblem} />
              </form>
              <form onSubmit={submitReschedule} aria-labelledby="h-reschedule">
                <h3 id="h-reschedule">{t('rescheduleTitle')}</h3>
                <label for="starts">{t('rescheduleAt')}</label>
                <input id="starts" type="datetime-local" required value={newStart} onInput={(e) => setNewStart((e.currentTarget as HTMLInputElement).value)} />
                <label for="reason">{t('rescheduleReason')}</label>
                <input id="reason" type="text" maxLength={1000} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
                <button type="submit">{t('rescheduleSubmit')}</button>
                <p role="status" aria-live="polite">
                  {rescheduled ? t('rescheduleDone', { to: when(locale, rescheduled) }) : ''}
                </p>
                <Refusal problem={rescheduleProblem} />
              </form>
            </div>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="h-reminders">
        <h2 id="h-reminders">{t('sectionReminders')}</h2>
        {d.reminders.length === 0 ? (
          <p>{t('noReminders')}</p>
        ) : (
          <ScrollRegion label={t('sectionReminders')}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('attempt')}</th>
                  <th scope="col">{t('colPoint')}</th>
                  <th scope="col">{t('colChannel')}</th>
                  <th scope="col">{t('colDue')}</th>
                  <th scope="col">{t('colStatus')}</th>
                  <th scope="col">{t('colSent')}</th>
                  <th scope="col">{t('colDelivery')}</th>
                </tr>
              </thead>
              <tbody>
                {d.reminders.map((r) => (
                  <tr key={`${r.attempt}-${r.point}-${r.channel}`}>
                    <td>{r.attempt}</td>
                    <td>{r.point}</td>
                    <td>{r.channel}</td>
                    <td>{when(locale, r.dueAt)}</td>
                    <td>{r.status}</td>
                    <td>{when(locale, r.sentAt)}</td>
                    <td>{r.delivery ?? t('noReceipt')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </section>

      <section aria-labelledby="h-timeline">
        <h2 id="h-timeline">{t('sectionTimeline')}</h2>
        <p class={ev.chain.ok ? 'ok' : 'problem'} data-testid="chain">
          {ev.chain.ok ? `✓ ${t('chainOk', { n: ev.items.length })}` : `✗ ${t('chainBroken', { seq: ev.chain.brokenAtSeq ?? '?' })}`}
        </p>
        <ol class="timeline">
          {ev.items.map((e) => (
            <li key={e.seq} data-kind={e.kind}>
              <time dateTime={e.at}>{when(locale, e.at)}</time>
              <strong>{known(t, `ev_${e.kind}`, e.kind)}</strong>
              <span class="muted small">{details(e.data)}</span>
              <code class="hash" title={e.hash}>
                #{e.seq} {e.hash.slice(0, 12)}
              </code>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="h-record">
        <h2 id="h-record">{t('sectionRecord')}</h2>
        <p class="muted">{t('recordIntro')}</p>
        {!attendance || attendance.records.length === 0 ? (
          <p>{t('recordNone')}</p>
        ) : (
          <RecordTable records={attendance.records} label={t('sectionRecord')} />
        )}
      </section>
    </main>
  );
}
