/**
 * The HR console: who is signed in (GET /v1/session) decides between the
 * sign-in page and the app; the app routes in the browser under /console.
 * The reports page, with its chart library, loads only when opened.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { ApiProblem, currentCsrfToken, loadSession, setLocale, whenSignedOut, type Session } from './api';
import { Ctx, useConsole } from './context';
import { browserLocale, translator, type Locale, type MessageKey } from './i18n';
import { AlertsPage } from './pages/alerts';
import { DisputesPage } from './pages/disputes';
import { InterviewPage } from './pages/interview';
import { LookupPage } from './pages/lookup';
import { PolicyHistoryPage, PolicyPage } from './pages/policy';
import { QueuePage } from './pages/queue';
import './styles.css';

/** The paths the app routes itself; the sign-in routes under /console/auth/ are the server's. */
const CONSOLE_ROUTES = /^\/console(\/?$|\/(interviews|reports|alerts|policy|disputes|candidates)(\/|$))/;

const ReportsPage = lazy(() => import('./pages/reports').then((m) => m.ReportsPage));

function SignIn(props: { locale: Locale; ended: boolean }) {
  const t = translator(props.locale);
  useEffect(() => {
    document.title = `${t('signInTitle')} · ${t('appName')}`;
  }, [props.locale]);
  return (
    <main id="main" class="narrow">
      <h1>{t('signInTitle')}</h1>
      <p>{props.ended ? t('signInEnded') : t('signInNoSession')}</p>
      <p>{t('signInHow')}</p>
      <p>
        <a class="button" href={`/console/auth/login?returnTo=${encodeURIComponent(location.pathname)}`}>
          {t('signInOidc')}
        </a>
      </p>
    </main>
  );
}

/** The header's links, in order; `only` hides one from a session that may not use it. */
const NAV: Array<{ href: string; label: MessageKey; only?: (s: Session) => boolean }> = [
  { href: '/console', label: 'navQueue' },
  { href: '/console/alerts', label: 'navAlerts' },
  { href: '/console/disputes', label: 'navDisputes' },
  { href: '/console/candidates', label: 'navLookup' },
  { href: '/console/reports', label: 'navReports' },
  { href: '/console/policy', label: 'navPolicy', only: (s) => s.may.groupPolicy },
];

function Header(props: { onLocale: (l: Locale) => void }) {
  const { t, session, locale } = useConsole();
  const { path } = useLocation();
  const current = (href: string) => (href === '/console' ? path === '/console' || path === '/console/' || path.startsWith('/console/interviews') : path.startsWith(href));
  return (
    <header class="top">
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <span class="brand">{t('appName')}</span>
      <nav aria-label={t('mainNav')}>
        {NAV.filter((item) => !item.only || item.only(session)).map((item) => (
          <a key={item.href} href={item.href} aria-current={current(item.href) ? 'page' : undefined}>
            {t(item.label)}
          </a>
        ))}
      </nav>
      <div class="who">
        <span>{t('signedInAs', { sub: session.name ?? session.sub, role: session.role })}</span>
        <label>
          {t('language')}{' '}
          <select value={locale} onChange={(e) => props.onLocale((e.currentTarget as HTMLSelectElement).value as Locale)}>
            <option value="zh-CN" lang="zh-CN">
              中文
            </option>
            <option value="en" lang="en">
              English
            </option>
          </select>
        </label>
        <form method="post" action="/console/auth/logout">
          <input type="hidden" name="_csrf" value={currentCsrfToken() ?? ''} />
          <button type="submit">{t('signOut')}</button>
        </form>
      </div>
    </header>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [signedOut, setSignedOut] = useState<string | null>(null);
  const [locale, setLocaleState] = useState<Locale>(browserLocale());
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    whenSignedOut((code) => setSignedOut(code));
    loadSession().then(
      (s) => {
        setSession(s);
        if (s.locale) setLocaleState(s.locale);
      },
      (err: unknown) => {
        if (err instanceof ApiProblem && err.status === 401) setSignedOut(err.code);
        else setFailure(String((err as Error).message));
      },
    );
  }, []);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const t = useMemo(() => translator(locale), [locale]);
  const changeLocale = (l: Locale) => {
    setLocaleState(l);
    setLocale(l).catch(() => undefined);
  };

  if (signedOut !== null) return <SignIn locale={locale} ended={signedOut === 'session_ended'} />;
  if (failure !== null)
    return (
      <main id="main" class="narrow">
        <h1>{t('errorTitle')}</h1>
        <p role="alert">{failure}</p>
      </main>
    );
  if (session === null)
    return (
      <main id="main" class="narrow" aria-busy="true">
        <p>{t('loading')}</p>
      </main>
    );

  return (
    <Ctx.Provider value={{ session, locale, t }}>
      <Header onLocale={changeLocale} />
      <Router>
        <Route path="/console" component={QueuePage} />
        <Route path="/console/" component={QueuePage} />
        <Route path="/console/interviews/:id" component={InterviewPage} />
        <Route path="/console/reports" component={ReportsPage} />
        <Route path="/console/alerts" component={AlertsPage} />
        <Route path="/console/policy" component={PolicyPage} />
        <Route path="/console/policy/history" component={PolicyHistoryPage} />
        <Route path="/console/disputes" component={DisputesPage} />
        <Route path="/console/candidates" component={LookupPage} />
        <Route default component={QueuePage} />
      </Router>
    </Ctx.Provider>
  );
}

render(
  <LocationProvider scope={CONSOLE_ROUTES}>
    <App />
  </LocationProvider>,
  document.getElementById('app')!,
);
