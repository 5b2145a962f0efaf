/**
 * Disputes (GET /v1/disputes): candidates contesting a "No reason" record
 * through their self-service link, oldest first, each with what HR weighs
 * (the statement, the record, a link to the interview's evidence) and, for
 * roles that may decide, the decision the API takes: uphold, or reclassify
 * as force majeure or unreachable, with a note. Decided ones stay readable
 * under their own status.
 */
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import { ApiProblem } from '../api';
import { useConsole } from '../context';
import { when } from '../format';
import { known, refusal } from '../i18n';
import { Refusal } from '../refusal';

const STATUSES: api.DisputeStatus[] = ['OPEN', 'UPHELD', 'RECLASSIFIED'];
/** The API's decisions (api/schemas/records.ts, RESOLVE_VARIANTS): reclassifying never makes a record negative. */
const CHOICES = ['uphold', 'FORCE_MAJEURE', 'UNREACHABLE'] as const;
type Choice = (typeof CHOICES)[number];

function decisionOf(choice: Choice, note: string): api.DisputeDecision {
  return choice === 'uphold' ? { decision: 'uphold', note } : { decision: 'reclassify', classification: choice, note };
}

function DecisionForm(props: { dispute: api.Dispute; onDecided: (d: api.Dispute) => void }) {
  const { t } = useConsole();
  const id = props.dispute.id;
  const [choice, setChoice] = useState<Choice | null>(null);
  const [note, setNote] = useState('');
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const label = (c: Choice) => (c === 'uphold' ? t('disputeUphold') : t('disputeReclassify', { to: t(c) }));

  async function submit(e: Event) {
    e.preventDefault();
    if (!choice) return;
    setProblem(null);
    setSending(true);
    try {
      props.onDecided(await api.resolveDispute(id, decisionOf(choice, note.trim())));
    } catch (err) {
      if (err instanceof ApiProblem) setProblem(err);
      else throw err;
    } finally {
      setSending(false);
    }
  }

  return (
    <form onSubmit={submit} class="decide">
      <fieldset>
        <legend>{t('disputeDecision')}</legend>
        {CHOICES.map((c) => (
          <div class="choice" key={c}>
            <input type="radio" id={`d-${id}-${c}`} name={`decision-${id}`} value={c} required checked={choice === c} onChange={() => setChoice(c)} />
            <label for={`d-${id}-${c}`}>{label(c)}</label>
          </div>
        ))}
      </fieldset>
      <label for={`d-${id}-note`}>{t('disputeNote')}</label>
      <textarea id={`d-${id}-note`} required maxLength={4000} rows={2} value={note} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
      <button type="submit" disabled={sending}>
        {t('disputeSubmit')}
      </button>
      <p role="status" aria-live="polite">
        {sending ? t('disputeSending') : ''}
      </p>
      <Refusal problem={problem} />
    </form>
  );
}

function DisputeCard(props: { dispute: api.Dispute; onDecided: (d: api.Dispute) => void }) {
  const { t, locale, session } = useConsole();
  const d = props.dispute;
  const headingId = `h-dispute-${d.id}`;
  const classLabel = (c: string | null) => (c ? known(t, c, c) : '—');
  const decided = d.status === 'OPEN' ? null : t(d.status === 'UPHELD' ? 'disputes_UPHELD' : 'disputes_RECLASSIFIED');
  return (
    <article class="dispute" aria-labelledby={headingId} data-dispute={d.id} data-interview={d.interview.interviewId}>
      <h2 id={headingId}>{t('disputeOf', { name: d.candidate.name, position: d.position.title })}</h2>
      <dl class="facts">
        <dt>{t('disputeOpened')}</dt>
        <dd>{when(locale, d.openedAt)}</dd>
        <dt>{t('disputeMissed')}</dt>
        <dd>
          {when(locale, d.record.scheduledStart)} · {t('attempt')} {d.record.attempt} · {known(t, `kind${d.record.kind}`, d.record.kind)}
        </dd>
        <dt>{t('disputeRecord')}</dt>
        <dd>
          {classLabel(d.record.classification)}
          {d.record.expiresAt ? ` · ${t('colExpires')} ${when(locale, d.record.expiresAt)}` : ''}
        </dd>
      </dl>
      <h3>{t('disputeStatement')}</h3>
      <blockquote class="statement">{d.statement ?? t('disputeNoStatement')}</blockquote>
      <p>
        <a href={`/console/interviews/${encodeURIComponent(d.interview.interviewId)}`} aria-label={t('disputeEvidenceOf', { id: d.interview.interviewId })}>
          {t('disputeEvidence')}
        </a>
      </p>
      {decided ? (
        <p class="ok" data-testid="decision">
          {t('disputeDecided', { decision: `${decided} (${classLabel(d.toClassification)})`, who: d.resolvedBy ?? '—', at: when(locale, d.resolvedAt) })}
          {d.note ? <span class="muted small"> · {d.note}</span> : null}
        </p>
      ) : session.may.write ? (
        <DecisionForm dispute={d} onDecided={props.onDecided} />
      ) : null}
    </article>
  );
}

export function DisputesPage() {
  const { t, locale, session } = useConsole();
  const [status, setStatus] = useState<api.DisputeStatus>('OPEN');
  const [items, setItems] = useState<api.Dispute[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');

  useEffect(() => {
    document.title = `${t('disputesTitle')} · ${t('appName')}`;
  }, [locale]);
  useEffect(() => {
    setItems(null);
    api.disputes(status).then(
      (r) => {
        setItems(r.items);
        setProblem(null);
      },
      (e: unknown) => setProblem(e instanceof ApiProblem ? refusal(t, e) : String(e)),
    );
  }, [status]);

  // A decided dispute stays in place until the list is reloaded, showing its decision.
  const decided = (d: api.Dispute) => {
    setItems((list) => (list ?? []).map((x) => (x.id === d.id ? d : x)));
    setAnnounce(t('disputeDone', { decision: t(d.status === 'UPHELD' ? 'disputes_UPHELD' : 'disputes_RECLASSIFIED') }));
  };

  return (
    <main id="main">
      <h1>{t('disputesTitle')}</h1>
      <p class="muted">{t('disputesIntro')}</p>
      {!session.may.write ? <p>{t('disputeReadOnly')}</p> : null}
      <div class="filters">
        <label>
          {t('disputesShow')}{' '}
          <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value as api.DisputeStatus)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`disputes_${s}`)}
              </option>
            ))}
          </select>
        </label>
        {items ? <span data-testid="disputes-count">{t('disputesCount', { n: items.length })}</span> : null}
      </div>
      <p role="status" aria-live="polite" class="sr-only">
        {announce}
      </p>
      {problem ? (
        <p role="alert" class="problem">
          {problem}
        </p>
      ) : null}
      {items === null && !problem ? <p aria-busy="true">{t('loading')}</p> : null}
      {items && items.length === 0 ? <p>{t('disputesNone')}</p> : null}
      {items?.map((d) => <DisputeCard key={d.id} dispute={d} onDecided={decided} />)}
    </main>
  );
}
