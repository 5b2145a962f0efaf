/**
 * Why a message did not reach the candidate, in the words Turnout records
 * (MESSAGE_REJECTED evidence, receipt evidence), and the Twilio error codes
 * that say a message will never be accepted: the transports classify a
 * refused send with them (activities/messaging/errors.ts), and receipts.ts
 * reads a delivery receipt's ErrorCode with them.
 */

export type FailureReason =
  | 'invalid_recipient'
  | 'unsubscribed'
  | 'blocked'
  | 'account'
  | 'rejected'
  | 'rate_limited'
  | 'provider_unavailable'
  | 'timeout'
  | 'network'
  | 'unknown';

/**
 * Twilio error codes whose message will never be accepted
 * (Twilio's error and warning dictionary). Codes not listed fall back to the
 * HTTP status: 4xx permanent, except 408 and 429.
 */
export const TWILIO_PERMANENT: Readonly<Record<number, FailureReason>> = {
  21211: 'invalid_recipient', // invalid 'To' phone number
  21214: 'invalid_recipient', // 'To' cannot be reached
  21217: 'invalid_recipient', // phone number does not appear to be valid
  21401: 'invalid_recipient', // invalid phone number
  21407: 'invalid_recipient', // number type does not support SMS
  21612: 'invalid_recipient', // 'To' not reachable via SMS from this sender
  21614: 'invalid_recipient', // 'To' is not a valid mobile number
  21635: 'invalid_recipient', // 'To' is a landline
  21610: 'unsubscribed', // the recipient replied STOP
  21408: 'blocked', // sending to this region is not enabled on the account
  21611: 'blocked', // the sender's queue is full of undelivered messages
  30004: 'blocked', // message blocked (delivery receipts)
  30007: 'blocked', // carrier filtered (delivery receipts)
  30005: 'invalid_recipient', // unknown destination (delivery receipts)
  30006: 'invalid_recipient', // landline or unreachable carrier (delivery receipts)
  20003: 'account', // authentication failed
  20404: 'account', // resource not found: wrong account or service SID
  21606: 'account', // 'From' is not a valid sender for this account
  21659: 'account', // 'From' is not a Twilio number
  21703: 'account', // Messaging Service has no senders
  21704: 'account', // Messaging Service has no phone numbers
};
