import { readFileSync } from 'node:fs';
import { PolicyError, resolvePolicy } from '../domain/policy';
import { createTenant, TenantError } from '../lib/tenants';
import { isAlertEmail, setAlerting } from '../lib/alerting';
import { command, firstLine, requireOption, toJson, UsageError } from './context';

const NAME = 'tenant create';

export const tenantCreate = command({
  name: NAME,
  summary: 'Create or reuse a group and a subsidiary, and issue a platform API key',
  help: `Usage: turnout tenant create --group <name> --subsidiary <name> [--policy <json>|@<file>] [--hr-email <address>]... [--json]

Creates the group unless one has that name (an existing group is reused), the
subsidiary unless the group has one of that name (reused too), and a new API
key for the subsidiary. The key's secret is printed once and stored only
encrypted under TURNOUT_MASTER_KEY.

Options:
  --group <name>        group name; an existing group of that name is reused
  --subsidiary <name>   subsidiary name within the group; reused if it exists
  --policy <json>       group policy as JSON, full or partial: missing fields take
                        the defaults, durations are ISO-8601, e.g.
                        '{"grace":"PT5S","reminderOffsets":["PT1M","PT30S"]}'.
                        @<file> reads the JSON from a file. For an existing group
                        it replaces the policy (a new policy version) if different;
                        interviews already confirmed keep the policy they had.
  --hr-email <address>  where the subsidiary's HR alerts (no-shows, late cancels,
                        classification due) are e-mailed; repeat it for several.
                        Replaces the subsidiary's list; HR can change it later
                        with PUT /v1/subsidiaries/<id>/alerting
  --json                print { groupId, subsidiaryId, apiKeyId, apiSecret } as JSON
  -h, --help            show this help`,
  options: {
    group: { type: 'string' },
    subsidiary: { type: 'string' },
    policy: { type: 'string' },
    'hr-email': { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    const groupName = requireOption(values.group, '--group', NAME);
    const subsidiaryName = requireOption(values.subsidiary, '--subsidiary', NAME);
    const policy = values.policy === undefined ? undefined : parsePolicy(values.policy);
    const hrEmails = values['hr-email']?.map((e) => e.trim());
    const bad = hrEmails?.find((e) => !isAlertEmail(e));
    if (bad !== undefined) throw new UsageError(`--hr-email must be an e-mail address, got "${bad}"`, NAME);

    let tenant;
    try {
      tenant = await createTenant(ctx.database(), ctx.secrets(), { groupName, subsidiaryName, policy }, ctx.actor());
    } catch (err) {
      if (err instanceof TenantError && err.code === 'INVALID') throw new UsageError(err.message, NAME);
      throw err;
    }

    const { groupId, subsidiaryId, apiKeyId, apiSecret } = tenant;
    if (hrEmails?.length) {
      const actor = ctx.actor();
      await ctx.database().$transaction(async (tx) => {
        const saved = await setAlerting(tx, subsidiaryId, { emails: hrEmails }, actor.id);
        await tx.auditEntry.create({
          data: { actorType: actor.type, actorId: actor.id, action: 'alerting.update', groupId, subsidiaryId, payload: { recipients: saved.emails.length, locale: saved.locale } },
        });
      });
    }
    if (values.json) {
      ctx.io.out(toJson({ groupId, subsidiaryId, apiKeyId, apiSecret }));
      return;
    }
    const state = (created: boolean) => (created ? 'created' : 'existing');
    const lines = [
      `Group        ${groupName} (${state(tenant.groupCreated)}): ${groupId}`,
      `Subsidiary   ${subsidiaryName} (${state(tenant.subsidiaryCreated)}): ${subsidiaryId}`,
      `API key id   ${apiKeyId}`,
      `API secret   ${apiSecret}`,
    ];
    if (tenant.policyUpdated) lines.push(`Group policy updated: now version ${tenant.policyVersion}`);
    if (hrEmails?.length) lines.push(`HR alerts to ${hrEmails.join(', ')}`);
    lines.push('', 'The secret is shown only this once: give it to the platform now (header x-api-key carries the key id).');
    ctx.io.out(lines.join('\n'));
  },
});

/** Parses and validates --policy before any database work, so a bad one fails fast. */
function parsePolicy(raw: string): unknown {
  let text = raw;
  if (raw.startsWith('@')) {
    try {
      text = readFileSync(raw.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`--policy: cannot read ${raw.slice(1)}: ${firstLine(err)}`, NAME);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--policy is not valid JSON: ${firstLine(err)}`, NAME);
  }
  try {
    resolvePolicy(parsed);
  } catch (err) {
    if (err instanceof PolicyError) throw new UsageError(`--policy: ${err.message}`, NAME);
    throw err;
  }
  return parsed;
}
