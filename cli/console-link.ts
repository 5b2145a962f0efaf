import { CONSOLE_LINK_TTL_MS, CONSOLE_LOCALES, consoleLinkUrl, mintConsoleLink, type ConsoleLocale } from '../lib/console-links';
import { HR_ROLES, type HrRole } from '../lib/hr-token';
import { command, requireOption, requireUuid, toJson, UsageError } from './context';

const NAME = 'console-link';

export const consoleLink = command({
  name: NAME,
  summary: 'Print a one-time sign-in link to the HR console',
  help: `Usage: turnout console-link --role hr|group_hr|auditor --group <id> [--subsidiary <id>] [--sub <user id>] [--lang en|zh-CN] [--json]

Prints a sign-in URL for the HR console, <public URL>/console/auth/link/<code>:
opening it in a browser signs in with the role, group and subsidiary given
here and opens the console. It works once, within ${CONSOLE_LINK_TTL_MS / 60_000} minutes; only a hash of
the code is stored. This is how an installation without an OpenID Connect
provider (OIDC_ISSUER_URL) signs HR in. The group, and the subsidiary if
given, must exist, and the subsidiary must belong to the group.

Options:
  --role <role>         hr (one subsidiary), group_hr (the whole group, sets the policy)
                        or auditor (read-only)
  --group <id>          group id, as printed by \`turnout tenant create\`
  --subsidiary <id>     subsidiary id; required for --role hr
  --sub <user id>       who signs in, recorded as the actor of their HR actions
                        (default "operator")
  --lang <locale>       the console's language for this session: en or zh-CN
  --json                print { url, expiresAt, claims, locale } as JSON instead of the bare URL
  -h, --help            show this help

The URL starts with TURNOUT_PUBLIC_URL (the local Turnout's own address when unset).`,
  options: {
    role: { type: 'string' },
    group: { type: 'string' },
    subsidiary: { type: 'string' },
    sub: { type: 'string', default: 'operator' },
    lang: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    const role = requireOption(values.role, '--role', NAME);
    if (!(HR_ROLES as readonly string[]).includes(role)) {
      throw new UsageError(`--role must be one of ${HR_ROLES.join(', ')}, got "${role}"`, NAME);
    }
    const groupId = requireUuid(values.group, '--group', NAME);
    const subsidiaryId = values.subsidiary === undefined ? undefined : requireUuid(values.subsidiary, '--subsidiary', NAME);
    if (role === 'hr' && subsidiaryId === undefined) throw new UsageError('--role hr needs --subsidiary', NAME);
    const sub = requireOption(values.sub, '--sub', NAME);
    const lang = values.lang;
    if (lang !== undefined && !(CONSOLE_LOCALES as readonly string[]).includes(lang)) {
      throw new UsageError(`--lang must be one of ${CONSOLE_LOCALES.join(', ')}, got "${lang}"`, NAME);
    }
    const publicUrl = ctx.publicUrl();

    await ctx.checkTenant(groupId, subsidiaryId);
    const claims = { sub, role: role as HrRole, groupId, ...(subsidiaryId ? { subsidiaryId } : {}) };
    const locale = (lang as ConsoleLocale | undefined) ?? null;
    const { code, expiresAt } = await mintConsoleLink(ctx.database(), { claims, locale, createdBy: ctx.actor().id });
    const url = consoleLinkUrl(publicUrl, code);
    if (!values.json) {
      ctx.io.out(url);
      return;
    }
    ctx.io.out(toJson({ url, expiresAt: expiresAt.toISOString(), claims, locale }));
  },
});
