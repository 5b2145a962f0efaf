/**
 * Per-caller rate limit, charged after authentication to the identity the
 * scope's hook resolved: a platform by its API key (request.platform), HR by
 * its token's subject (request.hr), a provider's verified receipts by the
 * provider and address (request.receiptsFrom). Everyone else (candidates'
 * self-service links, failed authentication, unknown routes) is counted by IP
 * address under the anonymous limit. Nothing is charged to an identity the
 * request has not proved: a stranger naming a platform's key id with a bad
 * signature spends only its own address's budget. A failed authentication is
 * charged once it has failed, so a request over the address's budget has
 * still been checked once before its 429; charging the address before the
 * check instead would let failures from a shared address (a proxy in front
 * without TRUST_PROXY) lock out the verified callers behind it.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

export interface RateLimitOptions {
  /** Per platform key or HR subject, per minute; 0 turns the limit off. */
  perMinute: number;
  /** Per IP address, per minute, for callers without a verified identity. */
  anonymousPerMinute: number;
}

/** Counts the request against its caller's budget; answers 429 (by throwing) when that is spent. */
export type ChargeCaller = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    chargeCaller: ChargeCaller;
  }
}

const WINDOW_MS = 60_000;

/**
 * Providers post from a few shared addresses, several receipts per message
 * (queued, sent, delivered): the per-IP limit for anonymous callers would drop
 * receipts at the send rates this product allows (Twilio does not retry a
 * refused status callback). Only receipts whose signature verified count here.
 */
const RECEIPTS_PER_MINUTE = 20_000;

function callerKey(req: FastifyRequest): string {
  if (req.platform) return `key:${req.platform.apiClientId}`;
  if (req.hr) return `hr:${req.hr.groupId}:${req.hr.sub}`;
  if (req.receiptsFrom) return `receipts:${req.receiptsFrom}:${req.ip}`;
  return `ip:${req.ip}`;
}

/**
 * A scope's authentication followed by the charge: `authenticate` sets what it
 * resolves on the request, and the request is charged to that identity, or to
 * its address when authentication failed (then the failure is the answer,
 * unless the address is over its limit: 429).
 */
export async function authenticateThenCharge(req: FastifyRequest, reply: FastifyReply, authenticate: () => Promise<void>): Promise<void> {
  let failure: { error: unknown } | undefined;
  try {
    await authenticate();
  } catch (error) {
    failure = { error };
  }
  await req.server.chargeCaller(req, reply);
  if (failure) throw failure.error;
}

async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  if (opts.perMinute === 0) {
    app.decorate('chargeCaller', async () => undefined);
    return;
  }
  await app.register(rateLimit, {
    // Scopes charge explicitly, once they know who is calling: no route is limited by default.
    global: false,
    timeWindow: WINDOW_MS,
    keyGenerator: callerKey,
    max: (_req, key) => (key.startsWith('ip:') ? opts.anonymousPerMinute : key.startsWith('receipts:') ? RECEIPTS_PER_MINUTE : opts.perMinute),
    // A failing store must not take the API down with it.
    skipOnError: true,
    errorResponseBuilder: (_req, ctx) =>
      new ApiError(429, 'rate_limited', `too many requests: at most ${ctx.max} a minute; retry in ${ctx.after}`, {
        limit: ctx.max,
        retryAfterSeconds: Math.ceil(ctx.ttl / 1000),
      }),
  });
  app.decorate('chargeCaller', app.rateLimit() as ChargeCaller);
}

export default fp(rateLimitPlugin, { name: 'turnout-rate-limit', fastify: '5.x' });
