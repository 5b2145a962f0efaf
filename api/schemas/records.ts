/**
 * Schemas of the records calls: group policy, attendance lookup, erasure,
 * disputes and reports. One source for validation, serialization, the
 * TypeScript types and the OpenAPI document.
 */
import { Type, type Static, type TUnion } from '@sinclair/typebox';
import { CLASSIFICATIONS } from '../../domain/interview';
import { DURATION_BOUNDS, DURATION_PATTERN, type DurationField } from '../../domain/policy';
import { REPORT_DIMENSIONS } from '../../domain/reports';
import { Nullable, Uuid } from './common';

const Duration = Type.String({
  pattern: DURATION_PATTERN,
  maxLength: 60,
  description: 'ISO-8601 duration in whole units, upper case, e.g. PT48H, PT15M, P7D, P1Y (no sign, no fraction)',
});
/** A policy duration with its field's bounds (domain/policy.ts, DURATION_BOUNDS), said in the document. */
const bounded = (field: DurationField, more = '') =>
  Type.String({ ...Duration, description: `${Duration.description}; from ${DURATION_BOUNDS[field].min} to ${DURATION_BOUNDS[field].max}${more}` });
const HourMinute = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM' });

// --- group policy -----------------------------------------------------------

export const GroupParams = Type.Object({ groupId: Uuid });

/** Every field of the policy, each as PUT and PATCH take it. */
const policyField = {
  reminderOffsets: Type.Array(bounded('reminderOffsets'), { maxItems: 10, uniqueItems: true, description: 'before the start; no two of the same length' }),
  grace: bounded('grace'),
  annotationWindow: bounded('annotationWindow'),
  quietHours: Nullable(Type.Object({ start: HourMinute, end: HourMinute }, { additionalProperties: false, description: 'null: no quiet hours' })),
  maxReschedules: Type.Integer({ minimum: 0, maximum: 100 }),
  cutoff: bounded('selfService.cutoff'),
  NO_REASON: bounded('retention.NO_REASON'),
  UNREACHABLE: bounded('retention.UNREACHABLE', ', and at most the NO_REASON retention'),
  disputeWindow: bounded('disputeWindow', '; how long after classification the candidate may see and contest a record'),
  shareAcrossSubsidiaries: Type.Boolean(),
  channels: Type.Array(Type.Union([Type.Literal('sms'), Type.Literal('email')]), { minItems: 1, maxItems: 2, uniqueItems: true }),
};

/** PUT: the whole policy, every field named (a left-out field is a 400 listing all that are missing); unknown fields are refused. */
export const PolicyBody = Type.Object(
  {
    reminderOffsets: policyField.reminderOffsets,
    grace: policyField.grace,
    annotationWindow: policyField.annotationWindow,
    quietHours: policyField.quietHours,
    selfService: Type.Object({ maxReschedules: policyField.maxReschedules, cutoff: policyField.cutoff }, { additionalProperties: false }),
    retention: Type.Object({ NO_REASON: policyField.NO_REASON, UNREACHABLE: policyField.UNREACHABLE }, { additionalProperties: false }),
    disputeWindow: policyField.disputeWindow,
    shareAcrossSubsidiaries: policyField.shareAcrossSubsidiaries,
    channels: policyField.channels,
  },
  { additionalProperties: false },
);
export type PolicyBody = Static<typeof PolicyBody>;

/**
 * PATCH: a JSON merge patch (RFC 7396) over the current policy: members left
 * out keep their value, objects merge member by member, arrays are replaced.
 * Only `quietHours` may be null (no quiet hours): every other field keeps a value.
 */
export const PolicyPatch = Type.Object(
  {
    reminderOffsets: Type.Optional(policyField.reminderOffsets),
    grace: Type.Optional(policyField.grace),
    annotationWindow: Type.Optional(policyField.annotationWindow),
    quietHours: Type.Optional(policyField.quietHours),
    selfService: Type.Optional(
      Type.Object({ maxReschedules: Type.Optional(policyField.maxReschedules), cutoff: Type.Optional(policyField.cutoff) }, { additionalProperties: false }),
    ),
    retention: Type.Optional(
      Type.Object({ NO_REASON: Type.Optional(policyField.NO_REASON), UNREACHABLE: Type.Optional(policyField.UNREACHABLE) }, { additionalProperties: false }),
    ),
    disputeWindow: Type.Optional(policyField.disputeWindow),
    shareAcrossSubsidiaries: Type.Optional(policyField.shareAcrossSubsidiaries),
    channels: Type.Optional(policyField.channels),
  },
  { additionalProperties: false },
);
export type PolicyPatch = Static<typeof PolicyPatch>;

const PolicyShape = Type.Object({
  reminderOffsets: Type.Array(Type.String()),
  grace: Type.String(),
  annotationWindow: Type.String(),
  quietHours: Nullable(Type.Object({ start: Type.String(), end: Type.String() })),
  selfService: Type.Object({ maxReschedules: Type.Integer(), cutoff: Type.String() }),
  retention: Type.Object({ NO_REASON: Type.String(), UNREACHABLE: Type.String() }),
  disputeWindow: Type.String(),
  shareAcrossSubsidiaries: Type.Boolean(),
  channels: Type.Array(Type.String()),
});

export const PolicyView = Type.Object({
  groupId: Type.String(),
  version: Type.Integer(),
  updatedAt: Type.String(),
  policy: PolicyShape,
});

export type PolicyView = Static<typeof PolicyView>;

export const PolicyHistory = Type.Object({
  groupId: Type.String(),
  items: Type.Array(
    Type.Object({
      version: Type.Integer(),
      changedAt: Type.String(),
      changedBy: Type.String({ description: 'who set this version (the HR token\'s sub); "unrecorded" for the one in force before history was kept' }),
      changed: Type.Array(Type.String(), {
        description: 'the fields that differ from the version before, nested ones by path (retention.NO_REASON); empty for the earliest recorded version',
      }),
      policy: PolicyShape,
    }),
  ),
});
export type PolicyHistory = Static<typeof PolicyHistory>;

// --- candidates: attendance and erasure ------------------------------------

/** What domain/identity.ts normalises to E.164: `+` or `00`, then 7–15 digits, with spaces, dots, dashes and brackets anywhere. */
const SEPARATORS = '[ \\u00a0.()-]*';
const Phone = Type.String({
  minLength: 3,
  maxLength: 40,
  pattern: `^${SEPARATORS}(?:\\+|00)${SEPARATORS}[1-9](?:${SEPARATORS}[0-9]){6,14}${SEPARATORS}$`,
  description: 'E.164 (+ and country code); spaces, dashes, dots and brackets are ignored',
});
const Email = Type.String({ format: 'email', minLength: 3, maxLength: 320 });

/**
 * Exactly one of phone or email. OpenAPI cannot say that of query parameters
 * (the validator enforces the oneOf; the document says it in words).
 */
export const ContactQuery = Type.Object(
  {
    phone: Type.Optional({ ...Phone, description: `${Phone.description}; give phone or email, not both` }),
    email: Type.Optional({ ...Email, description: 'give phone or email, not both' }),
  },
  { additionalProperties: false },
);
export type ContactQuery = Static<typeof ContactQuery>;

export const AttendanceView = Type.Object({
  matchedSubsidiaries: Type.Integer({
    description: 'How many subsidiaries the caller may see know the person: those of its own scope that do, and those whose records are shown',
  }),
  records: Type.Array(
    Type.Object({
      recordId: Type.String(),
      classification: Type.String(),
      kind: Type.String(),
      date: Type.String({ description: 'the scheduled start that was missed (or cancelled late)' }),
      classifiedAt: Nullable(Type.String()),
      expiresAt: Type.String(),
      subsidiary: Type.Object({ id: Type.String(), name: Type.String() }),
      position: Type.Object({ id: Type.String(), title: Type.String(), region: Nullable(Type.String()) }),
      /** Only for the caller's own scope: the interview's id, to open its evidence. */
      interviewId: Nullable(Type.String()),
      reminders: Type.Object({
        sent: Type.Integer(),
        delivered: Type.Integer(),
        /** delivered: a provider receipt says so; sent: handed to a provider, no receipt; none: nothing was sent. */
        summary: Type.Union([Type.Literal('delivered'), Type.Literal('sent'), Type.Literal('none')]),
      }),
      dispute: Nullable(Type.Object({ status: Type.String(), openedAt: Type.String() })),
      /** A login whose own time lay inside the window, received after HR had decided the record: HR was alerted to reclassify. */
      lateInWindowLogin: Nullable(Type.Object({ at: Type.String(), receivedAt: Nullable(Type.String()) })),
    }),
  ),
});

export const ErasureBody = Type.Object(
  { phone: Type.Optional(Phone), email: Type.Optional(Email) },
  // oneOf: a body with both, or neither, matches no branch or both.
  { additionalProperties: false, oneOf: [{ required: ['phone'] }, { required: ['email'] }], description: 'exactly one of phone or email' },
);
export type ErasureBody = Static<typeof ErasureBody>;

export const ErasureResult = Type.Object({
  candidates: Type.Integer(),
  interviews: Type.Integer(),
  evidenceRedacted: Type.Integer(),
});

// --- disputes ------------------------------------------------------------------

export const DisputeBody = Type.Object(
  { statement: Type.String({ minLength: 10, maxLength: 4000, description: 'why the record is wrong, in the candidate’s words' }) },
  { additionalProperties: false },
);
export type DisputeBody = Static<typeof DisputeBody>;

export const DisputeOpened = Type.Object({ disputeId: Type.String(), status: Type.String(), openedAt: Type.String() });

export const SelfServiceDisputeView = Type.Object({
  /** Whether this interview has a negative record the candidate may contest now. */
  canDispute: Type.Boolean(),
  record: Nullable(Type.Object({ date: Type.String(), classification: Type.String(), expiresAt: Nullable(Type.String()) })),
  dispute: Nullable(
    Type.Object({ id: Type.String(), status: Type.String(), openedAt: Type.String(), resolvedAt: Nullable(Type.String()), outcome: Nullable(Type.String()) }),
  ),
});

export const DisputeListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('OPEN'), Type.Literal('UPHELD'), Type.Literal('RECLASSIFIED')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type DisputeListQuery = Static<typeof DisputeListQuery>;

export const DisputeView = Type.Object({
  id: Type.String(),
  status: Type.String(),
  statement: Nullable(Type.String()),
  openedAt: Type.String(),
  fromClassification: Type.String(),
  toClassification: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  resolvedBy: Nullable(Type.String()),
  note: Nullable(Type.String()),
  record: Type.Object({
    id: Type.String(),
    attempt: Type.Integer(),
    kind: Type.String(),
    classification: Nullable(Type.String()),
    scheduledStart: Type.String(),
    expiresAt: Nullable(Type.String()),
  }),
  interview: Type.Object({ id: Type.String(), interviewId: Type.String(), subsidiaryId: Type.String() }),
  /** Who contests it and for which position, as the interview shows them to the same caller. */
  candidate: Type.Object({ id: Type.String(), name: Type.String() }),
  position: Type.Object({ id: Type.String(), title: Type.String() }),
});
export const DisputeList = Type.Object({ items: Type.Array(DisputeView) });

export const DisputeParams = Type.Object({ id: Uuid });

const ResolveNote = Type.String({ minLength: 1, maxLength: 4000 });

/** Upholding keeps the classification; reclassifying names the new one (never NO_REASON: docs/classification.md). */
export const RESOLVE_VARIANTS = [
  Type.Object({ decision: Type.Literal('uphold'), note: ResolveNote }, { additionalProperties: false }),
  Type.Object(
    {
      decision: Type.Literal('reclassify'),
      classification: Type.Union(CLASSIFICATIONS.filter((c) => c !== 'NO_REASON').map((c) => Type.Literal(c))),
      note: ResolveNote,
    },
    { additionalProperties: false },
  ),
] as const;

/** Discriminated on `decision`, as the event envelope is on `type` (api/schemas/events.ts). */
export const ResolveBody = Type.Unsafe<Static<TUnion<[...typeof RESOLVE_VARIANTS]>>>({
  type: 'object',
  oneOf: [...RESOLVE_VARIANTS],
  discriminator: { propertyName: 'decision' },
});
export type ResolveBody = Static<typeof ResolveBody>;

// --- reports -------------------------------------------------------------------

/** A comma-separated list of report dimensions (spaces and empty items allowed, as domain/reports.ts parses it). */
function groupByPattern(): string {
  const item = `(?:(?:${REPORT_DIMENSIONS.join('|')}) *)?`;
  return `^ *${item}(?:, *${item})*$`;
}

export const ReportQuery = Type.Object(
  {
    month: Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (UTC)' }),
    groupBy: Type.Optional(
      Type.String({ maxLength: 200, pattern: groupByPattern(), description: `comma-separated, any of: ${REPORT_DIMENSIONS.join(', ')}` }),
    ),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;

const Counts = {
  scheduled: Type.Integer(),
  attended: Type.Integer(),
  noShow: Type.Integer(),
  cancelled: Type.Integer(),
  lateCancel: Type.Integer(),
  open: Type.Integer(),
  noShowRate: Nullable(Type.Number()),
};

export const ReportRow = Type.Object({
  subsidiaryId: Type.Optional(Type.String()),
  subsidiaryName: Type.Optional(Type.String()),
  positionId: Type.Optional(Type.String()),
  positionTitle: Type.Optional(Type.String()),
  region: Type.Optional(Nullable(Type.String())),
  reason: Type.Optional(Nullable(Type.String())),
  channel: Type.Optional(Type.String()),
  delivered: Type.Optional(Type.String()),
  hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23, description: "the start's hour in the candidate's time zone (UTC when unknown)" })),
  weekday: Type.Optional(Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday of the start in the same zone: 1 = Monday … 7 = Sunday' })),
  remindersReached: Type.Optional(Type.String({ description: 'reminder points with a delivered message: 0, 1, 2, 3+' })),
  leadTime: Type.Optional(Type.String({ description: 'confirmation to start: <1d, 1-3d, 3-7d, 7d+' })),
  ...Counts,
});

export const ReportView = Type.Object({
  month: Type.String(),
  groupBy: Type.Array(Type.String()),
  rows: Type.Array(ReportRow),
  totals: Type.Object(Counts),
});
