/**
 * Which HR roles may call what. Each HR route names one of these sets in its
 * config (`config: { hrRoles: … }`); the HR scope's hook answers 403 to a
 * verified token whose role is not in it.
 */
import type { HrRole } from '../lib/hr-token';

/** Reading interviews, evidence, records, disputes and reports. */
export const HR_READ_ROLES: readonly HrRole[] = ['hr', 'group_hr', 'auditor'];

/** Changing an interview (annotate, reschedule) and deciding a dispute. */
export const HR_WRITE_ROLES: readonly HrRole[] = ['hr', 'group_hr'];

/** Group-wide changes: the group policy, a candidate's erasure (their routes also set config.groupWide: a whole-group token only). */
export const GROUP_ADMIN_ROLES: readonly HrRole[] = ['group_hr'];
