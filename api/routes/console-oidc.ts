/**
 * Sign-in through the installation's OpenID Connect provider: authorization
 * code with PKCE, state and nonce (openid-client). GET /console/auth/login
 * keeps the verifier, state and nonce in a fresh pending session and sends
 * the browser to the provider; GET /console/auth/callback exchanges the code,
 * checks the ID token, maps its claims to Turnout's role, group and
 * subsidiary (lib/config.ts, OidcConfig; README), and starts the session.
 * Whatever goes wrong ends on a short page in both languages, never in a loop.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import type { OidcConfig } from '../../lib/config';
import type { PrismaClient } from '../../lib/database';
import type { HrRole } from '../../lib/hr-token';
import { auditEntry } from '../audit';
import { sendSignInProblem, TRY_AGAIN, type SignInProblem } from '../console-pages';
import { PENDING_SIGN_IN_MS, startConsoleSession, type ConsoleUser } from '../console-session';
import { ErrorBody } from '../schemas/common';
import { HTML_PAGE, HTML_PAGE_OR_ERROR, httpsProblem, REDIRECT } from './console-sign-in';

const ROLE_PREFERENCE: HrRole[] = ['group_hr', 'hr', 'auditor'];

/**
 * The console user an ID token's claims describe, or why there is none. A
 * role claim may hold one value or several (a list of the person's groups):
 * each is mapped (OIDC_ROLE_MAP, or taken as is when it names a role), and
 * the widest role wins.
 */
export function userFromClaims(claims: Record<string, unknown>, config: OidcConfig): { ok: true; user: ConsoleUser } | { ok: false; missing: string } {
  const raw = claims[config.claims.role];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  const roles = values.map((v) => config.roleMap[v] ?? ((ROLE_PREFERENCE as string[]).includes(v) ? (v as HrRole) : undefined));
  const role = ROLE_PREFERENCE.find((r) => roles.includes(r));
  if (!role) return { ok: false, missing: config.claims.role };
  const group = config.fixedGroupId ?? claims[config.claims.group];
  if (typeof group !== 'string' || group === '') return { ok: false, missing: config.claims.group };
  const subsidiary = claims[config.claims.subsidiary];
  const subsidiaryId = typeof subsidiary === 'string' && subsidiary !== '' ? subsidiary : undefined;
  if (role === 'hr' && !subsidiaryId) return { ok: false, missing: config.claims.subsidiary };
  const name = claims[config.claims.name];
  const sub = claims.sub;
  if (typeof sub !== 'string') return { ok: false, missing: 'sub' };
  return { ok: true, user: { sub, role, groupId: group, ...(subsidiaryId ? { subsidiaryId } : {}), ...(typeof name === 'string' ? { name } : {}) } };
}

const problem = (status: number, code: string, en: string, zh: string): SignInProblem => ({ status, code, en, zh, next: TRY_AGAIN });

const NOT_CONFIGURED: SignInProblem = {
  status: 404,
  code: 'oidc_not_configured',
  en: 'This installation has no identity provider for the HR console.',
  zh: '此安装未配置 HR 控制台的身份提供方。',
  next: {
    en: 'Ask your Turnout operator for a one-time sign-in link (npx turnout console-link).',
    zh: '请向 Turnout 管理员索取一次性登录链接（npx turnout console-link）。',
  },
};

/** The provider's metadata, fetched once per process (and again after a failure). */
function discoverer(config: OidcConfig) {
  let found: Promise<oidc.Configuration> | null = null;
  return () => {
    found ??= oidc
      .discovery(
        new URL(config.issuer),
        config.clientId,
        config.clientSecret,
        config.clientSecret ? undefined : oidc.None(),
        config.allowInsecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        found = null;
        throw err;
      });
    return found;
  };
}

async function knownTenant(prisma: PrismaClient, user: ConsoleUser): Promise<boolean> {
  if (user.subsidiaryId) return (await prisma.subsidiary.count({ where: { id: user.subsidiaryId, groupId: user.groupId } })) === 1;
  return (await prisma.group.count({ where: { id: user.groupId } })) === 1;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const consoleOidcRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, consoleSessions } = app.turnout;
  const config = consoleSessions.config.oidc ?? null;
  const provider = config ? discoverer(config) : null;

  app.get(
    '/console/auth/login',
    {
      schema: {
        tags: ['console'],
        summary: "Sign in to the HR console through the installation's identity provider",
        querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 500, pattern: '^/console(/|$)' })) }, { additionalProperties: false }),
        response: {
          302: { ...REDIRECT, description: "On to the identity provider's sign-in" },
          400: HTML_PAGE_OR_ERROR('Reached over plain http where the console needs https'),
          404: { ...HTML_PAGE, description: 'No identity provider is configured' },
          502: { ...HTML_PAGE, description: 'The identity provider could not be reached' },
          '4xx': ErrorBody,
        },
      },
    },
    async (req, reply) => {
      if (!config || !provider) return sendSignInProblem(reply, NOT_CONFIGURED);
      const insecure = httpsProblem(req, consoleSessions);
      if (insecure) return sendSignInProblem(reply, insecure);
      let metadata: oidc.Configuration;
      try {
        metadata = await provider();
      } catch (err) {
        req.log.warn({ err }, 'OIDC discovery failed');
        return sendSignInProblem(reply, problem(502, 'oidc_unreachable', 'The identity provider could not be reached.', '无法连接身份提供方。'));
      }
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      // Whatever the browser held before is dropped: the session that comes back is a new one.
      await req.session.regenerate();
      req.session.pending = { codeVerifier, state, nonce, returnTo: req.query.returnTo ?? '/console', startedAt: Date.now() };
      const target = oidc.buildAuthorizationUrl(metadata, {
        redirect_uri: config.redirectUri,
        scope: config.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return reply.redirect(target.href, 302);
    },
  );

  app.get(
    '/console/auth/callback',
    {
      schema: {
        tags: ['console'],
        summary: 'Where the identity provider sends the browser back: the code is exchanged and the session starts',
        querystring: Type.Object({}, { additionalProperties: true }),
        response: {
          303: { ...REDIRECT, description: 'Signed in: on to the console (Set-Cookie: the session)' },
          400: HTML_PAGE_OR_ERROR('No sign-in was under way, or the provider refused it'),
          403: { ...HTML_PAGE, description: 'The ID token does not say who may use the console' },
          404: { ...HTML_PAGE, description: 'No identity provider is configured' },
          502: { ...HTML_PAGE, description: 'The identity provider could not be reached' },
          '4xx': ErrorBody,
        },
      },
    },
    async (req: FastifyRequest, reply) => {
      if (!config || !provider) return sendSignInProblem(reply, NOT_CONFIGURED);
      const insecure = httpsProblem(req, consoleSessions);
      if (insecure) return sendSignInProblem(reply, insecure);
      const pending = req.session.pending;
      if (!pending || Date.now() - pending.startedAt > PENDING_SIGN_IN_MS) {
        return sendSignInProblem(reply, problem(400, 'no_sign_in_pending', 'No sign-in was under way in this browser, or it took longer than 10 minutes.', '此浏览器中没有进行中的登录，或登录超过了 10 分钟。'));
      }
      const query = (req.query ?? {}) as Record<string, unknown>;
      if (typeof query.error === 'string') {
        req.session.pending = undefined;
        return sendSignInProblem(reply, problem(400, 'oidc_refused', `The identity provider refused the sign-in (${query.error.slice(0, 100)}).`, `身份提供方拒绝了登录（${query.error.slice(0, 100)}）。`));
      }
      const current = new URL(config.redirectUri);
      current.search = new URL(req.url, 'http://callback.invalid').search;
      let claims: Record<string, unknown> | undefined;
      try {
        const metadata = await provider();
        const tokens = await oidc.authorizationCodeGrant(metadata, current, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims() as Record<string, unknown> | undefined;
      } catch (err) {
        req.log.warn({ err }, 'OIDC code exchange failed');
        req.session.pending = undefined;
        return sendSignInProblem(reply, problem(400, 'oidc_failed', 'The sign-in could not be completed with the identity provider.', '无法与身份提供方完成登录。'));
      }
      const mapped = claims ? userFromClaims(claims, config) : { ok: false as const, missing: 'id_token' };
      if (!mapped.ok) {
        req.session.pending = undefined;
        return sendSignInProblem(reply, {
          ...problem(403, 'oidc_claims', `Your account cannot use the HR console: the identity provider did not say "${mapped.missing}".`, `您的账号无法使用 HR 控制台：身份提供方未提供“${mapped.missing}”。`),
          next: { en: 'Ask your administrator to give your account a Turnout role, group and (for HR) subsidiary.', zh: '请管理员为您的账号设置 Turnout 角色、集团和（HR 需要的）子公司。' },
        });
      }
      const user = mapped.user;
      if (!UUID.test(user.groupId) || (user.subsidiaryId && !UUID.test(user.subsidiaryId)) || !(await knownTenant(prisma, user))) {
        req.session.pending = undefined;
        return sendSignInProblem(reply, problem(403, 'oidc_unknown_tenant', 'The group or subsidiary your account names is not one Turnout knows.', '您的账号所属的集团或子公司不在 Turnout 中。'));
      }
      await startConsoleSession(req, user, 'oidc', null);
      await auditEntry(prisma, req, {
        actorType: 'hr',
        actorId: user.sub,
        action: 'console.sign_in',
        groupId: user.groupId,
        subsidiaryId: user.subsidiaryId ?? null,
        payload: { via: 'oidc', role: user.role },
      });
      return reply.redirect(pending.returnTo, 303);
    },
  );
};

export default consoleOidcRoutes;
