/**
 * Schemas of HR alerts: where a subsidiary's alerts go, the alerts feed, and
 * outbound webhook endpoints with their deliveries. One source for
 * validation, serialization, the TypeScript types and the OpenAPI document.
 */
import { Type } from '@sinclair/typebox';
import { ACTORS, ALERT_KINDS, EVENT_TYPES, FORMATS, ROBOT_EVENTS, ROBOT_FORMATS, SECRET_PATTERN, TEST_EVENT } from '../../domain/outbound-events';
import { OUTBOUND_URL_PATTERN } from '../../lib/outbound-url';
import { Instant, Nullable, Uuid } from './common';

const literals = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

const Locale = literals(['en', 'zh-CN'] as const, 'the language of the alert e-mails and group-chat messages');
const DeliveryStatus = literals(['PENDING', 'SENDING', 'DELIVERED', 'FAILED', 'CANCELLED'] as const);

// --- alerting ---------------------------------------------------------------------

export const SubsidiaryParams = Type.Object({ subsidiaryId: Uuid });

export const AlertingBody = Type.Object(
  {
    emails: Type.Array(Type.String({ format: 'email', maxLength: 254 }), { maxItems: 20, uniqueItems: true, description: 'where HR alerts are e-mailed; empty: none' }),
    locale: Locale,
  },
  { additionalProperties: false },
);

export const AlertingView = Type.Object({
  subsidiaryId: Uuid,
  emails: Type.Array(Type.String()),
  locale: Locale,
  updatedAt: Nullable(Instant),
  updatedBy: Nullable(Type.String()),
});

// --- alerts feed ------------------------------------------------------------------------

export const AlertListQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean({ description: 'true: only alerts nobody marked read and still standing (not resolved)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 100; newest first' })),
  },
  { additionalProperties: false },
);

export const AlertParams = Type.Object({ id: Uuid });

const AlertDelivery = Type.Object({
  id: Uuid,
  channel: Type.String({ description: 'email, webhook (Standard Webhooks), wecom, dingtalk or feishu' }),
  destination: Type.String({ description: 'the e-mail address, or the endpoint URL masked' }),
  status: DeliveryStatus,
  at: Nullable(Instant),
  attempts: Type.Integer(),
  error: Nullable(Type.String()),
});

export const AlertView = Type.Object({
  id: Uuid,
  kind: literals(ALERT_KINDS),
  interview: Type.Object({ id: Uuid, interviewId: Type.String({ description: "the platform's interview id" }), subsidiaryId: Uuid, status: Type.String() }),
  attempt: Type.Integer(),
  createdAt: Instant,
  classificationDeadline: Nullable(Instant),
  link: Type.String({ description: "the HR console's page of the interview" }),
  readAt: Nullable(Instant),
  readBy: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String({ format: 'date-time', description: 'set when what the alert was about no longer holds (a no-show withdrawn by a login)' })),
  deliveries: Type.Array(AlertDelivery),
});

export const AlertList = Type.Object({ items: Type.Array(AlertView) });

// --- webhook endpoints ---------------------------------------------------------------------

const EventType = literals(EVENT_TYPES);

/**
 * A rule between fields: an anyOf whose description is "<field>: <what it
 * needs>", which api/errors.ts reports as that field's error.
 */
const rule = (description: string, ...branches: object[]) => ({ description, anyOf: branches });
const formatNotIn = (formats: readonly string[]) => ({ properties: { format: { not: { enum: [...formats] } } } });

export const EndpointBody = Type.Object(
  {
    url: Type.String({ maxLength: 2000, pattern: OUTBOUND_URL_PATTERN, description: 'https:// (http:// to a loopback address only outside production); a robot\'s webhook URL with its key' }),
    events: Type.Array(EventType, { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true }),
    format: Type.Optional(literals(FORMATS, 'standard (Standard Webhooks, the default) or an HR group chat\'s robot')),
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: `standard: your own signing secret (pattern ${SECRET_PATTERN}); left out, one is generated. dingtalk, feishu: the robot's signing secret. wecom: none`,
      }),
    ),
    subsidiaryId: Type.Optional(Uuid),
  },
  {
    additionalProperties: false,
    allOf: [
      rule('secret: must be left out for a WeCom robot (its key is in the URL)', formatNotIn(['wecom']), { not: { required: ['secret'] } }),
      rule(`events: a robot receives ${ROBOT_EVENTS.join(', ')} only`, formatNotIn(ROBOT_FORMATS), { properties: { events: { type: 'array', items: { enum: [...ROBOT_EVENTS] } } } }),
      rule(
        'secret: must be whsec_ followed by 24 to 64 bytes in base64 (a standard endpoint\'s own secret)',
        { required: ['format'], properties: { format: { enum: [...ROBOT_FORMATS] } } },
        { properties: { secret: { type: 'string', pattern: SECRET_PATTERN } } },
      ),
    ],
  },
);

export const EndpointParams = Type.Object({ id: Uuid });

export const EndpointView = Type.Object({
  id: Uuid,
  groupId: Uuid,
  subsidiaryId: Nullable(Uuid),
  url: Type.String({ description: 'masked: query values and a robot\'s key hidden' }),
  format: literals(FORMATS),
  events: Type.Array(EventType),
  secret: Nullable(Type.String({ description: 'masked' })),
  previousSecretExpiresAt: Nullable(Instant),
  enabled: Type.Boolean(),
  disabledAt: Nullable(Instant),
  disabledReason: Nullable(Type.String()),
  createdAt: Instant,
  createdBy: Type.String(),
});

export const EndpointCreated = Type.Object({
  endpoint: EndpointView,
  secret: Nullable(Type.String({ description: 'the signing secret in full, shown this once (null for a robot without one)' })),
});

export const EndpointList = Type.Object({ items: Type.Array(EndpointView) });

export const SecretRotated = Type.Object({
  endpoint: EndpointView,
  secret: Type.String({ description: 'the new signing secret, shown this once' }),
  previousSecretExpiresAt: Instant,
});

export const DeliveriesQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 100; newest first' })),
  },
  { additionalProperties: false },
);

export const DeliveryView = Type.Object({
  id: Uuid,
  endpointId: Uuid,
  webhookId: Type.String({ description: 'the webhook-id header every attempt carries' }),
  type: Type.Union([EventType, Type.Literal(TEST_EVENT)]),
  interviewId: Nullable(Type.String()),
  by: Nullable(literals(ACTORS)),
  status: DeliveryStatus,
  attempts: Type.Array(
    Type.Object({
      at: Instant,
      outcome: Type.String({ description: 'success, http_error, redirect, gone, timeout, network, robot_error' }),
      statusCode: Nullable(Type.Integer()),
      error: Nullable(Type.String()),
      durationMs: Type.Integer(),
    }),
  ),
  nextAttemptAt: Nullable(Instant),
  deliveredAt: Nullable(Instant),
  createdAt: Instant,
});

export const DeliveryList = Type.Object({ items: Type.Array(DeliveryView) });

export const DeliveryParams = Type.Object({ id: Uuid });
