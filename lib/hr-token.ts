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
  const role = payload.role;
  if (typeof payload.sub !== 'string' || typeof payload.groupId !== 'string' || !HR_ROLES.includes(role as HrRole)) {
    throw new Error('token lacks sub, groupId or a known role');
  }
  if (role === 'hr' && typeof payload.subsidiaryId !== 'string') throw new Error('an hr token needs subsidiaryId');
  return {
    sub: payload.sub,
    role: role as HrRole,
    groupId: payload.groupId,
    ...(typeof payload.subsidiaryId === 'string' ? { subsidiaryId: payload.subsidiaryId } : {}),
  };
}
