/**
 * The OpenAPI document is the contract the server enforces: schemathesis
 * (test/schemathesis/) generates requests from the document the server
 * publishes, valid and invalid, and checks every answer against it (status
 * codes, response schemas, content types, that invalid input is refused and
 * valid input accepted, 405 with Allow for a wrong method). It runs against a
 * real stack: the API on a port with rate limits lifted, a worker, Temporal
 * and PostgreSQL, with a tenant, an HR token and a confirmed interview whose
 * ids the configuration fixes so requests reach past authentication and 404s.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ensureSchemathesis } from '../dev/schemathesis';
import { buildApiApp } from './support/api-app';
import { confirmedEvent, createTestTenant, hrToken, postEvent, selfServiceToken, startHarness, waitForInterviewRow, type Harness } from './support/harness';

const DIR = join(__dirname, 'schemathesis');
const WORK_DIR = join(__dirname, '..', '.turnout', 'schemathesis');

let h: Harness;
let app: FastifyInstance;
let env: Record<string, string>;

beforeAll(async () => {
  h = await startHarness();
  const tenant = await createTestTenant(h);
  const event = confirmedEvent({ startsAt: new Date(Date.now() + 72 * 3600_000) });
  expect((await postEvent(h, tenant, event)).statusCode).toBe(202);
  const row = await waitForInterviewRow(h, tenant.subsidiaryId, event.data.interviewId, 30_000);
  // Receipts configured as in production, so their routes answer as they do there (401 for a bad signature, not 503).
  const sendgridKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  app = await buildApiApp(h, { rateLimitPerMinute: 0, logLevel: 'fatal' }, undefined, {
    providerWebhooks: {
      twilioWebhook: { authToken: 'schemathesis-twilio-token', statusCallbackUrl: 'https://turnout.example.test/v1/webhooks/twilio/status' },
      sendgridWebhook: { publicKey: sendgridKey },
    },
  });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  env = {
    TURNOUT_ST_BASE_URL: baseUrl,
    TURNOUT_ST_HR_TOKEN: await hrToken(h, { sub: 'schemathesis', role: 'group_hr', groupId: tenant.groupId }, 3600),
    TURNOUT_ST_API_KEY: tenant.apiKeyId,
    TURNOUT_ST_API_SECRET: tenant.apiSecret,
    TURNOUT_ST_GROUP_ID: tenant.groupId,
    TURNOUT_ST_INTERVIEW_ID: event.data.interviewId,
    TURNOUT_ST_SELF_SERVICE_TOKEN: selfServiceToken(h.secrets, row.id),
  };
}, 120_000);

afterAll(async () => {
  await app?.close();
  await h?.close();
});

function runSchemathesis(bin: string, documentUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bin,
      ['--config-file', join(DIR, 'schemathesis.toml'), 'run', documentUrl, '--checks', 'all', '--no-color'],
      // Its example database and reports go to the ignored .turnout/ directory, not beside the configuration.
      { cwd: WORK_DIR, env: { ...process.env, ...env, SCHEMATHESIS_HOOKS: join(DIR, 'hooks.py'), PYTHONUNBUFFERED: '1' } },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    // Its own max-time ends the run; this only stops a hung one from outliving the test.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('schemathesis finds no failure against the published OpenAPI document', async () => {
  mkdirSync(WORK_DIR, { recursive: true });
  const bin = await ensureSchemathesis((msg) => process.stderr.write(`[schemathesis] ${msg}\n`));
  const { code, output } = await runSchemathesis(bin, `${env.TURNOUT_ST_BASE_URL}/docs/json`);
  writeFileSync(join(WORK_DIR, 'last-run.txt'), output);
  // The summary is the figure worth keeping from every run.
  process.stderr.write(`${output.split('\n').slice(-40).join('\n')}\n`);
  if (code !== 0) {
    const failures = output.slice(Math.max(0, output.indexOf('FAILURES')));
    throw new Error(`schemathesis exited ${code} (full output in .turnout/schemathesis/last-run.txt):\n${failures.slice(0, 60_000)}`);
  }
}, 12 * 60_000);
