/**
 * The group policy: group_hr of the group reads and changes it. Every change
 * is a new version (kept in GroupPolicyVersion, Group.policyVersion bumped)
 * and an audit entry. Interviews snapshot the policy when they are confirmed
 * (activities/lifecycle.ts), so a change applies to interviews confirmed after
 * it and never moves one already planned.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Prisma } from '../../lib/database';
import type { HrClaims } from '../../lib/hr-token';
import type { FastifyRequest } from 'fastify';
import { DEFAULT_POLICY, durationMs, missingPolicyFields, patchPolicy, PolicyError, resolvePolicy, type GroupPolicy } from '../../domain/policy';
import { auditEntry } from '../audit';
import { ApiError, requireRouteMediaType } from '../errors';
import { registerRawJson } from '../raw-json';
import { GROUP_ADMIN_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import { GroupParams, PolicyBody, PolicyHistory, PolicyPatch, PolicyView } from '../schemas/records';

/** Before this module kept history, versions were not recorded; the first change records the one it replaces. */
const UNRECORDED_AUTHOR = 'unrecorded';

/**
 * Checks resolvePolicy leaves to the caller: a neutral record must not
 * outlive a negative one (UNREACHABLE is "subsidiary-only, short").
 */
function checkRetention(policy: GroupPolicy): void {
  const unreachable = durationMs(policy.retention.UNREACHABLE, 'retention.UNREACHABLE');
  if (unreachable > durationMs(policy.retention.NO_REASON, 'retention.NO_REASON')) {
    throw new PolicyError('retention.UNREACHABLE', 'must not be longer than retention.NO_REASON');
  }
}

/** The fields whose value differs, for the audit entry ("retention.NO_REASON", "channels"...). */
function changedFields(before: GroupPolicy, after: GroupPolicy): string[] {
  const out: string[] = [];
  for (const k of Object.keys(after) as (keyof GroupPolicy)[]) {
    const a = before[k];
    const b = after[k];
    if (a && b && typeof a === 'object' && !Array.isArray(a) && typeof b === 'object' && !Array.isArray(b)) {
      for (const sub of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (!isDeepStrictEqual((a as Record<string, unknown>)[sub], (b as Record<string, unknown>)[sub])) out.push(`${k}.${sub}`);
      }
    } else if (!isDeepStrictEqual(a, b)) {
      out.push(k);
    }
  }
  return out;
}

const etag = (version: number) => `"${version}"`;

const MERGE_PATCH = 'application/merge-patch+json';

const policyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma } = app.turnout;
  const config = { hrRoles: GROUP_ADMIN_ROLES };
  const writeConfig = { ...config, groupWide: true as const };

  /** Another group's policy is not found, never shown. */
  function ensureOwnGroup(claims: HrClaims, groupId: string): void {
    if (claims.groupId !== groupId) {
      throw new ApiError(404, 'group_not_found', 'no group with this id is visible to you');
    }
  }

  function view(group: { id: string; policy: Prisma.JsonValue; policyVersion: number; updatedAt: Date }) {
    return { groupId: group.id, version: group.policyVersion, updatedAt: group.updatedAt.toISOString(), policy: resolvePolicy(group.policy) };
  }

  app.get(
    '/groups/:groupId/policy',
    { schema: { tags: ['group policy'], summary: "The group's current policy and its version", params: GroupParams, response: { 200: PolicyView, '4xx': ErrorBody } }, config },
    async (req, reply) => {
      ensureOwnGroup(req.hr!, req.params.groupId);
      const group = await prisma.group.findUnique({ where: { id: req.params.groupId } });
      if (!group) throw new ApiError(404, 'group_not_found', 'no group with this id is visible to you');
      reply.header('etag', etag(group.policyVersion));
      return view(group);
    },
  );

  app.get(
    '/groups/:groupId/policy/versions',
    { schema: { tags: ['group policy'], summary: 'Every recorded version of the policy, newest first', params: GroupParams, response: { 200: PolicyHistory, '4xx': ErrorBody } }, config },
    async (req) => {
      ensureOwnGroup(req.hr!, req.params.groupId);
      const rows = await prisma.groupPolicyVersion.findMany({ where: { groupId: req.params.groupId }, orderBy: { version: 'desc' } });
      const policies = rows.map((r) => resolvePolicy(r.policy));
      return {
        groupId: req.params.groupId,
        items: rows.map((r, i) => ({
          version: r.version,
          changedAt: r.changedAt.toISOString(),
          changedBy: r.changedBy,
          // Newest first: the version before this one is the next item.
          changed: policies[i + 1] ? changedFields(policies[i + 1]!, policies[i]!) : [],
          policy: policies[i]!,
        })),
      };
    },
  );

  // PATCH bodies are JSON merge patches (RFC 7396); the parser exists in this plugin only.
  registerRawJson(app, MERGE_PATCH);

  /** A PolicyError as the 400 that names its field. */
  function invalid(err: unknown): never {
    if (err instanceof PolicyError) {
      throw new ApiError(400, 'invalid_policy', err.message, [{ field: err.field, message: err.message.slice(err.field.length + 2) }]);
    }
    throw err;
  }

  function refuseIncomplete(missing: string[], why: string): void {
    if (missing.length === 0) return;
    throw new ApiError(
      400,
      'invalid_policy',
      `${why}; missing: ${missing.join(', ')}`,
      missing.map((field) => ({ field, message: 'is required' })),
    );
  }

  /**
   * One change of the policy, under the group row's lock: `compute` gets the
   * current policy and returns the next one (PUT ignores it, PATCH merges over it).
   */
  async function change(req: FastifyRequest, groupId: string, compute: (current: GroupPolicy) => unknown) {
    const hr = req.hr!;
    const ifMatch = req.headers['if-match'];
    return prisma.$transaction(async (tx) => {
      // The row lock orders concurrent changes: each sees the version the one before it wrote.
      await tx.$queryRaw`SELECT id FROM "Group" WHERE id = ${groupId}::uuid FOR UPDATE`;
      const current = await tx.group.findUnique({ where: { id: groupId } });
      if (!current) throw new ApiError(404, 'group_not_found', 'no group with this id is visible to you');
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etag(current.policyVersion)) {
        throw new ApiError(412, 'version_conflict', `the policy is at version ${current.policyVersion}; read it again before changing it`, {
          version: current.policyVersion,
        });
      }
      const before = resolvePolicy(current.policy);
      let next: GroupPolicy;
      try {
        const proposed = compute(before);
        refuseIncomplete(missingPolicyFields(proposed), 'every field keeps a value');
        next = resolvePolicy(proposed, DEFAULT_POLICY);
        checkRetention(next);
      } catch (err) {
        invalid(err);
      }
      if (isDeepStrictEqual(before, next)) return current; // nothing changes: no new version
      const recorded = await tx.groupPolicyVersion.findUnique({ where: { groupId_version: { groupId, version: current.policyVersion } } });
      if (!recorded) {
        await tx.groupPolicyVersion.create({
          data: { groupId, version: current.policyVersion, policy: before as unknown as Prisma.InputJsonValue, changedBy: UNRECORDED_AUTHOR, changedAt: current.updatedAt },
        });
      }
      const updated = await tx.group.update({
        where: { id: groupId },
        data: { policy: next as unknown as Prisma.InputJsonValue, policyVersion: { increment: 1 } },
      });
      await tx.groupPolicyVersion.create({
        data: { groupId, version: updated.policyVersion, policy: next as unknown as Prisma.InputJsonValue, changedBy: hr.sub, changedAt: updated.updatedAt },
      });
      await auditEntry(tx, req, {
        actorType: 'hr',
        actorId: hr.sub,
        action: 'group.policy.update',
        groupId,
        payload: { fromVersion: current.policyVersion, toVersion: updated.policyVersion, changed: changedFields(before, next) },
      });
      return updated;
    });
  }

  const ifMatchDescription = 'Send `If-Match: "<version>"` to refuse the change (412) when someone else changed the policy since you read it.';

  app.put(
    '/groups/:groupId/policy',
    {
      schema: {
        tags: ['group policy'],
        summary: 'Replace the policy: every field named; applies to interviews confirmed afterwards',
        description: `A body that leaves fields out is a 400 listing every missing one (PATCH changes some fields only). ${ifMatchDescription}`,
        params: GroupParams,
        body: PolicyBody,
        response: { 200: PolicyView, '4xx': ErrorBody },
      },
      // The handler turns "required" failures into one 400 listing every missing field, not only the first.
      attachValidation: true,
      preValidation: requireRouteMediaType,
      config: writeConfig,
    },
    async (req, reply) => {
      if (req.validationError) {
        if (req.validationError.validationContext === 'body') {
          refuseIncomplete(missingPolicyFields(req.body), 'a PUT names every field of the policy (PATCH changes some)');
        }
        throw req.validationError;
      }
      ensureOwnGroup(req.hr!, req.params.groupId);
      const group = await change(req, req.params.groupId, () => req.body);
      reply.header('etag', etag(group.policyVersion));
      return view(group);
    },
  );

  app.patch(
    '/groups/:groupId/policy',
    {
      schema: {
        tags: ['group policy'],
        summary: 'Change some fields of the policy (JSON merge patch over the current one); applies to interviews confirmed afterwards',
        description:
          'Content-type application/merge-patch+json (RFC 7396): fields left out keep their value, `selfService` and `retention` merge member by member, ' +
          `arrays are replaced, \`"quietHours": null\` turns quiet hours off. The result is checked as a whole, as a PUT is. ${ifMatchDescription}`,
        consumes: [MERGE_PATCH],
        params: GroupParams,
        body: PolicyPatch,
        response: { 200: PolicyView, '4xx': ErrorBody },
      },
      preValidation: requireRouteMediaType,
      config: writeConfig,
    },
    async (req, reply) => {
      ensureOwnGroup(req.hr!, req.params.groupId);
      const group = await change(req, req.params.groupId, (current) => patchPolicy(current, req.body));
      reply.header('etag', etag(group.policyVersion));
      return view(group);
    },
  );
};

export default policyRoutes;
