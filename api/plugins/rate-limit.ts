/**
 * Per-client rate limit. A caller is counted by who it proves to be: a
 * platform by its API key, HR by its token's subject, everyone else
 * (candidates' self-service links, unauthenticated calls) by IP address.
 * Identities are checked before they are used as a key, so a client cannot
 * dodge its limit by sending a new made-up key or token with every request.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SecretsConfig } from '../../lib/config';
import type { PrismaClient } from '../../lib/database';
import { verifyHrToken } from '../../lib/hr-token';
import { ApiError } from '../errors';

export interface RateLimitOptions {
  prisma: PrismaClient;
  secrets: SecretsConfig;
  /** Per platform key or HR subject, per minute; 0 turns the limit off. */
  perMinute: number;
  /** Per IP address, per minute, for callers without a verified identity. */
  anonymousPerMinute: number;
}

const WINDOW_MS = 60_000;
/** How long a looked-up API key id is remembered; a revoked key then falls back to its IP's limit. */
const KEY_CACHE_MS = 60_000;
const KEY_CACHE_MAX = 10_000;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  if (opts.perMinute === 0) return;

  // API key id → whether it names an active key, remembered briefly so a flood costs no database round trip each.
  const knownKeys = new Map<string, { active: boolean; until: number }>();
  async function isActiveKey(keyId: string): Promise<boolean> {
    const now = Date.now();
    const cached = knownKeys.get(keyId);
    if (cached && cached.until > now) return cached.active;
    const row = keyId.length <= 100 ? await opts.prisma.apiClient.findUnique({ where: { id: keyId }, select: { status: true } }) : null;
    const active = row?.status === 'ACTIVE';
    if (knownKeys.size >= KEY_CACHE_MAX) knownKeys.delete(knownKeys.keys().next().value!);
    knownKeys.set(keyId, { active, until: now + KEY_CACHE_MS });
    return active;
  }

  async function clientKey(req: FastifyRequest): Promise<string> {
    const auth = header(req, 'authorization');
    if (auth?.startsWith('Bearer ')) {
      try {
        const claims = await verifyHrToken(opts.secrets, auth.slice('Bearer '.length).trim());
        return `hr:${claims.groupId}:${claims.sub}`;
      } catch {
        // Not a valid token: counted by address; authentication answers 401 after.
      }
    }
    const keyId = header(req, 'x-api-key');
    if (keyId && (await isActiveKey(keyId))) return `key:${keyId}`;
    return `ip:${req.ip}`;
  }

  await app.register(rateLimit, {
    global: true,
    timeWindow: WINDOW_MS,
    keyGenerator: clientKey,
    max: (_req, key) => (key.startsWith('ip:') ? opts.anonymousPerMinute : opts.perMinute),
    // A failing store must not take the API down with it.
    skipOnError: true,
    errorResponseBuilder: (_req, ctx) =>
      new ApiError(429, 'rate_limited', `too many requests: at most ${ctx.max} a minute; retry in ${ctx.after}`, {
        limit: ctx.max,
        retryAfterSeconds: Math.ceil(ctx.ttl / 1000),
      }),
  });
}

export default fp(rateLimitPlugin, { name: 'turnout-rate-limit', fastify: '5.x' });
