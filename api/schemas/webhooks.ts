import { Type, type Static } from '@sinclair/typebox';

/**
 * Twilio's status callback (application/x-www-form-urlencoded). Only the
 * fields Turnout reads are declared; Twilio sends more (To, From, ApiVersion,
 * SmsSid, …) and may add fields at any time, so others are allowed.
 */
export const TwilioStatusCallback = Type.Object(
  {
    MessageSid: Type.String({ minLength: 2, maxLength: 64 }),
    MessageStatus: Type.String({ minLength: 1, maxLength: 40 }),
    ErrorCode: Type.Optional(Type.String({ maxLength: 16 })),
    AccountSid: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);
export type TwilioStatusCallback = Static<typeof TwilioStatusCallback>;

export const TwilioStatusQuery = Type.Object(
  { notification: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: true },
);

/** One event of SendGrid's event webhook batch; custom args arrive as extra top-level fields. */
export const SendGridEvent = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 40 }),
    timestamp: Type.Optional(Type.Number()),
    sg_message_id: Type.Optional(Type.String({ maxLength: 200 })),
    sg_event_id: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);
export const SendGridEventBatch = Type.Array(SendGridEvent, { maxItems: 10_000 });
export type SendGridEventBatch = Static<typeof SendGridEventBatch>;

export const ReceiptsAccepted = Type.Object({
  recorded: Type.Integer({ description: 'receipts that added evidence' }),
  duplicates: Type.Integer({ description: 'receipts already recorded (a provider retry)' }),
  unknown: Type.Integer({ description: 'receipts for messages Turnout did not send; ignored' }),
});
export type ReceiptsAccepted = Static<typeof ReceiptsAccepted>;
