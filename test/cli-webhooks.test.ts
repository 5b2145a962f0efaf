/**
 * The operator CLI's alert and webhook settings: `tenant create --hr-email`
 * (repeatable) names where HR alerts go, `webhook add` adds an endpoint with
 * the same rules as the API (URL, events, secret), printing its secret once.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { databaseConfig, secretsConfig, type SecretsConfig } from '../lib/config';
import { createPrisma, type PrismaClient } from '../lib/database';
import { decryptSecret } from '../lib/secrets';
import { run } from '../cli/main';

let prisma: PrismaClient;
let secrets: SecretsConfig;
beforeAll(() => {
  prisma = createPrisma(databaseConfig());
  secrets = secretsConfig();
});
afterAll(async () => {
  await prisma.$disconnect();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { env: { USER: 'test', ...process.env }, out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => Buffer.alloc(0) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const unique = (prefix: string) => `${prefix} ${randomUUID().slice(0, 8)}`;

test('tenant create --hr-email, repeated, sets where the subsidiary\'s alerts go; a bad address is a usage error', async () => {
  const res = await cli(['tenant', 'create', '--group', unique('Acme'), '--subsidiary', 'SH', '--hr-email', 'a@example.test', '--hr-email', 'b@example.test', '--json']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const { subsidiaryId } = JSON.parse(res.stdout) as { subsidiaryId: string };
  const config = await prisma.alertingConfig.findUniqueOrThrow({ where: { subsidiaryId } });
  expect(config).toMatchObject({ emails: ['a@example.test', 'b@example.test'], locale: 'zh-CN', updatedBy: 'cli:test' });
  expect(await prisma.auditEntry.count({ where: { subsidiaryId, action: 'alerting.update' } })).toBe(1);

  const bad = await cli(['tenant', 'create', '--group', unique('Acme'), '--subsidiary', 'SH', '--hr-email', 'not-an-address']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--hr-email');
});

test('webhook add creates a group-wide or subsidiary endpoint, prints its secret once, and refuses what the API refuses', async () => {
  const tenant = JSON.parse((await cli(['tenant', 'create', '--group', unique('Globex'), '--subsidiary', 'BJ', '--json'])).stdout) as { groupId: string; subsidiaryId: string };
  const added = await cli(['webhook', 'add', '--group', tenant.groupId, '--url', 'http://127.0.0.1:9/hooks', '--events', 'interview.no_show,hr.alert', '--json']);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  const { endpointId, secret } = JSON.parse(added.stdout) as { endpointId: string; secret: string };
  const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
  expect(row).toMatchObject({ groupId: tenant.groupId, subsidiaryId: null, format: 'standard', events: ['interview.no_show', 'hr.alert'], createdBy: 'cli:test' });
  expect(decryptSecret(secrets.masterKey, row.secretEncrypted!)).toBe(secret);
  // A secret the standardwebhooks package takes.
  expect(() => new Webhook(secret).sign('msg_1', new Date(), '{}')).not.toThrow();

  const robot = await cli(['webhook', 'add', '--group', tenant.groupId, '--subsidiary', tenant.subsidiaryId, '--url', 'https://robot.example.test/robot/send?access_token=abcdef123456', '--events', 'hr.alert', '--format', 'dingtalk', '--secret', 'SECabc']);
  expect(robot.code).toBe(0);
  expect(robot.stdout).toContain('access_token=***');
  expect(robot.stdout).not.toContain('abcdef123456');

  for (const args of [
    ['--url', 'http://example.test/hooks', '--events', 'hr.alert'],
    ['--url', 'https://example.test/hooks', '--events', 'interview.exploded'],
    ['--url', 'https://example.test/hooks', '--events', 'interview.no_show', '--format', 'wecom'],
    ['--url', 'https://example.test/hooks', '--events', 'hr.alert', '--secret', 'short'],
  ]) {
    const res = await cli(['webhook', 'add', '--group', tenant.groupId, ...args]);
    expect([args, res.code]).toEqual([args, 2]);
  }
});
