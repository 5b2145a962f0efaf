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

/**
 * The one grammar of every policy duration: ISO-8601 designators in upper
 * case with whole numbers (`P1Y`, `P90D`, `PT48H`, `PT1H30M`, `P1W`), no sign,
 * no fraction, at least one component. luxon reads more than this (`-P-90D`,
 * `PT1H30M10,5S`, `PT`) and PostgreSQL's `::interval`, which the expiry sweep
 * uses, refuses those: what both read, and read alike, is exactly this.
 * Without lookarounds, so that every regex engine (ajv, PostgreSQL, a fuzzer
 * generating from the OpenAPI document) reads it the same way.
 */
const N = '[0-9]{1,6}';
const DATE_PART = `${N}Y(?:${N}M)?(?:${N}W)?(?:${N}D)?|${N}M(?:${N}W)?(?:${N}D)?|${N}W(?:${N}D)?|${N}D`;
const TIME_PART = `T(?:${N}H(?:${N}M)?(?:${N}S)?|${N}M(?:${N}S)?|${N}S)`;
export const DURATION_PATTERN = `^P(?:(?:${DATE_PART})(?:${TIME_PART})?|${TIME_PART})$`;
const DURATION = new RegExp(DURATION_PATTERN);

/** Milliseconds of a duration of the grammar above; calendar units (P1Y, P1M) use luxon's casual conversion (365 and 30 days). */
export function durationMs(iso: string, field: string): number {
  if (typeof iso !== 'string' || !DURATION.test(iso)) {
    throw new PolicyError(field, `"${iso}" is not an ISO-8601 duration in whole units (e.g. PT48H, PT15M, P7D)`);
  }
  return Duration.fromISO(iso).toMillis();
}

/**
 * Bounds of every duration field (inclusive), so that no value the grammar
 * takes is absurd for what it plans: seconds are allowed throughout, so that
 * a test or a demo can run a whole lifecycle in seconds.
 */
export const DURATION_BOUNDS = {
  reminderOffsets: { min: 'PT1S', max: 'P30D' },
  grace: { min: 'PT1S', max: 'P1D' },
  annotationWindow: { min: 'PT1S', max: 'P90D' },
  'selfService.cutoff': { min: 'PT0S', max: 'P30D' },
  'retention.NO_REASON': { min: 'P1Y', max: 'P3Y' },
  'retention.UNREACHABLE': { min: 'PT1S', max: 'P3Y' },
  disputeWindow: { min: 'PT1S', max: 'P1Y' },
} as const satisfies Record<string, { min: string; max: string }>;
export type DurationField = keyof typeof DURATION_BOUNDS;

/** A policy duration checked against the grammar and its field's bounds; `field` names it in the error (reminderOffsets.1). */
export function boundedDurationMs(iso: string, kind: DurationField, field: string = kind): number {
  const ms = durationMs(iso, field);
  const { min, max } = DURATION_BOUNDS[kind];
  if (ms < durationMs(min, field) || ms > durationMs(max, field)) throw new PolicyError(field, `must be from ${min} to ${max}`);
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
  const offsets = p.reminderOffsets.map((o, i) => boundedDurationMs(o, 'reminderOffsets', `reminderOffsets.${i}`));
  if (new Set(offsets).size !== offsets.length) throw new PolicyError('reminderOffsets', 'must not repeat a duration');
  boundedDurationMs(p.grace, 'grace');
  boundedDurationMs(p.annotationWindow, 'annotationWindow');
  if (typeof p.selfService !== 'object' || p.selfService === null) throw new PolicyError('selfService', 'must be an object');
  boundedDurationMs(p.selfService.cutoff, 'selfService.cutoff');
  if (!Number.isInteger(p.selfService.maxReschedules) || p.selfService.maxReschedules < 0 || p.selfService.maxReschedules > 100) {
    throw new PolicyError('selfService.maxReschedules', 'must be a whole number from 0 to 100');
  }
  if (typeof p.retention !== 'object' || p.retention === null) throw new PolicyError('retention', 'must be an object');
  boundedDurationMs(p.retention.NO_REASON, 'retention.NO_REASON');
  boundedDurationMs(p.retention.UNREACHABLE, 'retention.UNREACHABLE');
  boundedDurationMs(p.disputeWindow, 'disputeWindow');
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields whose whole value may be null (quiet hours off): named as one field, not by their members. */
const NULLABLE_OBJECT_FIELDS = new Set(['quietHours']);

/** Every field a complete policy names, nested ones by path (`selfService.cutoff`): what a PUT must send. */
export const POLICY_FIELDS: readonly string[] = Object.entries(DEFAULT_POLICY).flatMap(([key, value]) =>
  isPlainObject(value) && !NULLABLE_OBJECT_FIELDS.has(key) ? Object.keys(value).map((sub) => `${key}.${sub}`) : [key],
);

/**
 * The fields of POLICY_FIELDS that `input` leaves out. A parent that is there
 * but not an object is not "missing": its own validation says what is wrong.
 */
export function missingPolicyFields(input: unknown): string[] {
  if (!isPlainObject(input)) return [...POLICY_FIELDS];
  return POLICY_FIELDS.filter((path) => {
    const [head, sub] = path.split('.') as [string, string | undefined];
    const value = input[head];
    if (value === undefined) return true;
    return sub !== undefined && isPlainObject(value) && value[sub] === undefined;
  });
}

/** RFC 7396 JSON merge patch: an object's members merge, null removes a member, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * A merge patch over a complete policy. Every field keeps a value, so `null`
 * removes nothing: for `quietHours` it is the value "no quiet hours"; for any
 * other field the result lacks it and the change is refused (missingPolicyFields).
 */
export function patchPolicy(current: GroupPolicy, patch: unknown): unknown {
  const merged = mergePatch(current, patch);
  if (isPlainObject(patch) && isPlainObject(merged)) {
    for (const key of NULLABLE_OBJECT_FIELDS) if (patch[key] === null) merged[key] = null;
  }
  return merged;
}
