import { listApiKeys, revokeApiKey, rotateApiKey } from '../lib/tenants';
import { command, requireOption, requireUuid, toJson } from './context';

export const keyRotate = command({
  name: 'key rotate',
  summary: 'Issue a successor platform API key (the old one stays active until revoked)',
  help: `Usage: turnout key rotate --key <key id> [--json]

Issues a new API key for the same subsidiary as <key id> and prints its id and
secret (shown only this once). The old key stays active, so the platform can
switch over without dropping events; revoke it afterwards with
\`turnout key revoke --key <key id>\`.

Options:
  --key <key id>        the key to replace (key_...)
  --json                print { apiKeyId, apiSecret, subsidiaryId, rotatedFrom } as JSON
  -h, --help            show this help`,
  options: {
    key: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    const keyId = requireOption(values.key, '--key', 'key rotate');
    const key = await rotateApiKey(ctx.database(), ctx.secrets(), keyId, ctx.actor());
    if (values.json) {
      ctx.io.out(toJson(key));
      return;
    }
    ctx.io.out(
      [
        `New API key id   ${key.apiKeyId} (subsidiary ${key.subsidiaryId})`,
        `New API secret   ${key.apiSecret}`,
        '',
        'The secret is shown only this once.',
        `${key.rotatedFrom} stays active until you run: turnout key revoke --key ${key.rotatedFrom}`,
      ].join('\n'),
    );
  },
});

export const keyRevoke = command({
  name: 'key revoke',
  summary: 'Revoke a platform API key',
  help: `Usage: turnout key revoke --key <key id> [--json]

Marks the key REVOKED: events signed with it are refused from then on.
Revoking a revoked key changes nothing.

Options:
  --key <key id>        the key to revoke (key_...)
  --json                print the key { id, subsidiaryId, status, createdAt, revokedAt } as JSON
  -h, --help            show this help`,
  options: {
    key: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    const keyId = requireOption(values.key, '--key', 'key revoke');
    const { alreadyRevoked, ...key } = await revokeApiKey(ctx.database(), keyId, ctx.actor());
    if (values.json) {
      ctx.io.out(toJson(key));
      return;
    }
    const at = key.revokedAt?.toISOString() ?? 'an unknown time';
    ctx.io.out(alreadyRevoked ? `${key.id} was already revoked (at ${at})` : `Revoked ${key.id} at ${at}`);
  },
});

export const keyList = command({
  name: 'key list',
  summary: "List a subsidiary's platform API keys (never their secrets)",
  help: `Usage: turnout key list --subsidiary <id> [--json]

Lists the subsidiary's API keys, oldest first, with their status. Secrets are
never shown: a lost secret is replaced with \`turnout key rotate\`.

Options:
  --subsidiary <id>     subsidiary id, as printed by \`turnout tenant create\`
  --json                print a JSON array of { id, subsidiaryId, status, createdAt, revokedAt }
  -h, --help            show this help`,
  options: {
    subsidiary: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    const subsidiaryId = requireUuid(values.subsidiary, '--subsidiary', 'key list');
    const keys = await listApiKeys(ctx.database(), subsidiaryId);
    if (values.json) {
      ctx.io.out(toJson(keys));
      return;
    }
    if (keys.length === 0) {
      ctx.io.out(`No API keys for subsidiary ${subsidiaryId}`);
      return;
    }
    const width = Math.max(6, ...keys.map((k) => k.id.length));
    const rows = keys.map(
      (k) => `${k.id.padEnd(width)}  ${k.status.padEnd(7)}  ${k.createdAt.toISOString()}  ${k.revokedAt?.toISOString() ?? '-'}`,
    );
    ctx.io.out([`${'KEY ID'.padEnd(width)}  STATUS   CREATED                   REVOKED`, ...rows].join('\n'));
  },
});
