import { readFileSync } from 'node:fs';
import { signatureHeader } from '../lib/secrets';
import { readApiKeySecret } from '../lib/tenants';
import { command, firstLine, requireOption, UsageError } from './context';

const NAME = 'sign';

export const sign = command({
  name: NAME,
  summary: 'Print the x-signature header value for a platform event body',
  help: `Usage: turnout sign --key <key id> [--secret <secret>] --file <body.json>|-

Prints the value of the x-signature header (t=<unix seconds>,v1=<hex HMAC>)
for the exact bytes of the body, valid for 5 minutes. Send the same bytes:

  SIG=$(npx turnout sign --key "$KEY" --secret "$SECRET" --file body.json)
  curl -X POST http://localhost:3000/v1/events -H 'content-type: application/json' \\
    -H "x-api-key: $KEY" -H "x-signature: $SIG" --data-binary @body.json

Without --secret the key's secret is read from the database (needs
TURNOUT_MASTER_KEY, or the local product's secrets), and the key must be active.

Options:
  --key <key id>        the platform key (key_...) that the x-api-key header names
  --secret <secret>     the key's secret (sk_...), as printed when the key was issued
  --file <path>|-       the body to sign; - reads standard input
  -h, --help            show this help`,
  options: {
    key: { type: 'string' },
    secret: { type: 'string' },
    file: { type: 'string' },
  },
  async run(values, ctx) {
    const keyId = requireOption(values.key, '--key', NAME);
    const file = requireOption(values.file, '--file', NAME);
    if (values.secret !== undefined && values.secret.trim() === '') throw new UsageError('--secret must not be empty', NAME);

    let raw: Buffer;
    try {
      raw = file === '-' ? await ctx.io.readStdin() : readFileSync(file);
    } catch (err) {
      throw new UsageError(`--file: cannot read ${file}: ${firstLine(err)}`, NAME);
    }
    const body = raw.toString('utf8');
    // The signature covers bytes; a body that is not UTF-8 would not survive as a string.
    if (!Buffer.from(body, 'utf8').equals(raw)) throw new UsageError('--file: the body is not valid UTF-8', NAME);
    if (body.length === 0) throw new UsageError('--file: the body is empty', NAME);

    const secret = values.secret ?? (await readApiKeySecret(ctx.database(), ctx.secrets(), keyId));
    ctx.io.out(signatureHeader(secret, body));
  },
});
