/**
 * Outbound webhook endpoints: created by HR over the API and by operators
 * with `turnout webhook add`, both through createEndpoint, so the rules are
 * the same: a URL that lib/outbound-url.ts allows, known event types, and a
 * secret fitting the format. URLs and secrets are stored encrypted under
 * TURNOUT_MASTER_KEY (a robot's URL carries its key); lists show them masked.
 */
import { randomBytes } from 'node:crypto';
import type { Prisma, PrismaClient } from './database';
import { encryptSecret } from './secrets';
import { outboundUrlProblem } from './outbound-url';
import { EVENT_TYPES, FORMATS, ROBOT_EVENTS, ROBOT_FORMATS, SECRET_PATTERN, type EndpointFormat } from '../domain/outbound-events';

export class EndpointError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'EndpointError';
  }
}

/** A Standard Webhooks signing secret: 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** What a list shows of a URL: host and path, query values and a robot's key hidden. */
export function maskUrl(value: string, format: string): string {
  const u = new URL(value);
  for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***');
  let path = u.pathname;
  if (format !== 'standard') {
    // Feishu and others put the key in the last path segment.
    const parts = path.split('/');
    const last = parts.pop() ?? '';
    path = [...parts, last.length > 8 ? `${last.slice(0, 4)}***` : last].join('/');
  }
  return `${u.protocol}//${u.host}${path}${u.search.replace(/%2A/g, '*')}`;
}

export function maskSecret(secret: string | null): string | null {
  if (!secret) return null;
  return `${secret.startsWith('whsec_') ? 'whsec_' : ''}***${secret.slice(-4)}`;
}

export interface CreateEndpointInput {
  groupId: string;
  subsidiaryId: string | null;
  url: string;
  events: string[];
  format?: string;
  secret?: string;
  createdBy: string;
}

export interface CreatedEndpoint {
  endpoint: Prisma.WebhookEndpointGetPayload<object>;
  /** The signing secret, in plain: shown to the caller once. */
  secret: string | null;
}

export async function createEndpoint(
  db: PrismaClient | Prisma.TransactionClient,
  masterKey: Buffer,
  input: CreateEndpointInput,
  opts: { production: boolean },
): Promise<CreatedEndpoint> {
  const format = (input.format ?? 'standard') as EndpointFormat;
  if (!FORMATS.includes(format)) throw new EndpointError('format', `must be one of ${FORMATS.join(', ')}`);
  const problem = outboundUrlProblem(input.url, opts);
  if (problem) throw new EndpointError('url', problem);
  const events = [...new Set(input.events)];
  if (events.length === 0) throw new EndpointError('events', 'must name at least one event type');
  for (const e of events) {
    if (!(EVENT_TYPES as readonly string[]).includes(e)) throw new EndpointError('events', `"${e}" is not an event type (${EVENT_TYPES.join(', ')})`);
  }
  let secret: string | null;
  if (ROBOT_FORMATS.includes(format)) {
    const other = events.find((e) => !(ROBOT_EVENTS as readonly string[]).includes(e));
    if (other) throw new EndpointError('events', `a ${format} robot receives ${ROBOT_EVENTS.join(', ')} only, not ${other}`);
    if (format === 'wecom' && input.secret) throw new EndpointError('secret', 'a WeCom robot has no signing secret: its key is in the URL');
    secret = input.secret ?? null;
  } else {
    if (input.secret !== undefined && !new RegExp(SECRET_PATTERN).test(input.secret)) {
      throw new EndpointError('secret', 'must be whsec_ followed by 24 to 64 bytes in base64');
    }
    secret = input.secret ?? newSigningSecret();
  }
  if (input.subsidiaryId) {
    const sub = await db.subsidiary.findUnique({ where: { id: input.subsidiaryId } });
    if (!sub || sub.groupId !== input.groupId) throw new EndpointError('subsidiaryId', 'is not a subsidiary of the group');
  }
  const endpoint = await db.webhookEndpoint.create({
    data: {
      groupId: input.groupId,
      subsidiaryId: input.subsidiaryId,
      urlEncrypted: encryptSecret(masterKey, input.url),
      urlMasked: maskUrl(input.url, format),
      format,
      events,
      secretEncrypted: secret ? encryptSecret(masterKey, secret) : null,
      createdBy: input.createdBy,
    },
  });
  return { endpoint, secret };
}
