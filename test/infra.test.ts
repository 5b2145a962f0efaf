/**
 * Proves the environment the global setup promises, so a broken setup shows
 * up here by name rather than as odd failures across every suite.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { databaseConfig, secretsConfig, temporalConfig } from '../lib/config';
import { createPrisma, type PrismaClient } from '../lib/database';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';

/** temporal.api.enums.v1.IndexedValueType, as the operator service reports it (wire numbers never change). */
const EXPECTED_TYPE = { Keyword: 2, Datetime: 6 };

let prisma: PrismaClient;
let connection: Connection;

beforeAll(async () => {
  prisma = createPrisma(databaseConfig());
  connection = await Connection.connect({ address: temporalConfig().address });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await connection?.close();
});

test('the database has every migration applied and answers Prisma queries', async () => {
  const migrations = readdirSync(join(__dirname, '..', 'prisma', 'migrations'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const applied = await prisma.$queryRaw<Array<{ migration_name: string }>>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`;
  expect(applied.map((r) => r.migration_name)).toEqual(migrations);
  expect(await prisma.group.count()).toBeGreaterThanOrEqual(0);
  // Its own database: on a shared server a run never sees another run's rows;
  // the embedded PGlite is private to the run anyway.
  const [row] = await prisma.$queryRaw<Array<{ db: string; version: string }>>`
    SELECT current_database() AS db, version() AS version`;
  if (!row!.version.includes('PGlite')) expect(row!.db).toMatch(/^turnout_test_\d+_[0-9a-f]{6}$/);
});

test('Temporal answers, with our search attributes registered and queryable', async () => {
  const { namespace } = temporalConfig();
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
    expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: EXPECTED_TYPE[type] });
  }
  // Visibility accepts queries on them (an unknown attribute would be rejected).
  const { count } = await connection.workflowService.countWorkflowExecutions({
    namespace,
    query: `TenantId = 'no-such-tenant' AND ScheduledStart > '2000-01-01T00:00:00Z'`,
  });
  expect(Number(count)).toBe(0);
});

test('each run gets its own task queue and fresh secrets', () => {
  expect(temporalConfig().taskQueue).toMatch(/^turnout-test-\d+-[0-9a-f]{6}$/);
  const secrets = secretsConfig();
  expect(secrets.masterKey).toHaveLength(32);
  expect(secrets.jwtSecret).toHaveLength(32);
  expect(secrets.masterKey.equals(secrets.jwtSecret)).toBe(false);
});
