/**
 * The operator CLI against a real PostgreSQL. The jest global setup provides a
 * fresh migrated database in DATABASE_URL and TURNOUT_MASTER_KEY /
 * TURNOUT_JWT_SECRET; commands run in-process through run(), and the real
 * `cli/turnout.js` is spawned for the exit codes and JSON a shell sees.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { databaseConfig, secretsConfig, type SecretsConfig } from '../lib/config';
import { createPrisma, type PrismaClient } from '../lib/database';
import { verifyHrToken } from '../lib/hr-token';
import { DEFAULT_POLICY } from '../domain/policy';
import { decryptSecret, signPayload } from '../lib/secrets';
import { createTenant, listApiKeys, readApiKeySecret, TenantError } from '../lib/tenants';
import { run } from '../cli/main';
import { NO_RUNNING_TURNOUT } from '../cli/context';

const REPO = resolve(__dirname, '..');
const OPERATOR = { type: 'operator', id: 'cli:test' };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** One CLI invocation in this process, with its output captured. */
async function cli(args: string[], env: Record<string, string | undefined> = process.env, stdin = ''): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, {
    env: { USER: 'test', ...env },
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: async () => Buffer.from(stdin, 'utf8'),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The real executable, as `npx turnout` runs it. */
function spawnCli(args: string[]): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO, 'cli', 'turnout.js'), ...args], {
      cwd: REPO,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const unique = (prefix: string) => `${prefix} ${randomUUID().slice(0, 8)}`;

let prisma: PrismaClient;
let secrets: SecretsConfig;

beforeAll(() => {
  prisma = createPrisma(databaseConfig());
  secrets = secretsConfig();
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe('turnout tenant create', () => {
  test('prints groupId, subsidiaryId, apiKeyId and apiSecret as JSON; the stored secret decrypts to the printed one', async () => {
    const groupName = unique('Acme');
    const result = await spawnCli(['tenant', 'create', '--group', groupName, '--subsidiary', 'Acme Poland', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const printed = JSON.parse(result.stdout) as Record<string, string>;
    expect(Object.keys(printed).sort()).toEqual(['apiKeyId', 'apiSecret', 'groupId', 'subsidiaryId']);
    expect(printed.apiKeyId).toMatch(/^key_[A-Za-z0-9_-]{16}$/);
    expect(printed.apiSecret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);

    const group = await prisma.group.findUniqueOrThrow({ where: { id: printed.groupId! } });
    expect(group.name).toBe(groupName);
    expect(group.policy).toEqual(DEFAULT_POLICY);
    const subsidiary = await prisma.subsidiary.findUniqueOrThrow({ where: { id: printed.subsidiaryId! } });
    expect(subsidiary).toMatchObject({ groupId: group.id, name: 'Acme Poland' });
    const key = await prisma.apiClient.findUniqueOrThrow({ where: { id: printed.apiKeyId! } });
    expect(key).toMatchObject({ subsidiaryId: subsidiary.id, status: 'ACTIVE', revokedAt: null });
    expect(key.secretEncrypted).not.toContain(printed.apiSecret);
    expect(decryptSecret(secrets.masterKey, key.secretEncrypted)).toBe(printed.apiSecret);

    const audit = await prisma.auditEntry.findMany({ where: { groupId: group.id }, orderBy: { at: 'asc' } });
    expect(audit.map((a) => a.action).sort()).toEqual(['apikey.create', 'group.create', 'subsidiary.create']);
    expect(audit.every((a) => a.actorType === 'operator')).toBe(true);
  });

  test('reuses an existing group by name and an existing subsidiary; --policy replaces the policy with a new version', async () => {
    const groupName = unique('Globex');
    const first = await createTenant(prisma, secrets, { groupName, subsidiaryName: 'North' }, OPERATOR);
    expect(first).toMatchObject({ groupCreated: true, subsidiaryCreated: true, policyVersion: 1, policyUpdated: false });

    const second = await cli(['tenant', 'create', '--group', groupName, '--subsidiary', 'South', '--json']);
    expect(second.code).toBe(0);
    const south = JSON.parse(second.stdout) as { groupId: string; subsidiaryId: string };
    expect(south.groupId).toBe(first.groupId);
    expect(south.subsidiaryId).not.toBe(first.subsidiaryId);
    expect(await prisma.group.count({ where: { name: groupName } })).toBe(1);

    const again = await createTenant(prisma, secrets, { groupName, subsidiaryName: 'North' }, OPERATOR);
    expect(again).toMatchObject({ groupId: first.groupId, subsidiaryId: first.subsidiaryId, subsidiaryCreated: false });
    expect(again.apiKeyId).not.toBe(first.apiKeyId);
    expect((await listApiKeys(prisma, first.subsidiaryId)).map((k) => k.status)).toEqual(['ACTIVE', 'ACTIVE']);

    const policy = { grace: 'PT5S', reminderOffsets: ['PT1M', 'PT30S'] };
    const updated = await cli(['tenant', 'create', '--group', groupName, '--subsidiary', 'North', '--policy', JSON.stringify(policy)]);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('Group policy updated: now version 2');
    let group = await prisma.group.findUniqueOrThrow({ where: { id: first.groupId } });
    expect(group.policyVersion).toBe(2);
    expect(group.policy).toEqual({ ...DEFAULT_POLICY, ...policy });

    // The same policy again is no change, so no new version.
    const same = await createTenant(prisma, secrets, { groupName, subsidiaryName: 'North', policy }, OPERATOR);
    expect(same).toMatchObject({ policyVersion: 2, policyUpdated: false });
    group = await prisma.group.findUniqueOrThrow({ where: { id: first.groupId } });
    expect(group.policyVersion).toBe(2);
  });

  test('a bad --policy exits 2 naming the field, and creates nothing', async () => {
    const groupName = unique('Initech');
    const result = await spawnCli([
      'tenant', 'create', '--group', groupName, '--subsidiary', 'HQ', '--policy', '{"retention":{"NO_REASON":"P5Y"}}',
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('retention.NO_REASON');

    const inProcess = await cli(['tenant', 'create', '--group', groupName, '--subsidiary', 'HQ', '--policy', '{"grace":"soon"}']);
    expect(inProcess.code).toBe(2);
    expect(inProcess.stderr).toMatch(/^turnout: --policy: grace: /);

    const notJson = await cli(['tenant', 'create', '--group', groupName, '--subsidiary', 'HQ', '--policy', '{grace']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('not valid JSON');

    expect(await prisma.group.count({ where: { name: groupName } })).toBe(0);
  });

  test('missing options and unknown flags are usage errors (exit 2, one line)', async () => {
    for (const args of [
      ['tenant', 'create', '--subsidiary', 'x'],
      ['tenant', 'create', '--group', 'x', '--subsidiary', 'y', '--colour', 'red'],
      ['tenant'],
      ['bogus'],
    ]) {
      const result = await cli(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr.split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^turnout: /);
    }
    const help = await cli(['tenant', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: turnout tenant create --group <name> --subsidiary <name>/);
  });
});

describe('turnout token', () => {
  test('prints a token that verifyHrToken accepts, carrying the claims and the ttl', async () => {
    const tenant = await createTenant(prisma, secrets, { groupName: unique('Umbrella'), subsidiaryName: 'Labs' }, OPERATOR);
    const result = await cli([
      'token', '--role', 'hr', '--group', tenant.groupId, '--subsidiary', tenant.subsidiaryId, '--sub', 'hr-anna', '--ttl', '30m',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const claims = await verifyHrToken(secrets, result.stdout.trim());
    expect(claims).toEqual({ sub: 'hr-anna', role: 'hr', groupId: tenant.groupId, subsidiaryId: tenant.subsidiaryId });
    const payload = JSON.parse(Buffer.from(result.stdout.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    expect(payload.exp - payload.iat).toBe(30 * 60);

    const groupHr = await cli(['token', '--role', 'group_hr', '--group', tenant.groupId, '--ttl', '7d', '--json']);
    expect(groupHr.code).toBe(0);
    const printed = JSON.parse(groupHr.stdout) as { token: string; expiresAt: string };
    expect(await verifyHrToken(secrets, printed.token)).toEqual({ sub: 'operator', role: 'group_hr', groupId: tenant.groupId });
    expect(Date.parse(printed.expiresAt) - Date.now()).toBeGreaterThan(7 * 86400 * 1000 - 60_000);
  });

  test('refuses an hr token without a subsidiary, an unknown role, a bad ttl, and ids that do not match', async () => {
    const a = await createTenant(prisma, secrets, { groupName: unique('Stark'), subsidiaryName: 'One' }, OPERATOR);
    const b = await createTenant(prisma, secrets, { groupName: unique('Wayne'), subsidiaryName: 'Two' }, OPERATOR);
    expect((await cli(['token', '--role', 'hr', '--group', a.groupId])).code).toBe(2);
    expect((await cli(['token', '--role', 'admin', '--group', a.groupId])).code).toBe(2);
    expect((await cli(['token', '--role', 'auditor', '--group', a.groupId, '--ttl', '1y'])).code).toBe(2);
    expect((await cli(['token', '--role', 'auditor', '--group', 'not-an-id'])).code).toBe(2);

    const foreign = await cli(['token', '--role', 'hr', '--group', a.groupId, '--subsidiary', b.subsidiaryId]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('does not belong to group');
    const missing = await cli(['token', '--role', 'auditor', '--group', randomUUID()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no group');
  });
});

describe('turnout key', () => {
  test('rotate gives a second active key for the subsidiary; revoke marks the old one REVOKED', async () => {
    const tenant = await createTenant(prisma, secrets, { groupName: unique('Hooli'), subsidiaryName: 'Platform' }, OPERATOR);

    const rotated = await cli(['key', 'rotate', '--key', tenant.apiKeyId, '--json']);
    expect(rotated.code).toBe(0);
    const next = JSON.parse(rotated.stdout) as { apiKeyId: string; apiSecret: string; subsidiaryId: string; rotatedFrom: string };
    expect(next).toMatchObject({ subsidiaryId: tenant.subsidiaryId, rotatedFrom: tenant.apiKeyId });
    expect(next.apiKeyId).not.toBe(tenant.apiKeyId);
    let keys = await listApiKeys(prisma, tenant.subsidiaryId);
    expect(keys.map((k) => [k.id, k.status])).toEqual([
      [tenant.apiKeyId, 'ACTIVE'],
      [next.apiKeyId, 'ACTIVE'],
    ]);
    expect(await readApiKeySecret(prisma, secrets, next.apiKeyId)).toBe(next.apiSecret);
    expect(await readApiKeySecret(prisma, secrets, tenant.apiKeyId)).toBe(tenant.apiSecret);

    const revoked = await cli(['key', 'revoke', '--key', tenant.apiKeyId]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/^Revoked key_/);
    const row = await prisma.apiClient.findUniqueOrThrow({ where: { id: tenant.apiKeyId } });
    expect(row.status).toBe('REVOKED');
    expect(row.revokedAt).toBeInstanceOf(Date);
    keys = await listApiKeys(prisma, tenant.subsidiaryId);
    expect(keys.map((k) => k.status)).toEqual(['REVOKED', 'ACTIVE']);
    await expect(readApiKeySecret(prisma, secrets, tenant.apiKeyId)).rejects.toThrow(TenantError);

    const again = await cli(['key', 'revoke', '--key', tenant.apiKeyId]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already revoked');
    expect((await prisma.apiClient.findUniqueOrThrow({ where: { id: tenant.apiKeyId } })).revokedAt).toEqual(row.revokedAt);

    const listed = await cli(['key', 'list', '--subsidiary', tenant.subsidiaryId, '--json']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain('sk_');
    expect((JSON.parse(listed.stdout) as { id: string; status: string }[]).map((k) => k.status)).toEqual(['REVOKED', 'ACTIVE']);

    const actions = await prisma.auditEntry.findMany({ where: { subsidiaryId: tenant.subsidiaryId }, select: { action: true } });
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['apikey.rotate', 'apikey.revoke']));
  });

  test('an unknown key fails with exit 1', async () => {
    const result = await cli(['key', 'revoke', '--key', 'key_doesnotexist']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('turnout: no API key key_doesnotexist');
  });
});

describe('turnout sign', () => {
  test('prints an x-signature value that verifies over the exact body, with the given or the stored secret', async () => {
    const tenant = await createTenant(prisma, secrets, { groupName: unique('Wonka'), subsidiaryName: 'Factory' }, OPERATOR);
    const body = JSON.stringify({ id: 'evt-1', type: 'interview.cancelled', occurredAt: '2026-11-25T10:00:00+01:00', data: { interviewId: 'i-1' } });

    for (const args of [
      ['sign', '--key', tenant.apiKeyId, '--secret', tenant.apiSecret, '--file', '-'],
      ['sign', '--key', tenant.apiKeyId, '--file', '-'],
    ]) {
      const result = await cli(args, process.env, body);
      expect(result.stderr).toBe('');
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(result.stdout);
      expect(m).not.toBeNull();
      const t = Number(m![1]);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
      expect(m![2]).toBe(signPayload(tenant.apiSecret, t, body));
    }
  });
});

describe('configuration', () => {
  test('without DATABASE_URL and without a running local Turnout, says how to start one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnout-cli-'));
    try {
      const result = await cli(['key', 'list', '--subsidiary', randomUUID()], {
        ...process.env,
        DATABASE_URL: undefined,
        TURNOUT_DATA_DIR: dir,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`turnout: ${NO_RUNNING_TURNOUT}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without secrets in the environment or the data directory, refuses rather than generating them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnout-cli-'));
    try {
      const result = await cli(['tenant', 'create', '--group', unique('NoKeys'), '--subsidiary', 'x'], {
        ...process.env,
        TURNOUT_MASTER_KEY: undefined,
        TURNOUT_JWT_SECRET: undefined,
        TURNOUT_DATA_DIR: dir,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('TURNOUT_MASTER_KEY and TURNOUT_JWT_SECRET are not set');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
