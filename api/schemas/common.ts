/**
 * The pieces every route schema shares: the error answer, ids, instants and
 * the self-service token parameter. One definition each, so the contract, the
 * validation and the OpenAPI document cannot drift apart.
 */
import { Type, type TSchema } from '@sinclair/typebox';

/** Every 4xx and 5xx the API answers: `{ error: { code, message, details? } }`. */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

/** An id chosen by the platform (interview, candidate, position, event). */
export const Id = Type.String({ minLength: 1, maxLength: 200 });

/** One of Turnout's own ids. ajv's uuid format also takes the `urn:uuid:` form, which PostgreSQL does not: the length rules it out. */
export const Uuid = Type.String({ format: 'uuid', minLength: 36, maxLength: 36 });

export const Instant = Type.String({ format: 'date-time', description: 'ISO-8601 with offset' });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** The candidate's self-service link token, as it appears in the path. */
export const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 1000 }) });
