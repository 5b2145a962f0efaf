/**
 * The candidate's page, `/s/<code>`: what the short link in a message opens
 * (domain/self-service.ts), in the candidate's language (`?lang=` switches),
 * with times in their own time zone.
 *
 * Its forms post to `/s/<code>/cancel`, `/move` and `/contest`; each is handed,
 * as JSON, to the self-service API (`/v1/self-service/<code>/…`) through
 * Fastify's inject, so the page changes nothing the API would not: the same
 * validation, audit entries and workflow updates, whose validators decide.
 * Then Post/Redirect/Get, so a reload does not post twice.
 *
 * Cross-site posting: a form is taken only with the page's own token (an
 * HMAC of the code, which a foreign site cannot know) and only when the
 * browser does not say it came from another site (Sec-Fetch-Site, Origin).
 * No cookie is involved, so there is no session to ride on either.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LATE_CANCEL_MS } from '../../domain/interview';
import { candidateZone, durationInWords, fromLocalInput, localTime, pickLocale, toLocalInput, type Locale } from '../../domain/local-time';
import { durationMs, resolvePolicy } from '../../domain/policy';
import { hashShortCode, isShortCode } from '../../lib/short-links';
import { renderCandidatePage, PAGE_CSS_HASH, type Flash, type FormBase, type InterviewFacts, type PageView } from '../pages/candidate-page';
import { STRINGS, type Problem, type Strings } from '../pages/strings';
import { openShortLink, type LinkCaller } from '../scopes/link';
import { HTML_PAGE, REDIRECT } from './console-sign-in';

const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64, description: 'the short link code from a message' }) });
const PageQuerystring = Type.Object({
  lang: Type.Optional(Type.String({ maxLength: 8, description: 'en or zh-CN; else the candidate\'s own language' })),
  done: Type.Optional(Type.String({ maxLength: 16, description: 'what the page just did (cancelled, moved, contested): shown as a confirmation' })),
});
/** What the page's forms post, urlencoded; each action reads its own field. */
const FormBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 128, description: 'the page\'s form token' })),
  lang: Type.Optional(Type.String({ maxLength: 8 })),
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
  startsAt: Type.Optional(Type.String({ maxLength: 32, description: 'datetime-local, in the candidate\'s time zone' })),
  statement: Type.Optional(Type.String({ maxLength: 4000 })),
});
const PAGE_RESPONSES = {
  200: { ...HTML_PAGE, description: 'The page' },
  400: { ...HTML_PAGE, description: 'The address is malformed (a query parameter of the wrong shape): the page, saying the link does not work' },
  404: { ...HTML_PAGE, description: 'No such link' },
  410: { ...HTML_PAGE, description: 'The link is used up (its interview is over) or expired' },
} as const;
const FORM_RESPONSES = {
  303: { ...REDIRECT, description: 'Done: on to the page, which confirms it' },
  400: { ...HTML_PAGE, description: 'The form is incomplete: the page, saying what is missing' },
  403: { ...HTML_PAGE, description: 'Posted without the page\'s form token, or from another site' },
  404: { ...HTML_PAGE, description: 'No such link' },
  409: { ...HTML_PAGE, description: 'Refused (by the workflow or the rules): the page, saying why' },
  503: { ...HTML_PAGE, description: 'Temporal unreachable: the page, saying to try again' },
} as const;

/** Nothing but the inline stylesheet; forms post to this origin only. */
export const PAGE_CSP = `default-src 'none'; style-src ${PAGE_CSS_HASH}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

type Action = 'cancel' | 'move' | 'contest';
type Done = 'cancelled' | 'moved' | 'contested';

interface PageQuery {
  lang?: string;
  done?: string;
}

function sendPage(reply: FastifyReply, status: number, html: string) {
  reply.header('content-security-policy', PAGE_CSP);
  reply.header('referrer-policy', 'no-referrer');
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

function chosenLocale(asked: unknown, candidate: string | null): Locale {
  return asked === 'en' || asked === 'zh-CN' ? asked : pickLocale(candidate);
}

/** A workflow's or the API's refusal, in words the page can say (strings.ts). */
export function problemOf(
  action: Action,
  status: number,
  body: { error?: { code?: string; message?: string; details?: { reason?: unknown } } } | null,
): Problem {
  const code = body?.error?.code ?? '';
  // The workflow's own reason for refusing (workflows/definitions.ts, REFUSAL_REASONS).
  const reason = code === 'invalid_state' ? body?.error?.details?.reason : undefined;
  if (status === 429) return 'too_many';
  if (status >= 500) return 'try_later';
  if (code === 'already_disputed' || code === 'dispute_window_over' || code === 'nothing_to_dispute') return code;
  if (status === 400) return action === 'cancel' ? 'reason_missing' : action === 'contest' ? 'statement_short' : 'bad_time';
  if (reason === 'moves_used_up') return 'moves_used_up';
  if (reason === 'too_close_to_start') return 'past_cutoff';
  if (reason === 'start_in_past') return 'in_past';
  if (reason === 'change_in_progress' || reason === 'setting_up') return 'busy';
  if (status === 409 || status === 410 || status === 401) return 'closed';
  return 'unknown';
}

function pointLabel(s: Strings, point: string): string {
  if (point === 'confirmation' || point === 'cancelled' || point === 'record') return s.points[point]!;
  if (point.startsWith('moved')) return s.points.moved!;
  return s.points.reminder!;
}

const candidatePageRoutes: FastifyPluginAsync = async (app) => {
  const { prisma, gateway, secrets } = app.turnout;
  const formKey = createHmac('sha256', secrets.masterKey).update('turnout/candidate-form/v1').digest();
  const formToken = (code: string) => createHmac('sha256', formKey).update(hashShortCode(code)).digest('base64url');

  function facts(link: LinkCaller, locale: Locale): InterviewFacts {
    const iv = link.interview;
    const zone = candidateZone(iv.candidate.timezone);
    return { position: iv.position.title, company: iv.subsidiary.name, startsAt: localTime(iv.startsAt, zone, locale), zone, joinUrl: iv.joinUrl };
  }

  /** The candidate's own evidence of the link's attempt, as lines for the record page. */
  async function evidenceLines(link: LinkCaller, s: Strings, locale: Locale): Promise<string[]> {
    const zone = link.interview.candidate.timezone;
    const rows = await prisma.evidence.findMany({ where: { interviewId: link.interview.id }, orderBy: { seq: 'asc' } });
    const lines: string[] = [];
    for (const row of rows) {
      const d = (row.data ?? {}) as Record<string, unknown>;
      if (typeof d.attempt === 'number' && d.attempt !== link.attempt) continue;
      const channel = s.channels[String(d.channel)] ?? String(d.channel);
      let text: string | null = null;
      if (row.kind === 'MESSAGE_SENT') text = s.evidence.sent(pointLabel(s, String(d.point)), channel);
      else if (row.kind === 'MESSAGE_RECEIPT' && d.status === 'delivered') text = s.evidence.delivered(channel);
      else if (row.kind === 'LINK_CLICKED') text = s.evidence.clicked;
      else if (row.kind === 'LOGIN') text = s.evidence.login;
      else if (row.kind === 'LATE_LOGIN') text = s.evidence.lateLogin(Number(d.minutesLate ?? 0));
      else if (row.kind === 'NO_SHOW_RECORDED') text = s.evidence.noShow;
      else if (row.kind === 'LATE_CANCEL_RECORDED') text = s.evidence.lateCancel;
      if (text) lines.push(`${localTime(row.at, zone, locale)} · ${text}`);
    }
    return lines;
  }

  async function view(link: LinkCaller, locale: Locale, typed: { reason?: string; statement?: string } = {}): Promise<PageView> {
    const iv = link.interview;
    const s = STRINGS[locale];
    const zone = iv.candidate.timezone;
    const now = Date.now();
    if (link.state === 'open') {
      const policy = resolvePolicy(iv.policy);
      const cutoffMs = durationMs(policy.selfService.cutoff, 'selfService.cutoff');
      const cutoff = durationInWords(policy.selfService.cutoff, locale);
      const state = await gateway.state(iv.workflowId).catch(() => null);
      const left = Math.max(0, policy.selfService.maxReschedules - (state?.selfReschedules ?? 0));
      const cutoffAt = iv.startsAt.getTime() - cutoffMs;
      const move: Extract<PageView, { kind: 'open' }>['move'] =
        iv.status !== 'SCHEDULED'
          ? { can: false, why: 'window', cutoff }
          : left === 0
            ? { can: false, why: 'moves', cutoff }
            : now >= cutoffAt
              ? { can: false, why: 'cutoff', cutoff }
              : {
                  can: true,
                  left,
                  cutoff,
                  cutoffAt: localTime(new Date(cutoffAt), zone, locale),
                  min: toLocalInput(new Date(now + 60_000), zone),
                  value: toLocalInput(iv.startsAt, zone),
                };
      return {
        kind: 'open',
        facts: facts(link, locale),
        inWindow: iv.status === 'IN_WINDOW',
        cancel: { late: iv.startsAt.getTime() - now < LATE_CANCEL_MS },
        move,
        ...(typed.reason ? { reason: typed.reason } : {}),
      };
    }
    const record = await prisma.noShowRecord.findUniqueOrThrow({
      where: { interviewId_attempt: { interviewId: iv.id, attempt: link.attempt } },
      include: { dispute: true },
    });
    const when = localTime(record.scheduledStart, zone, locale);
    if (link.state === 'awaiting') return { kind: 'awaiting', facts: facts(link, locale), recordKind: record.kind, when };
    const d = record.dispute;
    const contestOpen = record.classification === 'NO_REASON' && !d && link.contestUntil !== null && now < link.contestUntil.getTime();
    return {
      kind: 'record',
      facts: facts(link, locale),
      recordKind: record.kind,
      when,
      classification: record.classification!,
      expiresAt: record.expiresAt ? localTime(record.expiresAt, zone, locale) : null,
      evidence: await evidenceLines(link, s, locale),
      contest: contestOpen ? { can: true, until: localTime(link.contestUntil!, zone, locale), ...(typed.statement ? { statement: typed.statement } : {}) } : { can: false },
      dispute: d
        ? {
            status: d.status,
            at: localTime(d.resolvedAt ?? d.openedAt, zone, locale),
            to: d.toClassification ?? null,
          }
        : null,
    };
  }

  function linkProblem(reply: FastifyReply, locale: Locale, problem: 'invalid' | 'expired' | 'used', link: LinkCaller | null, flash: Flash = null) {
    const status = problem === 'invalid' ? 404 : flash ? 200 : 410;
    const current = link && link.attempt === link.interview.attempt ? link.interview.status : 'other';
    const form = link ? { code: '', locale, csrf: '' } : null;
    return sendPage(reply, status, renderCandidatePage(locale, form, { kind: 'link', problem, status: current }, flash));
  }

  async function render(reply: FastifyReply, code: string, link: LinkCaller, locale: Locale, status: number, flash: Flash, typed = {}) {
    if (link.state === 'used' || link.state === 'expired') {
      const form = { code, locale, csrf: '' };
      const current = link.attempt === link.interview.attempt ? link.interview.status : 'other';
      const httpStatus = flash ? 200 : 410;
      return sendPage(reply, httpStatus, renderCandidatePage(locale, form, { kind: 'link', problem: link.state, status: current }, flash));
    }
    const form: FormBase = { code, locale, csrf: formToken(code) };
    return sendPage(reply, status, renderCandidatePage(locale, form, await view(link, locale, typed), flash));
  }

  async function open(code: string) {
    return isShortCode(code) ? openShortLink(prisma, code) : null;
  }

  function doneFlash(done: string | undefined, link: LinkCaller, locale: Locale): Flash {
    const s = STRINGS[locale];
    if (done === 'cancelled') return { kind: 'done', text: s.done.cancelled };
    if (done === 'moved') return { kind: 'done', text: s.done.moved(localTime(link.interview.startsAt, link.interview.candidate.timezone, locale)) };
    if (done === 'contested') return { kind: 'done', text: s.done.contested };
    return null;
  }

  app.get<{ Params: { code: string }; Querystring: PageQuery }>(
    '/s/:code',
    { schema: { tags: ['candidates'], summary: "The candidate's page (HTML) behind a message's short link", params: CodeParams, querystring: PageQuerystring, produces: ['text/html'], response: PAGE_RESPONSES } },
    async (req, reply) => {
      const link = await open(req.params.code);
      const locale = chosenLocale(req.query.lang, link?.interview.candidate.locale ?? null);
      if (!link) return linkProblem(reply, chosenLocale(req.query.lang, req.headers['accept-language'] ?? null), 'invalid', null);
      return render(reply, req.params.code, link, locale, 200, doneFlash(req.query.done, link, locale));
    },
  );

  /**
   * Whether the browser says this form came from a page of this origin (absent headers: an older browser, the token decides).
   * Under the page's Referrer-Policy: no-referrer a browser sends `Origin: null` with its own forms, so only a named foreign origin counts against.
   */
  function sameOrigin(req: FastifyRequest): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== `${req.protocol}://${req.host}`) return false;
    return true;
  }

  function tokenMatches(code: string, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(formToken(code));
    return a.length === b.length && timingSafeEqual(a, b);
  }

  const ACTIONS: Record<Action, { path: string; done: Done; body: (form: Record<string, string>, link: LinkCaller) => { payload: object } | { problem: Problem } }> = {
    cancel: {
      path: 'cancel',
      done: 'cancelled',
      body: (form) => (form.reason?.trim() ? { payload: { reason: form.reason.trim() } } : { problem: 'reason_missing' }),
    },
    move: {
      path: 'reschedule',
      done: 'moved',
      body: (form, link) => {
        const at = fromLocalInput(form.startsAt ?? '', link.interview.candidate.timezone);
        if (!at) return { problem: 'bad_time' };
        if (at.getTime() <= Date.now()) return { problem: 'in_past' };
        return { payload: { startsAt: at.toISOString() } };
      },
    },
    contest: {
      path: 'disputes',
      done: 'contested',
      body: (form) => ((form.statement?.trim().length ?? 0) >= 10 ? { payload: { statement: form.statement!.trim() } } : { problem: 'statement_short' }),
    },
  };

  for (const [action, spec] of Object.entries(ACTIONS) as [Action, (typeof ACTIONS)[Action]][]) {
    const summary = { cancel: 'The page\'s cancel form (reason required)', move: 'The page\'s move form (a new time in the candidate\'s zone)', contest: 'The page\'s form contesting a NO_REASON record' }[action];
    app.post<{ Params: { code: string } }>(
      `/s/:code/${action}`,
      {
        schema: { tags: ['candidates'], summary, params: CodeParams, body: FormBody, consumes: ['application/x-www-form-urlencoded'], produces: ['text/html'], response: FORM_RESPONSES },
      },
      async (req, reply) => {
        const code = req.params.code;
        const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
        const link = await open(code);
        const locale = chosenLocale(form.lang, link?.interview.candidate.locale ?? null);
        if (!link) return linkProblem(reply, locale, 'invalid', null);
        const typed = { reason: form.reason, statement: form.statement };
        if (!sameOrigin(req) || !tokenMatches(code, form._csrf)) {
          return render(reply, code, link, locale, 403, { kind: 'problem', problem: 'forbidden' }, typed);
        }
        const built = spec.body(form, link);
        if ('problem' in built) return render(reply, code, link, locale, 400, { kind: 'problem', problem: built.problem }, typed);
        const res = await app.inject({
          method: 'POST',
          url: `/v1/self-service/${code}/${spec.path}`,
          payload: built.payload,
          remoteAddress: req.ip,
          headers: { 'content-type': 'application/json', 'user-agent': req.headers['user-agent'] ?? '', 'x-request-id': req.id },
        });
        if (res.statusCode === 202 || res.statusCode === 201) {
          return reply.code(303).header('location', `/s/${code}?lang=${locale}&done=${spec.done}`).send();
        }
        let body: { error?: { code?: string; message?: string } } | null = null;
        try {
          body = res.json();
        } catch {
          body = null;
        }
        if (res.headers['retry-after']) reply.header('retry-after', res.headers['retry-after']);
        const problem = problemOf(action, res.statusCode, body);
        // The refusal may have come from a change made meanwhile: show the page as it is now.
        const now = (await open(code)) ?? link;
        const status = res.statusCode >= 500 ? 503 : res.statusCode === 429 || res.statusCode === 400 ? res.statusCode : 409;
        return render(reply, code, now, locale, status, { kind: 'problem', problem }, typed);
      },
    );
  }
};

export default candidatePageRoutes;
