import { EVENT_TYPES, FORMATS } from '../domain/outbound-events';
import { isProduction } from '../lib/config';
import { createEndpoint, EndpointError } from '../lib/webhook-endpoints';
import { command, requireOption, requireUuid, toJson, UsageError } from './context';

const NAME = 'webhook add';

export const webhookAdd = command({
  name: NAME,
  summary: 'Add an outbound webhook endpoint (a platform, or an HR group chat robot)',
  help: `Usage: turnout webhook add --group <id> [--subsidiary <id>] --url <url> --events <a,b> [--format standard|wecom|dingtalk|feishu] [--secret <secret>] [--json]

Adds an endpoint that receives the events it names. Without --subsidiary it
receives the events of every subsidiary of the group.

Options:
  --group <id>          the group
  --subsidiary <id>     the subsidiary whose events it receives (default: the whole group)
  --url <url>           https:// (http:// only to a loopback address outside production);
                        for a robot, the webhook URL the chat app shows, with its key
  --events <a,b>        comma-separated: ${EVENT_TYPES.join(', ')}
                        (a robot receives hr.alert only)
  --format <format>     ${FORMATS.join(', ')} (default standard: Standard Webhooks)
  --secret <secret>     standard: your own signing secret (whsec_<base64>), else one is
                        generated and printed once; dingtalk, feishu: the robot's secret
  --json                print { endpointId, secret } as JSON
  -h, --help            show this help`,
  options: {
    group: { type: 'string' },
    subsidiary: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'string' },
    format: { type: 'string' },
    secret: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    const groupId = requireUuid(values.group, '--group', NAME);
    const subsidiaryId = values.subsidiary === undefined ? null : requireUuid(values.subsidiary, '--subsidiary', NAME);
    const url = requireOption(values.url, '--url', NAME);
    const events = requireOption(values.events, '--events', NAME).split(',').map((e) => e.trim()).filter(Boolean);
    await ctx.checkTenant(groupId, subsidiaryId ?? undefined);
    const prisma = ctx.database();
    const actor = ctx.actor();
    let made;
    try {
      made = await prisma.$transaction(async (tx) => {
        const created = await createEndpoint(
          tx,
          ctx.secrets().masterKey,
          { groupId, subsidiaryId, url, events, format: values.format, secret: values.secret, createdBy: actor.id },
          { production: isProduction(ctx.io.env) },
        );
        await tx.auditEntry.create({
          data: {
            actorType: actor.type,
            actorId: actor.id,
            action: 'webhook.create',
            groupId,
            subsidiaryId,
            payload: { endpointId: created.endpoint.id, format: created.endpoint.format, events: created.endpoint.events, url: created.endpoint.urlMasked },
          },
        });
        return created;
      });
    } catch (err) {
      if (err instanceof EndpointError) throw new UsageError(`--${err.field === 'subsidiaryId' ? 'subsidiary' : err.field}: ${err.message.slice(err.field.length + 1)}`, NAME);
      throw err;
    }
    if (values.json) {
      ctx.io.out(toJson({ endpointId: made.endpoint.id, secret: made.secret }));
      return;
    }
    const lines = [
      `Endpoint     ${made.endpoint.id}`,
      `URL          ${made.endpoint.urlMasked}`,
      `Format       ${made.endpoint.format}`,
      `Events       ${made.endpoint.events.join(', ')}`,
      `Receives     ${subsidiaryId ? `subsidiary ${subsidiaryId}` : `every subsidiary of group ${groupId}`}`,
    ];
    if (made.secret && made.endpoint.format === 'standard') {
      lines.push(`Secret       ${made.secret}`, '', 'The secret is shown only this once: give it to the receiver now (it verifies webhook-signature with it).');
    }
    ctx.io.out(lines.join('\n'));
  },
});
