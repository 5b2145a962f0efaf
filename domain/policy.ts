import { Duration } from 'luxon';
import { CHANNELS, type Channel } from './channels';

/**
 * A group's policy as stored and as the API shows it: durations are ISO-8601
 * strings so a demo can use "PT5S" where production uses "PT48H".
 */
export interface GroupPolicy {
  reminderOffsets: string[];
  grace: string;
  annotationWindow: string;
  quietHours: { start: string; end: string } | null;
  selfService: { maxReschedules: number; cutoff: string };
  retention: { NO_REASON: string; UNREACHABLE: string };
  /** How long after HR's classification the candidate's link still shows the record and lets them contest it. */
  disputeWindow: string;
  shareAcrossSubsidiaries: boolean;
  channels: Channel[];
}

export const DEFAULT_POLICY: GroupPolicy = {
  reminderOffsets: ['PT48H', 'PT24H', 'PT1H'],
  grace: 'PT15M',
  annotationWindow: 'P7D',
  quietHours: { start: '22:00', end: '08:00' },
  selfService: { maxReschedules: 2, cutoff: 'PT2H' },
  retention: { NO_REASON: 'P1Y', UNREACHABLE: 'P90D' },
  disputeWindow: 'P30D',
  shareAcrossSubsidiaries: true,
  channels: ['sms', 'email'],
};

export class PolicyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PolicyError';
  }
}

/** Milliseconds of an ISO-8601 duration; calendar units (P1Y) use luxon's casual conversion. */
export function durationMs(iso: string, field: string): number {
  const d = Duration.fromISO(iso);
  if (!d.isValid) throw new PolicyError(field, `"${iso}" is not an ISO-8601 duration (e.g. PT48H, PT15M, P7D)`);
  const ms = d.toMillis();
  if (ms < 0) throw new PolicyError(field, 'must not be negative');
  return ms;
}

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Merges a partial policy over a base and validates the result, naming the
 * first offending field. The stored policy is always complete.
 */
export function resolvePolicy(input: unknown, base: GroupPolicy = DEFAULT_POLICY): GroupPolicy {
  if (input === undefined || input === null) return base;
  if (typeof input !== 'object' || Array.isArray(input)) throw new PolicyError('policy', 'must be an object');
  const p = { ...base, ...(input as Partial<GroupPolicy>) };
  p.selfService = { ...base.selfService, ...((input as Partial<GroupPolicy>).selfService ?? {}) };
  p.retention = { ...base.retention, ...((input as Partial<GroupPolicy>).retention ?? {}) };

  if (!Array.isArray(p.reminderOffsets) || p.reminderOffsets.length > 10) {
    throw new PolicyError('reminderOffsets', 'must be an array of at most 10 durations');
  }
  p.reminderOffsets.forEach((o, i) => {
    if (typeof o !== 'string') throw new PolicyError(`reminderOffsets[${i}]`, 'must be a duration string');
    if (durationMs(o, `reminderOffsets[${i}]`) === 0) throw new PolicyError(`reminderOffsets[${i}]`, 'must be positive');
  });
  if (new Set(p.reminderOffsets.map((o) => durationMs(o, 'reminderOffsets'))).size !== p.reminderOffsets.length) {
    throw new PolicyError('reminderOffsets', 'must not repeat a duration');
  }
  durationMs(p.grace, 'grace');
  durationMs(p.annotationWindow, 'annotationWindow');
  durationMs(p.selfService.cutoff, 'selfService.cutoff');
  if (!Number.isInteger(p.selfService.maxReschedules) || p.selfService.maxReschedules < 0) {
    throw new PolicyError('selfService.maxReschedules', 'must be a whole number ≥ 0');
  }
  const noReason = durationMs(p.retention.NO_REASON, 'retention.NO_REASON');
  const year = durationMs('P1Y', 'P1Y');
  if (noReason < year || noReason > 3 * year) throw new PolicyError('retention.NO_REASON', 'must be from P1Y to P3Y');
  durationMs(p.retention.UNREACHABLE, 'retention.UNREACHABLE');
  if (typeof p.disputeWindow !== 'string') throw new PolicyError('disputeWindow', 'must be a duration string');
  const disputeWindow = durationMs(p.disputeWindow, 'disputeWindow');
  if (disputeWindow === 0 || disputeWindow > year) throw new PolicyError('disputeWindow', 'must be positive and at most P1Y');
  if (p.quietHours !== null) {
    if (typeof p.quietHours !== 'object' || !HH_MM.test(p.quietHours.start) || !HH_MM.test(p.quietHours.end)) {
      throw new PolicyError('quietHours', 'must be null or { start: "HH:MM", end: "HH:MM" }');
    }
  }
  if (typeof p.shareAcrossSubsidiaries !== 'boolean') {
    throw new PolicyError('shareAcrossSubsidiaries', 'must be true or false');
  }
  if (!Array.isArray(p.channels) || p.channels.length === 0 || p.channels.some((c) => !CHANNELS.includes(c))) {
    throw new PolicyError('channels', `must be a non-empty subset of ${CHANNELS.join(', ')}`);
  }
  return {
    reminderOffsets: p.reminderOffsets,
    grace: p.grace,
    annotationWindow: p.annotationWindow,
    quietHours: p.quietHours,
    selfService: { maxReschedules: p.selfService.maxReschedules, cutoff: p.selfService.cutoff },
    retention: { NO_REASON: p.retention.NO_REASON, UNREACHABLE: p.retention.UNREACHABLE },
    disputeWindow: p.disputeWindow,
    shareAcrossSubsidiaries: p.shareAcrossSubsidiaries,
    channels: [...new Set(p.channels)],
  };
}
