/**
 * POST /v1/candidates/erasure {phone|email}: group HR erases a person's
 * personal data across the group on their behalf (domain/erasure.ts,
 * eraseCandidate). Interviews, records and their classifications stay, with
 * nothing left that points to the person, so anonymous counts and reports
 * do not change.
 *
 * This is a write the API makes itself, outside any workflow: it changes no
 * interview's lifecycle state, and it is refused (409) while one of the
 * person's interviews is still running, so no workflow reads what it removes.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { identityKey } from '../../domain/identity';
import { ErasureRefused, eraseCandidate } from '../../domain/erasure';
import { auditEntry } from '../audit';
import { ApiError } from '../errors';
import { GROUP_ADMIN_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import { ErasureBody, ErasureResult } from '../schemas/records';
import { contactMatch } from './attendance';

const candidatesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, secrets } = app.turnout;
  const key = identityKey(secrets.masterKey);

  app.post(
    '/candidates/erasure',
    {
      schema: {
        tags: ['hr'],
        summary: "Erase a candidate's personal data across the group (on the candidate's request)",
        body: ErasureBody,
        response: { 200: ErasureResult, '4xx': ErrorBody },
      },
      config: { hrRoles: GROUP_ADMIN_ROLES, groupWide: true },
    },
    async (req) => {
      const hr = req.hr!;
      contactMatch(key, req.body, 'body'); // 400 for a missing or malformed contact before anything is written
      try {
        const counts = await eraseCandidate(prisma, key, { groupId: hr.groupId, ...req.body });
        await auditEntry(prisma, req, {
          actorType: 'hr',
          actorId: hr.sub,
          action: 'candidate.erase',
          groupId: hr.groupId,
          payload: { by: req.body.phone !== undefined ? 'phone' : 'email', ...counts },
        });
        return counts;
      } catch (err) {
        if (err instanceof ErasureRefused) {
          throw new ApiError(409, 'candidate_has_open_interviews', 'the candidate has interviews that have not ended; cancel them first, then erase', {
            interviews: err.openInterviews,
          });
        }
        throw err;
      }
    },
  );
};

export default candidatesRoutes;
