import { SignJWT, jwtVerify } from 'jose';
import type { SecretsConfig } from './config';

export const HR_ROLES = ['hr', 'group_hr', 'auditor'] as const;
export type HrRole = (typeof HR_ROLES)[number];

export interface HrClaims {
  sub: string;
  role: HrRole;
  groupId: string;
  subsidiaryId?: string;
}

/** Mints an HR bearer token (the operator CLI's `turnout token`). */
export async function mintHrToken(secrets: SecretsConfig, claims: HrClaims, ttlSeconds: number): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(secrets.jwtIssuer)
    .setAudience(secrets.jwtAudience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(secrets.jwtSecret);
}

/** Verifies issuer, audience and expiry with the algorithm pinned to HS256. */
export async function verifyHrToken(secrets: SecretsConfig, token: string): Promise<HrClaims> {
  const { payload } = await jwtVerify(token, secrets.jwtSecret, {
    algorithms: ['HS256'],
    issuer: secrets.jwtIssuer,
    audience: secrets.jwtAudience,
    // Without exp a token would never expire: refuse it rather than trust it forever.
    requiredClaims: ['exp'],
  });
  return hrClaims({ sub: payload.sub, role: payload.role, groupId: payload.groupId, subsidiaryId: payload.subsidiaryId });
}

/**
 * The rules every HR identity follows, whether it arrives as a bearer token,
 * from the identity provider's ID token or from a console link: a subject, a
 * known role, a group, and a subsidiary for `hr`. Throws naming what is wrong.
 */
export function hrClaims(raw: { sub: unknown; role: unknown; groupId: unknown; subsidiaryId?: unknown }): HrClaims {
  const { sub, role, groupId, subsidiaryId } = raw;
  if (typeof sub !== 'string') throw new Error('the identity has no subject');
  if (!HR_ROLES.includes(role as HrRole)) throw new Error(`the role must be one of ${HR_ROLES.join(', ')}`);
  if (typeof groupId !== 'string') throw new Error('the identity has no group');
  if (role === 'hr' && typeof subsidiaryId !== 'string') throw new Error('the hr role needs a subsidiary');
  return {
    sub,
    role: role as HrRole,
    groupId,
    ...(typeof subsidiaryId === 'string' ? { subsidiaryId } : {}),
  };
}
