import { Type, type Static } from '@sinclair/typebox';
import { CLASSIFICATIONS, STATUSES } from '../../domain/interview';
import { Id, Instant, Nullable } from './common';

/** Turnout's id or the platform's interview id. */
export const InterviewParams = Type.Object({ id: Id });

export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    positionId: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const AnnotationBody = Type.Object(
  {
    classification: Type.Union(CLASSIFICATIONS.map((c) => Type.Literal(c))),
    note: Type.String({ minLength: 1, maxLength: 4000 }),
  },
  { additionalProperties: false },
);
export type AnnotationBody = Static<typeof AnnotationBody>;

export const RescheduleBody = Type.Object(
  { startsAt: Instant, reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
export type RescheduleBody = Static<typeof RescheduleBody>;

export const CancelBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false });
export type CancelBody = Static<typeof CancelBody>;

export const SelfServiceRescheduleBody = Type.Object({ startsAt: Instant }, { additionalProperties: false });
export type SelfServiceRescheduleBody = Static<typeof SelfServiceRescheduleBody>;

export const ChangeAccepted = Type.Object({ interviewId: Type.String(), status: Type.String(), startsAt: Type.String(), attempt: Type.Integer() });

export const InterviewSummary = Type.Object({
  id: Type.String(),
  interviewId: Type.String(),
  subsidiaryId: Type.String(),
  status: Type.String(),
  attempt: Type.Integer(),
  startsAt: Type.String(),
  candidateId: Type.String(),
  position: Type.Object({ id: Type.String(), title: Type.String() }),
  outcome: Nullable(Type.String()),
});
export const InterviewList = Type.Object({ items: Type.Array(InterviewSummary) });

export const InterviewDetail = Type.Object({
  id: Type.String(),
  interviewId: Type.String(),
  workflowId: Type.String(),
  subsidiaryId: Type.String(),
  status: Type.String(),
  attempt: Type.Integer(),
  startsAt: Type.String(),
  confirmedAt: Type.String(),
  attendedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  outcome: Nullable(Type.String()),
  candidate: Type.Object({ id: Type.String(), name: Type.String() }),
  position: Type.Object({ id: Type.String(), title: Type.String(), region: Nullable(Type.String()) }),
  channels: Type.Array(Type.String()),
  schedule: Type.Array(
    Type.Object({
      at: Type.String(),
      change: Type.String(),
      startsAt: Type.Optional(Type.String()),
      from: Type.Optional(Type.String()),
      by: Type.Optional(Type.String()),
      attempt: Type.Optional(Type.Integer()),
    }),
  ),
  reminders: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      point: Type.String(),
      channel: Type.String(),
      dueAt: Type.String(),
      status: Type.String(),
      sentAt: Nullable(Type.String()),
      delivery: Nullable(Type.String()),
    }),
  ),
  records: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      kind: Type.String(),
      scheduledStart: Type.String(),
      detectedAt: Type.String(),
      classification: Nullable(Type.String()),
      classifiedAt: Nullable(Type.String()),
      classifiedBy: Nullable(Type.String()),
      note: Nullable(Type.String()),
      expiresAt: Nullable(Type.String()),
      nextAttempt: Nullable(Type.Integer()),
      lateInWindowLogin: Nullable(
        Type.Object(
          { at: Type.String(), receivedAt: Nullable(Type.String()) },
          { description: 'A login whose own time lay inside the window but that reached Turnout after the no-show was recorded: when it happened, when Turnout received it.' },
        ),
      ),
      withdrawnAt: Nullable(Type.String({ description: 'Set when that login arrived before HR classified the record: the no-show was withdrawn and counts nowhere.' })),
    }),
  ),
  next: Nullable(Type.Object({ step: Type.String(), at: Nullable(Type.String()) })),
});

export const EvidenceTrail = Type.Object({
  interviewId: Type.String(),
  chain: Type.Object({ ok: Type.Boolean(), brokenAtSeq: Type.Optional(Type.Integer()) }),
  items: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      kind: Type.String(),
      at: Type.String(),
      data: Type.Unknown(),
      prevHash: Type.String(),
      hash: Type.String(),
    }),
  ),
});

export const SelfServiceView = Type.Object({
  interviewId: Type.String(),
  position: Type.String(),
  startsAt: Type.String(),
  status: Type.String(),
  open: Type.Boolean(),
  message: Nullable(Type.String()),
  canCancel: Type.Boolean(),
  reschedulesLeft: Type.Integer(),
  rescheduleCutoff: Type.String(),
});

export const AwaitingQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })) },
  { additionalProperties: false },
);

export const AwaitingList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      interviewId: Type.String(),
      subsidiaryId: Type.String(),
      status: Type.String({ description: 'NO_SHOW or LATE_CANCELLED' }),
      attempt: Type.Integer(),
      kind: Type.String({ description: 'the record: NO_SHOW or LATE_CANCEL' }),
      scheduledStart: Type.String(),
      detectedAt: Type.String(),
      annotateBy: Type.String({ description: 'when the annotation window of the policy snapshot ends: the record then closes as UNANNOTATED' }),
      candidate: Type.Object({ id: Type.String(), name: Type.String() }),
      position: Type.Object({ id: Type.String(), title: Type.String() }),
    }),
  ),
});
