/**
 * The candidate's page behind a short link (`/s/<code>`), rendered on the
 * server with Preact to plain HTML: no script, no web font, no image, one
 * inline stylesheet (allowed by its hash in the page's CSP). Every action is
 * an ordinary form that posts back to /s/<code>/…, so it works on any phone
 * browser with JavaScript off; the route hands it to the same self-service
 * API a program calls (api/routes/candidate-page.ts).
 */
import { createHash } from 'node:crypto';
import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Locale } from '../../domain/local-time';
import { STRINGS, type Problem, type Strings } from './strings';

/** Mobile first: one column, 16 px type (no zoom on focus), 44 px touch targets, AA contrast. */
export const PAGE_CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f4f5f7}
header,main{max-width:36rem;margin:0 auto;padding:0 1rem}
header{display:flex;justify-content:space-between;align-items:center;padding-top:.75rem;font-size:.9rem;color:#444}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:0 0 .5rem}
section{background:#fff;border:1px solid #d8dbe0;border-radius:8px;padding:1rem;margin:0 0 1rem}
dl{margin:0}dt{font-size:.85rem;color:#555}dd{margin:0 0 .5rem;font-weight:600}
a{color:#0b57d0}
.join{display:block;text-align:center;background:#0b57d0;color:#fff;text-decoration:none;font-weight:600;padding:.75rem;border-radius:6px;margin:.5rem 0 .25rem}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
textarea,input{width:100%;font:inherit;padding:.6rem;border:1px solid #767b85;border-radius:6px;background:#fff}
textarea{min-height:5rem}
button{width:100%;min-height:44px;font:inherit;font-weight:600;margin-top:.75rem;padding:.6rem;border-radius:6px;border:1px solid #0b57d0;background:#fff;color:#0b57d0}
button.danger{border-color:#b3261e;color:#b3261e}
.hint{font-size:.85rem;color:#555;margin:.25rem 0 0}
.warn{background:#fff4e5;border-left:4px solid #b25e00;padding:.5rem .75rem;margin:.5rem 0}
.ok{background:#e7f5ea;border-color:#1e7b34}
.bad{background:#fdecea;border-color:#b3261e}
ul{padding-left:1.2rem;margin:.25rem 0}`;

export const PAGE_CSS_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`;

/** What the page shows of the interview, every time already in the candidate's zone and language. */
export interface InterviewFacts {
  position: string;
  company: string;
  startsAt: string;
  zone: string;
  joinUrl: string;
}

export interface FormBase {
  code: string;
  locale: Locale;
  /** The form token (api/routes/candidate-page.ts): a cross-site form cannot know it. */
  csrf: string;
}

export type Flash = { kind: 'done'; text: string } | { kind: 'problem'; problem: Problem } | null;

export type PageView =
  | {
      kind: 'open';
      facts: InterviewFacts;
      inWindow: boolean;
      cancel: { late: boolean };
      move:
        | { can: true; left: number; cutoff: string; cutoffAt: string; min: string; value: string }
        | { can: false; why: 'moves' | 'cutoff' | 'window'; cutoff: string };
      reason?: string;
    }
  | { kind: 'awaiting'; facts: InterviewFacts; recordKind: 'NO_SHOW' | 'LATE_CANCEL'; when: string }
  | {
      kind: 'record';
      facts: InterviewFacts;
      recordKind: 'NO_SHOW' | 'LATE_CANCEL';
      when: string;
      classification: string;
      expiresAt: string | null;
      evidence: string[];
      contest: { can: true; until: string; statement?: string } | { can: false };
      dispute: { status: 'OPEN' | 'UPHELD' | 'RECLASSIFIED'; at: string; to: string | null } | null;
    }
  | { kind: 'link'; problem: 'invalid' | 'expired' | 'used'; status?: string };

function Layout(props: { s: Strings; code: string | null; title: string; children: ComponentChildren }) {
  const { s } = props;
  const other = STRINGS[s.otherLanguage.locale];
  return (
    <html lang={s.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <style dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
      </head>
      <body>
        <header>
          <span>Turnout</span>
          {props.code ? (
            <a href={`/s/${props.code}?lang=${s.otherLanguage.locale}`} lang={other.lang} hrefLang={other.lang}>
              {s.otherLanguage.label}
            </a>
          ) : null}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

function FlashBox(props: { s: Strings; flash: Flash }) {
  const f = props.flash;
  if (!f) return null;
  if (f.kind === 'done') {
    return (
      <section class="ok" role="status">
        <p>{f.text}</p>
      </section>
    );
  }
  return (
    <section class="bad" role="alert">
      <h2>{props.s.problemHeading}</h2>
      <p>{props.s.problem[f.problem]}</p>
    </section>
  );
}

function Facts(props: { s: Strings; facts: InterviewFacts; join: boolean }) {
  const { s, facts } = props;
  return (
    <section>
      <dl>
        <dt>{s.position}</dt>
        <dd>{facts.position}</dd>
        <dt>{s.company}</dt>
        <dd>{facts.company}</dd>
        <dt>{s.startsAt}</dt>
        <dd>
          <span data-testid="starts-at">{facts.startsAt}</span>
        </dd>
        <dt>{s.timeZone}</dt>
        <dd>{facts.zone}</dd>
      </dl>
      {props.join ? (
        <>
          <a class="join" href={facts.joinUrl} rel="noreferrer noopener">
            {s.join}
          </a>
          <p class="hint">{s.joinHint}</p>
        </>
      ) : null}
    </section>
  );
}

function Hidden(props: { form: FormBase }) {
  return (
    <>
      <input type="hidden" name="_csrf" value={props.form.csrf} />
      <input type="hidden" name="lang" value={props.form.locale} />
    </>
  );
}

function OpenPage(props: { s: Strings; form: FormBase; view: Extract<PageView, { kind: 'open' }> }) {
  const { s, form, view } = props;
  const move = view.move;
  return (
    <>
      <Facts s={s} facts={view.facts} join />
      {view.inWindow ? (
        <section>
          <p>{s.inWindow}</p>
        </section>
      ) : null}
      <section aria-labelledby="cancel-h">
        <h2 id="cancel-h">{s.cancelHeading}</h2>
        <p class="warn" data-testid="cancel-warning">
          {view.cancel.late ? s.cancelLate : s.cancelEarly}
        </p>
        <form method="post" action={`/s/${form.code}/cancel`}>
          <Hidden form={form} />
          <label for="reason">{s.reason}</label>
          <textarea id="reason" name="reason" required maxLength={1000} aria-describedby="reason-hint">
            {view.reason ?? ''}
          </textarea>
          <p class="hint" id="reason-hint">
            {s.reasonHint}
          </p>
          <button type="submit" class="danger">
            {s.cancelButton}
          </button>
        </form>
      </section>
      <section aria-labelledby="move-h">
        <h2 id="move-h">{s.moveHeading}</h2>
        {move.can ? (
          <>
            <p data-testid="moves-left">{s.movesLeft(move.left)}</p>
            <p>{s.moveCutoff(move.cutoff, move.cutoffAt)}</p>
            <form method="post" action={`/s/${form.code}/move`}>
              <Hidden form={form} />
              <label for="startsAt">{s.newTime(view.facts.zone)}</label>
              <input id="startsAt" name="startsAt" type="datetime-local" required min={move.min} value={move.value} />
              <button type="submit">{s.moveButton}</button>
            </form>
          </>
        ) : (
          <p data-testid="moves-left">{move.why === 'moves' ? s.noMovesLeft : move.why === 'cutoff' ? s.pastCutoff(move.cutoff) : s.inWindow}</p>
        )}
      </section>
    </>
  );
}

function AwaitingPage(props: { s: Strings; view: Extract<PageView, { kind: 'awaiting' }> }) {
  const { s, view } = props;
  return (
    <>
      <Facts s={s} facts={view.facts} join={false} />
      <section>
        <p>{s.awaiting[view.recordKind](view.when)}</p>
        <p>{s.awaiting.next}</p>
      </section>
    </>
  );
}

function RecordPage(props: { s: Strings; form: FormBase; view: Extract<PageView, { kind: 'record' }> }) {
  const { s, form, view } = props;
  return (
    <>
      <section aria-labelledby="record-h">
        <h2 id="record-h">{s.recordHeading}</h2>
        <p>{s.recordKind[view.recordKind](view.when)}</p>
        <p data-testid="classification">{s.classification[view.classification] ?? view.classification}</p>
        <p data-testid="expires">{view.expiresAt ? s.expires(view.expiresAt) : s.noExpiry}</p>
      </section>
      <Facts s={s} facts={view.facts} join={false} />
      <section aria-labelledby="evidence-h">
        <h2 id="evidence-h">{s.evidenceHeading}</h2>
        {view.evidence.length ? (
          <ul data-testid="evidence">
            {view.evidence.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
        ) : (
          <p>{s.evidenceNone}</p>
        )}
      </section>
      {view.dispute ? (
        <section aria-labelledby="dispute-h">
          <h2 id="dispute-h">{s.disputeHeading}</h2>
          <p data-testid="dispute-status">
            {view.dispute.status === 'OPEN'
              ? s.dispute.OPEN(view.dispute.at)
              : view.dispute.status === 'UPHELD'
                ? s.dispute.UPHELD(view.dispute.at)
                : s.dispute.RECLASSIFIED(view.dispute.at, s.classification[view.dispute.to ?? ''] ?? view.dispute.to ?? '')}
          </p>
        </section>
      ) : view.classification === 'NO_REASON' ? (
        <section aria-labelledby="contest-h">
          <h2 id="contest-h">{s.contestHeading}</h2>
          {view.contest.can ? (
            <>
              <p>{s.contestUntil(view.contest.until)}</p>
              <form method="post" action={`/s/${form.code}/contest`}>
                <Hidden form={form} />
                <label for="statement">{s.statement}</label>
                <textarea id="statement" name="statement" required minLength={10} maxLength={4000} aria-describedby="statement-hint">
                  {view.contest.statement ?? ''}
                </textarea>
                <p class="hint" id="statement-hint">
                  {s.statementHint}
                </p>
                <button type="submit">{s.contestButton}</button>
              </form>
            </>
          ) : (
            <p>{s.contestClosed}</p>
          )}
        </section>
      ) : null}
    </>
  );
}

function LinkPage(props: { s: Strings; view: Extract<PageView, { kind: 'link' }> }) {
  const { s, view } = props;
  const text =
    view.problem === 'invalid' ? s.link.invalid : view.problem === 'expired' ? s.link.expired : (s.link.used[view.status ?? ''] ?? s.link.used.other);
  return (
    <section>
      <p data-testid="link-problem">{text}</p>
      <p>{s.link.contact}</p>
    </section>
  );
}

export function linkTitle(s: Strings, problem: 'invalid' | 'expired' | 'used'): string {
  return problem === 'invalid' ? s.link.invalidTitle : problem === 'expired' ? s.link.expiredTitle : s.link.usedTitle;
}

/** The whole document, doctype included. */
export function renderCandidatePage(locale: Locale, form: FormBase | null, view: PageView, flash: Flash = null): string {
  const s = STRINGS[locale];
  const heading = view.kind === 'link' ? linkTitle(s, view.problem) : s.heading;
  const body = (
    <Layout s={s} code={view.kind === 'link' && view.problem === 'invalid' ? null : (form?.code ?? null)} title={heading}>
      <h1>{heading}</h1>
      <FlashBox s={s} flash={flash} />
      {view.kind === 'open' && form ? <OpenPage s={s} form={form} view={view} /> : null}
      {view.kind === 'awaiting' ? <AwaitingPage s={s} view={view} /> : null}
      {view.kind === 'record' && form ? <RecordPage s={s} form={form} view={view} /> : null}
      {view.kind === 'link' ? <LinkPage s={s} view={view} /> : null}
    </Layout>
  );
  return `<!doctype html>${renderToString(body)}`;
}
