/** What the console's sign-in routes share: their response documents and the https rule. */
import { ErrorBody } from '../schemas/common';
import type { FastifyRequest } from 'fastify';
import type { ConsoleSessions } from '../console-session';
import type { SignInProblem } from '../console-pages';

/** A redirect: no body. */
export const REDIRECT = { type: 'null', description: 'Redirect' } as const;

/** A short page for the person whose sign-in did not work. */
export const HTML_PAGE = { content: { 'text/html': { schema: { type: 'string' } } } } as const;

/**
 * A 400 of a sign-in route: the page a person meets, or the contract's JSON
 * error when the request itself is malformed (a query parameter of the wrong
 * shape), which fails validation before any page can be chosen.
 */
export const HTML_PAGE_OR_ERROR = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: ErrorBody } },
});

/**
 * In production the session cookie is Secure: over plain http the browser
 * would never get it, and the person would sign in forever. Behind a proxy
 * that ends TLS, TRUST_PROXY lets `x-forwarded-proto: https` count.
 */
export function httpsProblem(req: FastifyRequest, sessions: ConsoleSessions): SignInProblem | null {
  if (!sessions.config.secureCookie || req.protocol === 'https') return null;
  return {
    status: 400,
    code: 'https_required',
    en: 'The HR console signs in over https only, and this request arrived over plain http.',
    zh: 'HR 控制台只能通过 https 登录，而此请求使用的是 http。',
    next: {
      en: 'Open the console at its https address; an operator running Turnout behind a TLS proxy sets TRUST_PROXY.',
      zh: '请使用 https 地址打开控制台；如 Turnout 部署在 TLS 代理之后，运维人员需设置 TRUST_PROXY。',
    },
  };
}
