/**
 * The platform's scope: signed events from a subsidiary's interview platform
 * (POST /v1/events). Its hook checks `x-api-key` and `x-signature` over the raw
 * body, so it runs once the body is read and before the body is validated: an
 * unsigned caller learns nothing about the schema. It resolves
 * `request.platform`, and the platform's rate-limit budget is charged only
 * once the signature has verified.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { PrismaClient } from '../../lib/database';
import { decryptSecret, safeEqualHex, signPayload } from '../../lib/secrets';
import { ApiError } from '../errors';
import { authenticateThenCharge } from '../plugins/rate-limit';
import eventsRoutes from '../routes/events';
import { documentScope } from './document';

/** Signatures older (or newer) than this are rejected as replays. */
export const SIGNATURE_TOLERANCE_S = 300;

export interface PlatformCaller {
  apiClientId: string;
  subsidiaryId: string;
  groupId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The platform whose key signed the request; set in the platform scope only. */
    platform: PlatformCaller | null;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks `x-api-key` and `x-signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Every failure is a 401 that says which part failed, never which secret was expected.
 */
export async function authenticatePlatform(
  req: FastifyRequest,
  prisma: PrismaClient,
  masterKey: Buffer,
  now = Date.now(),
): Promise<PlatformCaller> {
  const keyId = header(req, 'x-api-key');
  const signature = header(req, 'x-signature');
  if (!keyId) throw new ApiError(401, 'missing_api_key', 'x-api-key header is required');
  if (!signature) throw new ApiError(401, 'missing_signature', 'x-signature header is required');
  const parts = Object.fromEntries(signature.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  const v1 = parts.v1;
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) {
    throw new ApiError(401, 'malformed_signature', 'x-signature must be "t=<unix seconds>,v1=<hex HMAC-SHA256>"');
  }
  if (Math.abs(now / 1000 - t) > SIGNATURE_TOLERANCE_S) {
    throw new ApiError(401, 'stale_signature', `x-signature timestamp is more than ${SIGNATURE_TOLERANCE_S / 60} minutes from now`);
  }
  // Plain SQL: every platform event passes here.
  const [client] = await prisma.$queryRaw<Array<{ id: string; subsidiaryId: string; groupId: string; status: string; secretEncrypted: string }>>`
    SELECT c.id, c."subsidiaryId", s."groupId", c.status::text AS status, c."secretEncrypted"
      FROM "ApiClient" c JOIN "Subsidiary" s ON s.id = c."subsidiaryId"
     WHERE c.id = ${keyId}`;
  if (!client) throw new ApiError(401, 'unknown_api_key', 'x-api-key is not a known key');
  if (client.status !== 'ACTIVE') throw new ApiError(401, 'revoked_api_key', 'x-api-key has been revoked');
  const expected = signPayload(decryptSecret(masterKey, client.secretEncrypted), t, req.rawBody ?? '');
  if (!safeEqualHex(expected, v1)) throw new ApiError(401, 'bad_signature', 'x-signature does not match the body');
  return { apiClientId: client.id, subsidiaryId: client.subsidiaryId, groupId: client.groupId };
}

const platformScope: FastifyPluginAsync = async (app) => {
  const { prisma, secrets } = app.turnout;
  app.decorateRequest('platform', null);
  app.addHook('onRoute', documentScope({ security: [{ platformKey: [] }], rateLimited: true }));
  app.addHook('preValidation', async (req, reply) => {
    await authenticateThenCharge(req, reply, async () => {
      req.platform = await authenticatePlatform(req, prisma, secrets.masterKey);
    });
  });
  await app.register(eventsRoutes);
};

export default platformScope;
