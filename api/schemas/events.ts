import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Instant = Type.String({ format: 'date-time', description: 'ISO-8601 with offset' });

export const EVENT_TYPES = [
  'interview.confirmed',
  'candidate.link_clicked',
  'candidate.logged_in',
  'interview.rescheduled',
  'interview.cancelled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EventEnvelope = Type.Object(
  {
    id: Id,
    type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
    occurredAt: Instant,
    data: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);
export type EventEnvelope = Static<typeof EventEnvelope>;

export const ConfirmedData = Type.Object(
  {
    interviewId: Id,
    startsAt: Instant,
    joinUrl: Type.String({ format: 'uri', maxLength: 2000 }),
    candidate: Type.Object(
      {
        id: Id,
        name: Type.String({ minLength: 1, maxLength: 200 }),
        phone: Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164' }),
        email: Type.String({ format: 'email', maxLength: 320 }),
        timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        locale: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
      },
      { additionalProperties: false },
    ),
    position: Type.Object(
      {
        id: Id,
        title: Type.String({ minLength: 1, maxLength: 200 }),
        region: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      },
      { additionalProperties: false },
    ),
    channels: Type.Optional(
      Type.Array(Type.Union([Type.Literal('sms'), Type.Literal('email')]), { minItems: 1, maxItems: 2, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);
export type ConfirmedData = Static<typeof ConfirmedData>;

export const CandidateActivityData = Type.Object(
  {
    interviewId: Id,
    at: Instant,
    ip: Type.Optional(Type.String({ maxLength: 64 })),
    userAgent: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CandidateActivityData = Static<typeof CandidateActivityData>;

export const RescheduledData = Type.Object(
  { interviewId: Id, startsAt: Instant, reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
export type RescheduledData = Static<typeof RescheduledData>;

export const CancelledData = Type.Object(
  { interviewId: Id, reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
export type CancelledData = Static<typeof CancelledData>;

export const DATA_SCHEMAS: Record<EventType, TSchema> = {
  'interview.confirmed': ConfirmedData,
  'candidate.link_clicked': CandidateActivityData,
  'candidate.logged_in': CandidateActivityData,
  'interview.rescheduled': RescheduledData,
  'interview.cancelled': CancelledData,
};

export const EventAccepted = Type.Object({
  interviewId: Type.String(),
  workflowId: Type.String(),
  status: Type.String({
    description: "The interview's state when the event was accepted: after a change (reschedule, cancel) the workflow's answer; after a login or click the last recorded state, which the signal changes a moment later.",
  }),
});
export type EventAccepted = Static<typeof EventAccepted>;

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
