import type { FastifyRequest } from 'fastify';
import type { Prisma } from '../lib/database';
import type { SecretsConfig } from '../lib/config';
import { verifyHrToken, type HrClaims, type HrRole } from '../lib/hr-token';
import { ApiError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    hr?: HrClaims;
  }
}

/** Verifies the bearer JWT (issuer, audience, expiry, HS256 pinned) and checks the role. */
export async function authenticateHr(req: FastifyRequest, secrets: SecretsConfig, roles: readonly HrRole[]): Promise<HrClaims> {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ')) throw new ApiError(401, 'missing_token', 'Authorization: Bearer <token> is required');
  let claims: HrClaims;
  try {
    claims = await verifyHrToken(secrets, auth.slice('Bearer '.length).trim());
  } catch (err) {
    const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
    throw new ApiError(401, expired ? 'token_expired' : 'invalid_token', expired ? 'the token has expired' : 'the token is not valid');
  }
  if (!roles.includes(claims.role)) throw new ApiError(403, 'forbidden', `role ${claims.role} may not do this`);
  return claims;
}

/**
 * The interviews a caller may see: hr their subsidiary, group_hr and auditors
 * their group (an auditor token bound to a subsidiary sees only that one).
 * Out-of-scope rows are simply not found, so they answer 404, never leak.
 */
export function interviewScope(claims: HrClaims): Prisma.InterviewWhereInput {
  if (claims.role === 'hr' || claims.subsidiaryId) return { subsidiaryId: claims.subsidiaryId };
  return { subsidiary: { groupId: claims.groupId } };
}
