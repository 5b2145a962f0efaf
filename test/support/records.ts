/**
 * Helpers for the records tests (policy, identity, attendance, expiry,
 * erasure, disputes, reports): groups with several subsidiaries, candidates
 * of one's choosing, HR headers for any role.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../lib/database';
import type { HrRole } from '../../lib/hr-token';
import { DEFAULT_POLICY } from '../../domain/policy';
import { createTenant } from '../../lib/tenants';
import { confirmedEvent, eventually, hrToken, postEvent, type Harness, type TestTenant } from './harness';

export interface TestGroup {
  groupId: string;
  groupName: string;
  subsidiaries: TestTenant[];
}

/** A fresh group with `count` subsidiaries, each with its own platform key. */
export async function createTestGroup(h: Harness, count: number, policy?: unknown): Promise<TestGroup> {
  const groupName = `group-${randomUUID().slice(0, 8)}`;
  const subsidiaries: TestTenant[] = [];
  for (let i = 0; i < count; i++) {
    const t = await createTenant(
      h.prisma,
      h.secrets,
      { groupName, subsidiaryName: `subsidiary-${i + 1}`, policy: i === 0 ? policy : undefined },
      { type: 'test', id: 'records' },
    );
    subsidiaries.push(t);
  }
  return { groupId: subsidiaries[0]!.groupId, groupName, subsidiaries };
}

export interface FixtureInterview {
  subsidiaryId: string;
  positionId: string;
  status: Prisma.InterviewCreateInput['status'];
  startsAt: Date;
  confirmedAt: Date;
  channels: string[];
  attempt?: number;
  outcome?: string | null;
  /** The interview's policy snapshot; the default policy unless given. */
  policy?: unknown;
  /** The fixture candidate's time zone. */
  timezone?: string | null;
}

/**
 * An interview row written straight into the projection, with a candidate of
 * its own: for tests of what reads interviews (reports, evidence), not of
 * the lifecycle that normally writes them.
 */
export async function createFixtureInterview(h: Harness, f: FixtureInterview) {
  const candidate = await h.prisma.candidate.create({
    data: { subsidiaryId: f.subsidiaryId, externalId: `c-${randomUUID()}`, name: 'Fixture', phone: '+10000000000', email: 'f@example.test', timezone: f.timezone ?? null },
  });
  const externalId = `iv-${randomUUID().slice(0, 8)}`;
  return h.prisma.interview.create({
    data: {
      subsidiaryId: f.subsidiaryId,
      externalId,
      workflowId: `fixture:${externalId}`,
      candidateId: candidate.id,
      positionId: f.positionId,
      status: f.status,
      attempt: f.attempt ?? 1,
      startsAt: f.startsAt,
      joinUrl: 'https://interview.example.test',
      channels: f.channels,
      policy: (f.policy ?? DEFAULT_POLICY) as Prisma.InputJsonValue,
      outcome: f.outcome ?? null,
      confirmedAt: f.confirmedAt,
    },
  });
}

export interface CandidateData {
  id?: string;
  name?: string;
  phone?: string;
  email?: string;
}

/** Confirms an interview for a candidate of the test's choosing and waits for its projection. */
export async function confirmFor(
  h: Harness,
  tenant: TestTenant,
  opts: { candidate?: CandidateData; startsAt?: Date; channels?: string[]; position?: { id: string; title: string; region?: string } } = {},
) {
  const event = confirmedEvent({ startsAt: opts.startsAt, channels: opts.channels });
  const c = event.data.candidate;
  event.data.candidate = {
    ...c,
    id: opts.candidate?.id ?? `cand-${randomUUID().slice(0, 8)}`,
    name: opts.candidate?.name ?? c.name,
    phone: opts.candidate?.phone ?? c.phone,
    email: opts.candidate?.email ?? c.email,
  };
  if (opts.position) event.data.position = { region: undefined, ...opts.position } as typeof event.data.position;
  const res = await postEvent(h, tenant, event);
  if (res.statusCode !== 202) throw new Error(`confirmation refused: ${res.statusCode} ${res.body}`);
  const iv = await eventually(
    () =>
      h.prisma.interview
        .findUnique({ where: { subsidiaryId_externalId: { subsidiaryId: tenant.subsidiaryId, externalId: event.data.interviewId } } })
        .then((r) => r ?? undefined),
    15_000,
    'interview row',
  );
  return { id: iv.id, externalId: event.data.interviewId, candidateId: iv.candidateId, workflowId: iv.workflowId };
}

/** Authorization headers for an HR caller; `hr` callers are bound to a subsidiary. */
export async function hrHeaders(
  h: Harness,
  groupId: string,
  role: HrRole,
  subsidiaryId?: string,
  sub = `${role}-user`,
): Promise<Record<string, string>> {
  const token = await hrToken(h, { sub, role, groupId, ...(subsidiaryId ? { subsidiaryId } : {}) });
  return { authorization: `Bearer ${token}` };
}

export async function waitForStatus(h: Harness, id: string, status: string, timeoutMs = 20_000) {
  return eventually(
    async () => {
      const iv = await h.prisma.interview.findUniqueOrThrow({ where: { id } });
      return iv.status === status ? iv : undefined;
    },
    timeoutMs,
    status,
  );
}
