import { isDeepStrictEqual } from 'node:util';
import { Prisma, type PrismaClient } from './database';
import type { SecretsConfig } from './config';
import { DEFAULT_POLICY, resolvePolicy, type GroupPolicy } from '../domain/policy';
import { decryptSecret, encryptSecret, randomToken } from './secrets';

/**
 * Tenant and platform-key administration: a group (found by name), its
 * subsidiaries, and the API keys that recruitment platforms sign events with.
 * Used by the operator CLI and meant for the API's admin routes too, so every
 * function takes its PrismaClient and secrets and never reads configuration.
 */

export type TenantSecrets = Pick<SecretsConfig, 'masterKey'>;

/** Who performed an administrative action, for the audit trail. */
export interface Actor {
  type: string;
  id: string;
}

export class TenantError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID' | 'REVOKED',
    message: string,
  ) {
    super(message);
    this.name = 'TenantError';
  }
}

export interface CreateTenantInput {
  groupName: string;
  subsidiaryName: string;
  /**
   * A full or partial policy, validated by resolvePolicy over DEFAULT_POLICY
   * (missing fields take the defaults). For a new group it is the group's
   * policy; for an existing one it replaces the policy when it differs, and
   * the policy version goes up. Undefined leaves an existing policy alone.
   */
  policy?: unknown;
}

export interface CreatedTenant {
  groupId: string;
  subsidiaryId: string;
  apiKeyId: string;
  apiSecret: string;
  groupCreated: boolean;
  subsidiaryCreated: boolean;
  policyVersion: number;
  policyUpdated: boolean;
}

export interface IssuedApiKey {
  apiKeyId: string;
  apiSecret: string;
  subsidiaryId: string;
}

export interface ApiKeySummary {
  id: string;
  subsidiaryId: string;
  status: 'ACTIVE' | 'REVOKED';
  createdAt: Date;
  revokedAt: Date | null;
}

const MAX_NAME_LENGTH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const API_KEY_ID_PREFIX = 'key_';
export const API_SECRET_PREFIX = 'sk_';

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function cleanName(value: string, what: string): string {
  const name = value.trim();
  if (name === '') throw new TenantError('INVALID', `${what} name must not be empty`);
  if (name.length > MAX_NAME_LENGTH) throw new TenantError('INVALID', `${what} name must be at most ${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new TenantError('INVALID', `${what} name must not contain control characters`);
  return name;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

type Db = PrismaClient | Prisma.TransactionClient;

async function audit(
  db: Db,
  actor: Actor,
  action: string,
  scope: { groupId?: string; subsidiaryId?: string },
  payload: Record<string, unknown>,
): Promise<void> {
  await db.auditEntry.create({
    data: {
      actorType: actor.type,
      actorId: actor.id,
      action,
      groupId: scope.groupId ?? null,
      subsidiaryId: scope.subsidiaryId ?? null,
      payload: payload as Prisma.InputJsonValue,
    },
  });
}

async function insertApiKey(db: Db, secrets: TenantSecrets, subsidiaryId: string): Promise<IssuedApiKey> {
  const apiKeyId = `${API_KEY_ID_PREFIX}${randomToken(12)}`;
  const apiSecret = `${API_SECRET_PREFIX}${randomToken(32)}`;
  await db.apiClient.create({
    data: { id: apiKeyId, subsidiaryId, secretEncrypted: encryptSecret(secrets.masterKey, apiSecret) },
  });
  return { apiKeyId, apiSecret, subsidiaryId };
}

/**
 * Creates (or reuses, by name) a group and a subsidiary, and issues a new API
 * key for the subsidiary. Throws PolicyError for a bad policy before touching
 * the database. The secret is returned once and stored only encrypted.
 */
export async function createTenant(
  prisma: PrismaClient,
  secrets: TenantSecrets,
  input: CreateTenantInput,
  actor: Actor,
): Promise<CreatedTenant> {
  const groupName = cleanName(input.groupName, 'group');
  const subsidiaryName = cleanName(input.subsidiaryName, 'subsidiary');
  const policy: GroupPolicy | undefined = input.policy === undefined ? undefined : resolvePolicy(input.policy, DEFAULT_POLICY);

  const attempt = () =>
    prisma.$transaction(async (tx) => {
      let group = await tx.group.findUnique({ where: { name: groupName } });
      const groupCreated = group === null;
      let policyUpdated = false;
      if (group === null) {
        group = await tx.group.create({
          data: { name: groupName, policy: (policy ?? DEFAULT_POLICY) as unknown as Prisma.InputJsonValue },
        });
        await audit(tx, actor, 'group.create', { groupId: group.id }, { name: groupName, policyVersion: group.policyVersion });
      } else if (policy !== undefined && !isDeepStrictEqual(group.policy, policy)) {
        group = await tx.group.update({
          where: { id: group.id },
          data: { policy: policy as unknown as Prisma.InputJsonValue, policyVersion: { increment: 1 } },
        });
        policyUpdated = true;
        await audit(tx, actor, 'group.policy.update', { groupId: group.id }, { policyVersion: group.policyVersion });
      }

      let subsidiary = await tx.subsidiary.findUnique({
        where: { groupId_name: { groupId: group.id, name: subsidiaryName } },
      });
      const subsidiaryCreated = subsidiary === null;
      if (subsidiary === null) {
        subsidiary = await tx.subsidiary.create({ data: { groupId: group.id, name: subsidiaryName } });
        await audit(tx, actor, 'subsidiary.create', { groupId: group.id, subsidiaryId: subsidiary.id }, { name: subsidiaryName });
      }

      const key = await insertApiKey(tx, secrets, subsidiary.id);
      await audit(tx, actor, 'apikey.create', { groupId: group.id, subsidiaryId: subsidiary.id }, { apiKeyId: key.apiKeyId });
      return {
        groupId: group.id,
        subsidiaryId: subsidiary.id,
        apiKeyId: key.apiKeyId,
        apiSecret: key.apiSecret,
        groupCreated,
        subsidiaryCreated,
        policyVersion: group.policyVersion,
        policyUpdated,
      };
    });

  try {
    return await attempt();
  } catch (err) {
    // Another caller created the same group or subsidiary between our read and
    // our insert: the second attempt finds and reuses it.
    if (isUniqueViolation(err)) return attempt();
    throw err;
  }
}

async function findKey(db: Db, keyId: string) {
  const key = await db.apiClient.findUnique({
    where: { id: keyId },
    include: { subsidiary: { select: { groupId: true } } },
  });
  if (key === null) throw new TenantError('NOT_FOUND', `no API key ${keyId}`);
  return key;
}

/** Issues another API key for a subsidiary (e.g. a second platform). */
export async function issueApiKey(
  prisma: PrismaClient,
  secrets: TenantSecrets,
  subsidiaryId: string,
  actor: Actor,
): Promise<IssuedApiKey> {
  const subsidiary = isUuid(subsidiaryId) ? await prisma.subsidiary.findUnique({ where: { id: subsidiaryId } }) : null;
  if (subsidiary === null) throw new TenantError('NOT_FOUND', `no subsidiary ${subsidiaryId}`);
  return prisma.$transaction(async (tx) => {
    const key = await insertApiKey(tx, secrets, subsidiary.id);
    await audit(tx, actor, 'apikey.create', { groupId: subsidiary.groupId, subsidiaryId: subsidiary.id }, { apiKeyId: key.apiKeyId });
    return key;
  });
}

/**
 * Issues a successor to a key, for the same subsidiary. The old key stays
 * active, so a platform can switch over before the old one is revoked.
 */
export async function rotateApiKey(
  prisma: PrismaClient,
  secrets: TenantSecrets,
  keyId: string,
  actor: Actor,
): Promise<IssuedApiKey & { rotatedFrom: string }> {
  return prisma.$transaction(async (tx) => {
    const old = await findKey(tx, keyId);
    const key = await insertApiKey(tx, secrets, old.subsidiaryId);
    await audit(
      tx,
      actor,
      'apikey.rotate',
      { groupId: old.subsidiary.groupId, subsidiaryId: old.subsidiaryId },
      { apiKeyId: key.apiKeyId, rotatedFrom: old.id },
    );
    return { ...key, rotatedFrom: old.id };
  });
}

/** Revokes a key; revoking a revoked key changes nothing and says so. */
export async function revokeApiKey(
  prisma: PrismaClient,
  keyId: string,
  actor: Actor,
): Promise<ApiKeySummary & { alreadyRevoked: boolean }> {
  return prisma.$transaction(async (tx) => {
    const key = await findKey(tx, keyId);
    if (key.status === 'REVOKED') return { ...summary(key), alreadyRevoked: true };
    const revoked = await tx.apiClient.update({
      where: { id: key.id },
      data: { status: 'REVOKED', revokedAt: new Date() },
    });
    await audit(tx, actor, 'apikey.revoke', { groupId: key.subsidiary.groupId, subsidiaryId: key.subsidiaryId }, { apiKeyId: key.id });
    return { ...summary(revoked), alreadyRevoked: false };
  });
}

/** A subsidiary's keys, oldest first, without their secrets. */
export async function listApiKeys(prisma: PrismaClient, subsidiaryId: string): Promise<ApiKeySummary[]> {
  const subsidiary = isUuid(subsidiaryId) ? await prisma.subsidiary.findUnique({ where: { id: subsidiaryId } }) : null;
  if (subsidiary === null) throw new TenantError('NOT_FOUND', `no subsidiary ${subsidiaryId}`);
  const keys = await prisma.apiClient.findMany({
    where: { subsidiaryId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return keys.map(summary);
}

/** The plaintext secret of an active key (to sign a test event, or to verify one). */
export async function readApiKeySecret(prisma: PrismaClient, secrets: TenantSecrets, keyId: string): Promise<string> {
  const key = await findKey(prisma, keyId);
  if (key.status !== 'ACTIVE') throw new TenantError('REVOKED', `API key ${keyId} is revoked`);
  return decryptSecret(secrets.masterKey, key.secretEncrypted);
}

function summary(key: { id: string; subsidiaryId: string; status: 'ACTIVE' | 'REVOKED'; createdAt: Date; revokedAt: Date | null }): ApiKeySummary {
  return { id: key.id, subsidiaryId: key.subsidiaryId, status: key.status, createdAt: key.createdAt, revokedAt: key.revokedAt };
}
