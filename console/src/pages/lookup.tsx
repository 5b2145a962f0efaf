/**
 * Candidate lookup (GET /v1/candidates/attendance): a person's records across
 * the group by phone or e-mail, as the policy lets this HR see them. The API
 * is the one judge of what a valid phone or e-mail is: the form leaves the
 * browser's own checks off and shows the API's 400 next to the field. What
 * was looked up stays out of the address bar (and so out of the history).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import { ApiProblem } from '../api';
import { useConsole } from '../context';
import { RecordTable } from '../record-table';
import { Refusal } from '../refusal';

type By = 'phone' | 'email';

export function LookupPage() {
  const { t, locale } = useConsole();
  const [by, setBy] = useState<By>('phone');
  const [value, setValue] = useState('');
  const [result, setResult] = useState<api.Attendance | null>(null);
  const [invalid, setInvalid] = useState<ApiProblem | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = `${t('lookupTitle')} · ${t('appName')}`;
  }, [locale]);

  async function submit(e: Event) {
    e.preventDefault();
    setInvalid(null);
    setProblem(null);
    setResult(null);
    setBusy(true);
    try {
      setResult(await api.lookUp(by, value.trim()));
    } catch (err) {
      if (!(err instanceof ApiProblem)) throw err;
      if (err.status === 400) {
        setInvalid(err);
        field.current?.focus();
      } else setProblem(err);
    } finally {
      setBusy(false);
    }
  }

  const choose = (next: By) => {
    setBy(next);
    setInvalid(null);
  };

  return (
    <main id="main">
      <h1>{t('lookupTitle')}</h1>
      <p class="muted">{t('lookupIntro')}</p>
      <form onSubmit={submit} noValidate class="lookup" aria-label={t('lookupTitle')}>
        <fieldset>
          <legend>{t('lookupBy')}</legend>
          {(['phone', 'email'] as const).map((b) => (
            <span class="choice inline" key={b}>
              <input type="radio" id={`by-${b}`} name="by" value={b} checked={by === b} onChange={() => choose(b)} />
              <label for={`by-${b}`}>{t(b === 'phone' ? 'lookupByPhone' : 'lookupByEmail')}</label>
            </span>
          ))}
        </fieldset>
        <label for="contact">{t(by === 'phone' ? 'lookupPhone' : 'lookupEmail')}</label>
        <input
          ref={field}
          id="contact"
          name={by}
          type={by === 'phone' ? 'tel' : 'email'}
          autoComplete="off"
          required
          value={value}
          aria-invalid={invalid ? 'true' : undefined}
          aria-describedby={invalid ? 'contact-error' : undefined}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
        />
        {invalid ? (
          <p id="contact-error" class="field-error" data-testid="contact-error">
            {t(by === 'phone' ? 'lookupInvalid_phone' : 'lookupInvalid_email')} <span class="small">{invalid.message}</span>
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {t('lookupSubmit')}
        </button>
      </form>
      <Refusal problem={problem} />
      <section aria-live="polite" aria-label={t('sectionRecord')}>
        {result && result.records.length === 0 ? <p data-testid="lookup-summary">{t('lookupNone')}</p> : null}
        {result && result.records.length > 0 ? (
          <>
            <p data-testid="lookup-summary">{t('lookupMatched', { n: result.matchedSubsidiaries, records: result.records.length })}</p>
            <RecordTable records={result.records} label={t('sectionRecord')} />
          </>
        ) : null}
      </section>
    </main>
  );
}
