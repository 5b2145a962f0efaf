/**
 * The few pages the sign-in routes show a person instead of the console: a
 * link that no longer works, a sign-in the identity provider or Turnout
 * refused. The console's language is not known yet at that point, so each
 * page says it in both of the console's languages. Plain HTML without
 * scripts or styles, as the API's Content-Security-Policy allows.
 */
import type { FastifyReply } from 'fastify';

export interface SignInProblem {
  status: number;
  /** Stable, for tests and support: shown on the page. */
  code: string;
  en: string;
  zh: string;
  /** What to do next, in both languages. */
  next: { en: string; zh: string };
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function signInProblemPage(p: SignInProblem): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Turnout HR console: sign-in</title></head>
<body>
<main>
<h1>Turnout HR console</h1>
<section lang="en"><p>${escape(p.en)}</p><p>${escape(p.next.en)}</p></section>
<section lang="zh-CN"><p>${escape(p.zh)}</p><p>${escape(p.next.zh)}</p></section>
<p><small>${escape(p.code)}</small></p>
</main>
</body>
</html>
`;
}

export function sendSignInProblem(reply: FastifyReply, p: SignInProblem): FastifyReply {
  return reply.code(p.status).type('text/html; charset=utf-8').send(signInProblemPage(p));
}

export const NEW_LINK = {
  en: 'Ask your Turnout operator for a new sign-in link (npx turnout console-link).',
  zh: '请向 Turnout 管理员索取新的登录链接（npx turnout console-link）。',
};

export const TRY_AGAIN = {
  en: 'Open the HR console again to sign in: /console',
  zh: '请重新打开 HR 控制台登录：/console',
};
