/**
 * The group policy (group HR only, as the API allows): the current policy as
 * a form, saved whole with PUT and If-Match, so a change made meanwhile by
 * someone else is refused rather than overwritten. The form checks nothing
 * itself: the API's 400 names each field it refuses, and its message is shown
 * at that field (aria-invalid, aria-describedby). The history page lists every
 * recorded version with who set it and what it changed.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import { ApiProblem } from '../api';
import { useConsole } from '../context';
import { when } from '../format';
import type { MessageKey, T } from '../i18n';
import { ScrollRegion } from '../scroll-region';

type Policy = api.PolicyView['policy'];

/** The form's inputs, keyed by the field name the API's errors use. */
interface Draft {
  reminderOffsets: string;
  channels: string[];
  quietHours: boolean;
  'quietHours.start': string;
  'quietHours.end': string;
  grace: string;
  annotationWindow: string;
  'retention.NO_REASON': string;
  'retention.UNREACHABLE': string;
  disputeWindow: string;
  shareAcrossSubsidiaries: boolean;
  'selfService.maxReschedules': string;
  'selfService.cutoff': string;
}
type FieldName = keyof Draft;
const FIELD_NAMES = [
  'reminderOffsets',
  'channels',
  'quietHours',
  'quietHours.start',
  'quietHours.end',
  'grace',
  'annotationWindow',
  'retention.NO_REASON',
  'retention.UNREACHABLE',
  'disputeWindow',
  'shareAcrossSubsidiaries',
  'selfService.maxReschedules',
  'selfService.cutoff',
] as const satisfies readonly FieldName[];

const CHANNELS = ['sms', 'email'] as const;

function draftOf(p: Policy): Draft {
  return {
    reminderOffsets: p.reminderOffsets.join(', '),
    channels: [...p.channels],
    quietHours: p.quietHours !== null,
    // Kept while quiet hours are off, so turning them back on starts from sensible times.
    'quietHours.start': p.quietHours?.start ?? '22:00',
    'quietHours.end': p.quietHours?.end ?? '08:00',
    grace: p.grace,
    annotationWindow: p.annotationWindow,
    'retention.NO_REASON': p.retention.NO_REASON,
    'retention.UNREACHABLE': p.retention.UNREACHABLE,
    disputeWindow: p.disputeWindow,
    shareAcrossSubsidiaries: p.shareAcrossSubsidiaries,
    'selfService.maxReschedules': String(p.selfService.maxReschedules),
    'selfService.cutoff': p.selfService.cutoff,
  };
}

/** The PUT body: what the form holds, as typed; a count that is not a whole number goes as typed, for the API to name. */
function bodyOf(d: Draft): unknown {
  const count = d['selfService.maxReschedules'].trim();
  return {
    reminderOffsets: d.reminderOffsets
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    grace: d.grace.trim(),
    annotationWindow: d.annotationWindow.trim(),
    quietHours: d.quietHours ? { start: d['quietHours.start'], end: d['quietHours.end'] } : null,
    selfService: { maxReschedules: /^-?\d+$/.test(count) ? Number(count) : count, cutoff: d['selfService.cutoff'].trim() },
    retention: { NO_REASON: d['retention.NO_REASON'].trim(), UNREACHABLE: d['retention.UNREACHABLE'].trim() },
    disputeWindow: d.disputeWindow.trim(),
    shareAcrossSubsidiaries: d.shareAcrossSubsidiaries,
    channels: CHANNELS.filter((c) => d.channels.includes(c)),
  };
}

/** Longest first, so that `quietHours.start` is found before `quietHours`. */
const FIELDS_BY_LENGTH = [...FIELD_NAMES].sort((a, b) => b.length - a.length);

/** The form field an API error is about: `reminderOffsets.1` is the offsets' input, `channels.0` the channels'. */
function fieldOf(apiField: string): FieldName | undefined {
  return FIELDS_BY_LENGTH.find((f) => apiField === f || apiField.startsWith(`${f}.`));
}

/** The API's 400 details, by form field; what names no field of the form is returned apart. */
function errorsOf(details: unknown): { byField: Partial<Record<FieldName, string>>; other: string[] } {
  const byField: Partial<Record<FieldName, string>> = {};
  const other: string[] = [];
  for (const d of Array.isArray(details) ? (details as { field?: unknown; message?: unknown }[]) : []) {
    const message = typeof d.message === 'string' ? d.message : 'is invalid';
    const field = typeof d.field === 'string' ? fieldOf(d.field) : undefined;
    if (field) byField[field] = byField[field] ? `${byField[field]}; ${message}` : message;
    else other.push(`${String(d.field ?? '')} ${message}`.trim());
  }
  return { byField, other };
}

const inputId = (name: FieldName) => `f-${name.replace('.', '-')}`;
const label = (t: T, name: FieldName) => t(`pf_${name}` as MessageKey);

/** One field: its label, its explanation, the API's message when it refused the value; `control` gets the ids to wire. */
function Field(props: {
  name: FieldName;
  error?: string;
  help?: boolean;
  control: (a: { id: string; 'aria-describedby': string | undefined; 'aria-invalid': 'true' | undefined }) => ComponentChildren;
}) {
  const { t } = useConsole();
  const id = inputId(props.name);
  const helpKey = `pf_${props.name}_help` as MessageKey;
  const describedBy = [props.help === false ? '' : `${id}-help`, props.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{label(t, props.name)}</label>
      {props.control({ id, 'aria-describedby': describedBy, 'aria-invalid': props.error ? 'true' : undefined })}
      {props.help === false ? null : (
        <p id={`${id}-help`} class="muted small">
          {t(helpKey)}
        </p>
      )}
      {props.error ? (
        <p id={`${id}-error`} class="field-error">
          {t('policyFieldError', { message: props.error })}
        </p>
      ) : null}
    </div>
  );
}

export function PolicyPage() {
  const { t, locale, session } = useConsole();
  const [view, setView] = useState<api.PolicyView | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [problem, setProblem] = useState<{ text: string; conflict?: boolean } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const allowed = session.may.groupPolicy;

  const load = () =>
    api.groupPolicy(session.groupId).then(
      (v) => {
        setView(v);
        setDraft(draftOf(v.policy));
        setErrors({});
        setProblem(null);
      },
      (e: Error) => setProblem({ text: e.message }),
    );

  useEffect(() => {
    document.title = `${t('policyTitle')} · ${t('appName')}`;
  }, [locale]);
  useEffect(() => {
    if (allowed) void load();
  }, []);

  if (!allowed)
    return (
      <main id="main">
        <h1>{t('policyTitle')}</h1>
        <p role="alert" class="problem">
          {t('policyOnlyGroupHr')}
        </p>
      </main>
    );

  const set = <K extends FieldName>(name: K, value: Draft[K]) => setDraft((d) => (d ? { ...d, [name]: value } : d));
  const text = (name: FieldName) => (e: Event) => set(name, (e.currentTarget as HTMLInputElement).value);

  async function save(e: Event) {
    e.preventDefault();
    if (!draft || !view) return;
    setSaving(true);
    setSaved(null);
    try {
      const next = await api.replaceGroupPolicy(session.groupId, bodyOf(draft), view.version);
      setSaved(next.version === view.version ? t('policyUnchanged', { version: next.version }) : t('policySaved', { version: next.version }));
      setView(next);
      setDraft(draftOf(next.policy));
      setErrors({});
      setProblem(null);
    } catch (err) {
      if (err instanceof ApiProblem && err.status === 400) {
        const { byField, other } = errorsOf(err.details);
        setErrors(byField);
        const n = Object.keys(byField).length + other.length;
        setProblem({ text: [t('policyInvalid', { n }), ...other].join(' ') });
        // The first refused field takes the focus, so a keyboard user lands where the fix is.
        const first = FIELD_NAMES.find((f) => byField[f]);
        if (first) requestAnimationFrame(() => document.getElementById(inputId(first))?.focus());
      } else if (err instanceof ApiProblem && err.status === 412) {
        const version = (err.details as { version?: number } | undefined)?.version ?? '?';
        setProblem({ text: t('policyConflict', { version }), conflict: true });
      } else {
        setProblem({ text: t('policyRefused', { message: err instanceof Error ? err.message : String(err) }) });
      }
    } finally {
      setSaving(false);
    }
  }

  const durationField = (name: FieldName) => (
    <Field
      name={name}
      error={errors[name]}
      control={(a) => <input type="text" {...a} value={draft![name] as string} onInput={text(name)} autocomplete="off" spellcheck={false} />}
    />
  );

  return (
    <main id="main">
      <h1>{t('policyTitle')}</h1>
      <p>{t('policyIntro')}</p>
      {view ? (
        <p>
          {t('policyVersion', { version: view.version, at: when(locale, view.updatedAt) })} <a href="/console/policy/history">{t('policyHistoryLink')}</a>
        </p>
      ) : null}
      {problem ? (
        <div role="alert" class="problem">
          <p>{problem.text}</p>
          {problem.conflict ? (
            <button type="button" onClick={() => void load()}>
              {t('policyReload')}
            </button>
          ) : null}
        </div>
      ) : null}
      <p role="status" class={saved ? 'ok' : undefined}>
        {saved}
      </p>
      {draft ? (
        <form class="policy" onSubmit={(e) => void save(e)} noValidate>
          <p class="muted">{t('policyDurations')}</p>
          <fieldset>
            <legend>{t('policyGroupReminders')}</legend>
            {durationField('reminderOffsets')}
            <fieldset class="field" aria-describedby={['f-channels-help', errors.channels ? 'f-channels-error' : ''].filter(Boolean).join(' ')}>
              <legend>{t('pf_channels')}</legend>
              {CHANNELS.map((c) => (
                <label key={c} class="choice">
                  <input
                    type="checkbox"
                    id={c === 'sms' ? inputId('channels') : undefined}
                    checked={draft.channels.includes(c)}
                    aria-invalid={errors.channels ? 'true' : undefined}
                    onChange={(e) =>
                      set('channels', (e.currentTarget as HTMLInputElement).checked ? [...draft.channels, c] : draft.channels.filter((x) => x !== c))
                    }
                  />{' '}
                  {t(`channel_${c}`)}
                </label>
              ))}
              <p id="f-channels-help" class="muted small">
                {t('pf_channels_help')}
              </p>
              {errors.channels ? (
                <p id="f-channels-error" class="field-error">
                  {t('policyFieldError', { message: errors.channels })}
                </p>
              ) : null}
            </fieldset>
            <fieldset class="field" aria-describedby="f-quietHours-help">
              <legend>{t('pf_quietHours')}</legend>
              <label class="choice">
                <input
                  type="checkbox"
                  id={inputId('quietHours')}
                  checked={draft.quietHours}
                  aria-invalid={errors.quietHours ? 'true' : undefined}
                  aria-describedby={errors.quietHours ? 'f-quietHours-error' : undefined}
                  onChange={(e) => set('quietHours', (e.currentTarget as HTMLInputElement).checked)}
                />{' '}
                {t('pf_quietHours_on')}
              </label>
              <div class="pair">
                {(['quietHours.start', 'quietHours.end'] as const).map((name) => (
                  <Field
                    key={name}
                    name={name}
                    help={false}
                    error={errors[name]}
                    control={(a) => <input type="time" {...a} disabled={!draft.quietHours} value={draft[name]} onInput={text(name)} />}
                  />
                ))}
              </div>
              <p id="f-quietHours-help" class="muted small">
                {t('pf_quietHours_help')}
              </p>
              {errors.quietHours ? (
                <p id="f-quietHours-error" class="field-error">
                  {t('policyFieldError', { message: errors.quietHours })}
                </p>
              ) : null}
            </fieldset>
            {durationField('grace')}
          </fieldset>
          <fieldset>
            <legend>{t('policyGroupRecords')}</legend>
            {durationField('annotationWindow')}
            {durationField('retention.NO_REASON')}
            {durationField('retention.UNREACHABLE')}
            {durationField('disputeWindow')}
            <Field
              name="shareAcrossSubsidiaries"
              error={errors.shareAcrossSubsidiaries}
              control={(a) => (
                <input type="checkbox" {...a} checked={draft.shareAcrossSubsidiaries} onChange={(e) => set('shareAcrossSubsidiaries', (e.currentTarget as HTMLInputElement).checked)} />
              )}
            />
          </fieldset>
          <fieldset>
            <legend>{t('policyGroupSelfService')}</legend>
            <Field
              name="selfService.maxReschedules"
              error={errors['selfService.maxReschedules']}
              control={(a) => <input type="text" inputMode="numeric" {...a} value={draft['selfService.maxReschedules']} onInput={text('selfService.maxReschedules')} autocomplete="off" />}
            />
            {durationField('selfService.cutoff')}
          </fieldset>
          <button type="submit" disabled={saving}>
            {saving ? t('policySaving') : t('policySave')}
          </button>
        </form>
      ) : null}
    </main>
  );
}

/** A field's value in a version, as a person reads it. */
function valueAt(t: T, policy: Policy | undefined, path: string): string {
  if (!policy) return '—';
  const value = path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), policy);
  if (value === null) return t('valueOff');
  if (typeof value === 'boolean') return value ? t('valueOn') : t('valueOff');
  if (Array.isArray(value)) return value.map((v) => (path === 'channels' ? t(`channel_${v}` as MessageKey) : String(v))).join(', ');
  if (value && typeof value === 'object') return Object.values(value).join('–');
  return value === undefined ? '—' : String(value);
}

export function PolicyHistoryPage() {
  const { t, locale, session } = useConsole();
  const [items, setItems] = useState<api.PolicyHistory['items'] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const allowed = session.may.groupPolicy;

  useEffect(() => {
    document.title = `${t('historyTitle')} · ${t('appName')}`;
  }, [locale]);
  useEffect(() => {
    if (allowed) api.groupPolicyVersions(session.groupId).then((h) => setItems(h.items), (e: Error) => setProblem(e.message));
  }, []);

  const fieldLabel = (path: string) => {
    const name = fieldOf(path);
    return name ? label(t, name) : path;
  };

  return (
    <main id="main">
      <p>
        <a href="/console/policy">{t('historyBack')}</a>
      </p>
      <h1>{t('historyTitle')}</h1>
      {!allowed ? (
        <p role="alert" class="problem">
          {t('policyOnlyGroupHr')}
        </p>
      ) : (
        <p>{t('historyIntro')}</p>
      )}
      {problem ? (
        <p role="alert" class="problem">
          {problem}
        </p>
      ) : null}
      {items && items.length === 0 ? <p>{t('historyNone')}</p> : null}
      {items && items.length > 0 ? (
        <ScrollRegion label={t('historyTitle')}>
          <table data-testid="policy-history">
            <thead>
              <tr>
                <th scope="col">{t('colVersion')}</th>
                <th scope="col">{t('colChangedAt')}</th>
                <th scope="col">{t('colChangedBy')}</th>
                <th scope="col">{t('colChanged')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((v, i) => (
                <tr key={v.version} data-version={v.version}>
                  <th scope="row">
                    {v.version} {i === 0 ? <span class="muted">{t('historyCurrent')}</span> : null}
                  </th>
                  <td>{when(locale, v.changedAt)}</td>
                  <td>{v.changedBy === 'unrecorded' ? <span class="muted">{t('historyUnrecorded')}</span> : v.changedBy}</td>
                  <td>
                    {v.changed.length === 0 ? (
                      <span class="muted">{t('historyFirst')}</span>
                    ) : (
                      <ul class="changes">
                        {v.changed.map((path) => (
                          <li key={path}>{t('historyChange', { field: fieldLabel(path), from: valueAt(t, items[i + 1]?.policy, path), to: valueAt(t, v.policy, path) })}</li>
                        ))}
                      </ul>
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
