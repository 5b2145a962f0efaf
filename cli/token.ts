import { decodeJwt } from 'jose';
import { HR_ROLES, mintHrToken, type HrRole } from '../lib/hr-token';
import { command, requireOption, requireUuid, toJson, UsageError } from './context';

const NAME = 'token';
const MAX_TTL_SECONDS = 30 * 24 * 3600;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "30m", "1h", "7d", "90s" or plain seconds ("3600"), from 1 second to 30 days. */
export function parseTtl(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2] || 's']! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS) {
    throw new UsageError(`--ttl must be a duration like 30m, 1h, 7d or a number of seconds, at most 30d; got "${raw}"`, NAME);
  }
  return seconds;
}

export const token = command({
  name: NAME,
  summary: 'Mint a signed HR bearer token',
  help: `Usage: turnout token --role hr|group_hr|auditor --group <id> [--subsidiary <id>] [--sub <user id>] [--ttl 1h] [--json]

Prints a signed HR bearer token (HS256 under TURNOUT_JWT_SECRET) for
\`Authorization: Bearer <token>\`. The group, and the subsidiary if given, must
exist, and the subsidiary must belong to the group.

Options:
  --role <role>         hr (one subsidiary), group_hr (the whole group, sets the policy)
                        or auditor (read-only)
  --group <id>          group id, as printed by \`turnout tenant create\`
  --subsidiary <id>     subsidiary id; required for --role hr
  --sub <user id>       the token's subject, recorded as the actor of HR actions
                        (default "operator")
  --ttl <duration>      lifetime: 30m, 1h, 7d, or seconds; at most 30d (default 1h)
  --json                print { token, expiresAt, claims } as JSON instead of the bare token
  -h, --help            show this help`,
  options: {
    role: { type: 'string' },
    group: { type: 'string' },
    subsidiary: { type: 'string' },
    sub: { type: 'string', default: 'operator' },
    ttl: { type: 'string', default: '1h' },
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
    const ttlSeconds = parseTtl(values.ttl ?? '1h');

    const secrets = ctx.secrets();
    await ctx.checkTenant(groupId, subsidiaryId);

    const claims = { sub, role: role as HrRole, groupId, ...(subsidiaryId ? { subsidiaryId } : {}) };
    const jwt = await mintHrToken(secrets, claims, ttlSeconds);
    if (!values.json) {
      ctx.io.out(jwt);
      return;
    }
    const expiresAt = new Date((decodeJwt(jwt).exp ?? 0) * 1000).toISOString();
    ctx.io.out(toJson({ token: jwt, expiresAt, claims }));
  },
});
