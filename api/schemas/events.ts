/**
 * Platform events: the envelope `{ id, type, occurredAt, data }` as one union
 * discriminated on `type`, each variant with its own `data`. Validation picks
 * the variant by `type` (ajv's discriminator), so a 400 names the field of
 * that variant (`data.startsAt`), and the handler narrows `event.data` by
 * switching on `event.type`.
 */
import { Type, type Static, type TSchema, type TUnion } from '@sinclair/typebox';
import type { CandidateActivityEventData, ConfirmedEventData } from '../../domain/platform-events';
import { OUTBOUND_URL_PATTERN } from '../../lib/outbound-url';
import { Id, Instant } from './common';

export const ConfirmedData = Type.Object(
  {
    interviewId: Id,
    startsAt: Instant,
    joinUrl: Type.String({
      format: 'uri',
      maxLength: 2000,
      pattern: OUTBOUND_URL_PATTERN,
      description: 'an absolute https:// URL without credentials (http:// only to a loopback address, and only outside production)',
    }),
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

// What the routes accept is what the activities read back from the inbox.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const confirmedMatchesDomain: Same<ConfirmedData, ConfirmedEventData> = true;
const activityMatchesDomain: Same<CandidateActivityData, CandidateActivityEventData> = true;
void confirmedMatchesDomain;
void activityMatchesDomain;

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

function variant<T extends string, D extends TSchema>(type: T, data: D) {
  return Type.Object({ id: Id, type: Type.Literal(type), occurredAt: Instant, data }, { additionalProperties: false });
}

export const EVENT_VARIANTS = [
  variant('interview.confirmed', ConfirmedData),
  variant('candidate.link_clicked', CandidateActivityData),
  variant('candidate.logged_in', CandidateActivityData),
  variant('interview.rescheduled', RescheduledData),
  variant('interview.cancelled', CancelledData),
] as const;

/**
 * TypeBox's Union is `anyOf`, whose failures ajv reports once per variant;
 * `oneOf` with a discriminator (ajv's `discriminator` option, set in
 * api/app.ts) validates only the variant `type` names, and an unknown `type`
 * is one error naming `type`. The static type is the union of the variants.
 */
export const EventEnvelope = Type.Unsafe<Static<TUnion<[...typeof EVENT_VARIANTS]>>>({
  type: 'object',
  oneOf: [...EVENT_VARIANTS],
  discriminator: { propertyName: 'type' },
});
export type EventEnvelope = Static<typeof EventEnvelope>;
export type EventType = EventEnvelope['type'];

export const EventAccepted = Type.Object({
  interviewId: Type.String(),
  workflowId: Type.String(),
  status: Type.String({
    description: "The interview's state when the event was accepted: after a change (reschedule, cancel) the workflow's answer; after a login or click the last recorded state, which the signal changes a moment later.",
  }),
});
export type EventAccepted = Static<typeof EventAccepted>;
