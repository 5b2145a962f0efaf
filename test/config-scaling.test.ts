/**
 * What it takes to run the same code at scale, read from the environment once
 * at start (lib/config.ts): worker slots, by default sized to the database
 * pool since nearly every activity holds a connection while it runs; and the
 * connection to a Temporal cluster of one's own or Temporal Cloud (TLS, mTLS,
 * API key) instead of the dev server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, temporalConfig, temporalConnectionOptions, workerTuning } from '../lib/config';

function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError was thrown');
}

const DB = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres' };

test('without WORKER_* variables, activity and send slots are twice the pool and the cache is left to the SDK', () => {
  expect(workerTuning({ ...DB, DATABASE_POOL_SIZE: '7' })).toEqual({
    maxConcurrentActivities: 14,
    maxConcurrentSends: 14,
    maxConcurrentWorkflowTasks: 40,
    maxCachedWorkflows: 0,
    shutdownGraceMs: 30_000,
  });
});

test('each WORKER_* variable sets its own slot count', () => {
  expect(
    workerTuning({
      ...DB,
      WORKER_MAX_CONCURRENT_ACTIVITIES: '33',
      WORKER_MAX_CONCURRENT_SENDS: '5',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '80',
      WORKER_MAX_CACHED_WORKFLOWS: '5000',
      WORKER_SHUTDOWN_GRACE_MS: '5000',
    }),
  ).toEqual({ maxConcurrentActivities: 33, maxConcurrentSends: 5, maxConcurrentWorkflowTasks: 80, maxCachedWorkflows: 5000, shutdownGraceMs: 5000 });
});

test.each([
  ['WORKER_MAX_CONCURRENT_ACTIVITIES', '0'],
  ['WORKER_MAX_CONCURRENT_SENDS', 'many'],
  ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
  ['WORKER_MAX_CACHED_WORKFLOWS', '-1'],
  ['WORKER_MAX_CACHED_WORKFLOWS', '10'], // fewer than the 40 workflow-task slots
  ['WORKER_SHUTDOWN_GRACE_MS', 'soon'],
])('%s=%s stops start-up with an error naming the variable', (name, value) => {
  expect(configError(() => workerTuning({ ...DB, [name]: value })).variable).toBe(name);
});

describe('the Temporal connection', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'turnout-tls-'));
    writeFileSync(join(dir, 'client.pem'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    writeFileSync(join(dir, 'ca.pem'), 'CA');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('without TLS variables it is plain gRPC to the address, as the dev server speaks', () => {
    expect(temporalConnectionOptions(temporalConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({ address: 'temporal:7233' });
  });

  test('an API key (Temporal Cloud) turns TLS on and is sent', () => {
    const options = temporalConnectionOptions(temporalConfig({ TEMPORAL_ADDRESS: 'cloud-namespace.example.test:7233', TEMPORAL_API_KEY: 'key-1' }));
    expect(options).toEqual({ address: 'cloud-namespace.example.test:7233', tls: {}, apiKey: 'key-1' });
  });

  test('mTLS files are read at start into the client certificate pair, with the server CA and name', () => {
    const options = temporalConnectionOptions(
      temporalConfig({
        TEMPORAL_TLS_CERT: join(dir, 'client.pem'),
        TEMPORAL_TLS_KEY: join(dir, 'client.key'),
        TEMPORAL_TLS_SERVER_CA: join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    );
    expect(options.tls?.clientCertPair?.crt.toString()).toBe('CERT');
    expect(options.tls?.clientCertPair?.key.toString()).toBe('KEY');
    expect(options.tls?.serverRootCACertificate?.toString()).toBe('CA');
    expect(options.tls?.serverNameOverride).toBe('temporal.internal');
  });

  test('TEMPORAL_TLS=true alone turns TLS on; a value that is not a boolean stops start-up', () => {
    expect(temporalConnectionOptions(temporalConfig({ TEMPORAL_TLS: 'true' }))).toEqual({ address: '127.0.0.1:7233', tls: {} });
    expect(configError(() => temporalConfig({ TEMPORAL_TLS: 'yes' })).variable).toBe('TEMPORAL_TLS');
  });

  test('a certificate without its key, or a file that cannot be read, stops start-up naming the variable', () => {
    expect(configError(() => temporalConfig({ TEMPORAL_TLS_CERT: join(dir, 'client.pem') })).variable).toBe('TEMPORAL_TLS_KEY');
    expect(configError(() => temporalConfig({ TEMPORAL_TLS_CERT: join(dir, 'missing.pem'), TEMPORAL_TLS_KEY: join(dir, 'client.key') })).variable).toBe(
      'TEMPORAL_TLS_CERT',
    );
  });
});
